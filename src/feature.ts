import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { LoadedConfig } from './config/load-config.ts';
import type { CallRunner } from './ivr/call-runner.ts';
import type { CallRecord } from './domain/call-record.ts';
import type { FlowSet } from './ivr/flow-set.ts';
import type { Decisions } from './ivr/decisions.ts';
import type { NodeBinding } from './ivr/node-kind.ts';
import type { Logger } from './logging/logger.ts';
import type { PromptLibrary } from './prompts/prompt-library.ts';
import type { Telephony } from './telephony/port.ts';
import type { Clock } from './time/clock.ts';

/**
 * The one shape of a feature. Each feature folder exports one factory
 * (createVoicemail, createEmergency, …) that takes the service's base and the
 * other features it builds on, and returns a Feature: what it contributes.
 * The composition root (src/app/) lists the features and installs their
 * parts; nothing else wires them.
 */
export interface Feature {
  readonly name: string;
  /** Node kinds flows may use, with the services they run on (bindKinds). */
  readonly nodes?: readonly NodeBinding[];
  /** Named functions decide nodes and prompt selects may use. */
  readonly decisions?: Decisions;
  /** Flows of its own (YAML), loaded and checked with the others at start-up. */
  readonly flows?: ReadonlyArray<{ name: string; file: string }>;
  /** Adds the feature's HTTP routes (with their schemas and role guards). */
  routes?(app: FastifyInstance): Promise<void>;
  /** Background work: started once the service is up, stopped before the database closes. */
  readonly workers?: readonly Worker[];
  /** Fields of GET /health. */
  readonly health?: readonly HealthCheck[];
  /** Told of every call that ends in this process, with its final record (must not throw or wait). */
  callEnded?(record: CallRecord): void;
}

export interface Worker {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface HealthCheck {
  /** The field's name in the /health answer. */
  readonly name: string;
  read(): unknown | Promise<unknown>;
  /**
   * What a false value means: 'down' answers 503 (this node cannot take
   * calls), 'degraded' marks the status; other values are only reported.
   */
  readonly whenFalse?: 'down' | 'degraded';
}

/** The database as features see it. */
export interface ServiceDatabase {
  pool: pg.Pool;
  /** Settles when the migrations have run (the service answers calls before). */
  ready: Promise<void>;
  /** Resolves at once when migrated, else rejects: for writes that must not wait (their caller retries). */
  whenMigrated(): Promise<void>;
}

/** What every feature is built on. */
export interface ServiceBase {
  config: LoadedConfig;
  log: Logger;
  clock: Clock;
  prompts: PromptLibrary;
  db: ServiceDatabase;
  telephony: Telephony;
  /** The flows, their node kinds and decisions (loaded at start-up, after the features are made). */
  flows: FlowSet;
  /** Runs calls through flows; features that place calls run them here. */
  runner: CallRunner;
}
