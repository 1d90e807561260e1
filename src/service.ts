import type { FastifyInstance } from 'fastify';
import { AuthService } from './auth/auth-service.ts';
import type { LoadedConfig } from './config/load-config.ts';
import { ensureSecret, SECRET_NAMES } from './config/secrets.ts';
import { CallRepository } from './calls/call-repository.ts';
import { CallStore } from './calls/call-store.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { withRetry } from './db/retry.ts';
import { DutyAlerts } from './emergency/alerts.ts';
import { buildApp } from './http/app.ts';
import { Hotline } from './ivr/hotline.ts';
import { loadFlow } from './ivr/load-flow.ts';
import type { Logger } from './logging/logger.ts';
import { chooseEngine } from './prompts/choose-engine.ts';
import { PromptLibrary } from './prompts/prompt-library.ts';
import { promptVars } from './prompts/prompt-vars.ts';
import { calendarProblems } from './routing/calendar-check.ts';
import { createClock } from './routing/clock.ts';
import { OverrideRepository } from './routing/override-repository.ts';
import { OverrideService } from './routing/override-service.ts';
import { AriTelephony } from './telephony/ari-telephony.ts';
import { TicketRepository } from './tickets/ticket-repository.ts';
import { VoicemailJournal } from './voicemail/journal.ts';
import { RecordingStore } from './voicemail/recording-store.ts';
import { VoicemailKeeper } from './voicemail/voicemail-keeper.ts';
import { voicemailServices } from './voicemail/voicemail-services.ts';
import path from 'node:path';
import { listDeliveries, NotificationOutbox, notificationSettings } from './notify/index.ts';
import type { Ticket } from './tickets/ticket.ts';

export interface RunningService {
  hotline: Hotline;
  telephony: AriTelephony;
  http: FastifyInstance;
  /** Where the HTTP API listens (port 0 in the config picks a free one). */
  httpUrl: string;
  stop(): Promise<void>;
}

/**
 * Renders (or reuses) the prompt audio for the enabled languages. The engine
 * is the configured one behind the one-second fallback to espeak-ng: prompts
 * rendered during calls must never leave a caller in silence.
 */
export async function buildPrompts(config: LoadedConfig, log?: Logger): Promise<PromptLibrary> {
  const chosen = chooseEngine(config.prompts, {
    mode: 'on-demand',
    languages: config.languages.enabled,
    // The text itself is not logged: ad-hoc texts may hold a caller's details.
    onFallback: (e) => log?.warn({ lang: e.lang, chars: e.text.length, reason: e.reason }, 'cloud text-to-speech failed; espeak-ng spoke instead'),
  });
  await chosen.warmUp().catch((err: unknown) => log?.warn({ err: (err as Error).message }, 'cloud text-to-speech not ready; espeak-ng stands in'));
  const library = await PromptLibrary.build({
    cataloguePath: config.prompts.catalogue,
    renderedDir: config.prompts.renderedDir,
    languages: config.languages.enabled,
    vars: promptVars(config),
    engine: chosen.engine,
  });
  log?.info({ ...library.stats, engine: chosen.description }, 'prompts ready');
  return library;
}

/**
 * Starts the hotline application: prompts and flow are checked first (the
 * service refuses to run with a broken flow); the database is migrated in the
 * background while calls are already answered, so a database that is away at
 * start delays call records but never a caller.
 */
export async function startService(config: LoadedConfig, log: Logger): Promise<RunningService> {
  const clock = createClock(config.clockStart, (iso) =>
    log.warn({ clockStart: iso }, 'HOTLINE_NOW is set: the clock starts at this instant (tests and demos only)'),
  );
  const calendarIssues = calendarProblems(config.calendar);
  if (calendarIssues.length > 0) throw new Error(`calendar in ${config.source}:\n  - ${calendarIssues.join('\n  - ')}`);
  const ariPassword = ensureSecret(config.dataDir, SECRET_NAMES.ariPassword, config.asterisk.ariPassword);
  const adminToken = ensureSecret(config.dataDir, SECRET_NAMES.adminToken, config.http.adminToken);

  const prompts = await buildPrompts(config, log);
  const { flow, warnings } = loadFlow(config.flowFile, {
    prompts,
    languages: config.languages.enabled,
    calendar: config.calendar,
  });
  for (const w of warnings) log.warn({ flow: config.flowFile }, w);

  const db: Database = await openDatabase({ url: config.database.url, dataDir: config.dataDir, log: log.child({ component: 'db' }) });
  const ready = withRetry(() => migrate(db.pool, log), {
    attempts: Infinity,
    baseDelayMs: 500,
    maxDelayMs: 10_000,
    onRetry: (err, attempt) => log.warn({ attempt, err: (err as Error).message }, 'database not ready for migrations; retrying'),
  });
  ready.catch((err) => log.error({ err }, 'database migrations failed'));
  let migrated = false;
  void ready.then(() => { migrated = true; });
  /** Writes that must not wait forever for a database that is away (the keeper retries them). */
  const whenMigrated = () => (migrated ? Promise.resolve() : Promise.reject(new Error('database not ready (migrations pending)')));

  const calls = new CallRepository(db.pool);
  const store = new CallStore({ upsert: async (r) => { await ready; await calls.upsert(r); } }, log.child({ component: 'records' }));
  const overrides = new OverrideService(new OverrideRepository(db.pool), clock, log.child({ component: 'override' }));
  void ready.then(() => overrides.refresh());
  overrides.startPolling();
  // Staff logins and tokens live in the database; the service admin token works without it.
  const auth = new AuthService({ db: db.pool, log: log.child({ component: 'auth' }), serviceToken: adminToken, ready });
  const alerts = new DutyAlerts(log.child({ component: 'alerts' }), config.duty.alertWebhookUrl);

  const telephony = new AriTelephony({
    url: `http://${config.asterisk.ariHost}:${config.asterisk.ariPort}`,
    user: config.asterisk.ariUser,
    password: ariPassword,
    app: config.asterisk.appName,
    log: log.child({ component: 'ari' }),
    onAdoptedBridgeEnded: (callIds) => {
      for (const id of callIds) void calls.markEnded(id, clock.now()).catch((err) => log.warn({ err: (err as Error).message }, 'could not close a record after restart'));
    },
  });
  const tickets = new TicketRepository(db.pool, config.calendar, config.tickets.referencePrefix);
  const outbox = new NotificationOutbox({ pool: db.pool, log: log.child({ component: 'notify' }), settings: notificationSettings(config) });
  void ready.then(() => outbox.start(), () => undefined);
  /** Staff hear of a ticket once its audio is safe; enqueueing again is harmless (one row per ticket and channel). */
  const announce = async (t: Ticket) => {
    await outbox.enqueue({
      ticketId: t.id,
      reference: t.reference,
      category: t.category,
      level: t.level,
      language: t.language,
      callerNumber: t.callerNumber,
      deadline: t.deadline,
      createdAt: t.createdAt,
      recordingSeconds: t.recording.ms === null ? null : Math.round(t.recording.ms / 1000),
    });
  };
  const recordingStore = new RecordingStore(config.voicemail.recordingsDir);
  const keeper = new VoicemailKeeper({
    journal: new VoicemailJournal(path.join(config.dataDir, 'voicemail-journal')),
    tickets: {
      create: async (d) => { await whenMigrated(); return tickets.create(d); },
      completeRecording: async (...a) => { await whenMigrated(); return tickets.completeRecording(...a); },
      unfinished: async () => { await whenMigrated(); return tickets.unfinished(); },
    },
    archive: telephony.recordings,
    store: recordingStore,
    log: log.child({ component: 'voicemail' }),
    maxRecordingSeconds: longestRecording(flow),
    onCompleted: async (t) => { await whenMigrated(); await announce(t); },
    reconcileEveryMs: config.voicemail.reconcileSeconds * 1000,
  });

  const hotline = new Hotline({
    flow,
    telephony,
    prompts,
    clock,
    calendar: config.calendar,
    override: () => overrides.current(),
    records: store,
    loadRecord: async (id) => Promise.race([calls.get(id), new Promise<null>((r) => setTimeout(() => r(null), 1500))]),
    alerts,
    voicemail: voicemailServices(keeper, telephony.recordings, prompts, log.child({ component: 'voicemail' })),
    log,
    config,
  });

  const http = await buildApp({
    log,
    auth,
    health: {
      ariConnected: () => telephony.stats().connected,
      telephony: () => {
        const { legs, pendingWaits, bridges } = telephony.stats();
        return { legs, pendingWaits, bridges };
      },
      activeCalls: () => hotline.activeCalls,
      pendingRecords: () => store.pending,
      databaseOk: async () => {
        try {
          await Promise.race([db.pool.query('select 1'), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000))]);
          return true;
        } catch {
          return false;
        }
      },
    },
    routing: { calendar: config.calendar, clock, overrides },
    calls,
    tickets: {
      tickets,
      recordings: recordingStore,
      clock,
      deliveries: async (id) => (await listDeliveries(db.pool, id)).map((x) => ({ channel: x.channel, status: x.status, attempts: x.attempts, deliveredAt: x.deliveredAt, lastError: x.lastError })),
    },
  });
  const address = await http.listen({ host: config.http.host, port: config.http.port });
  await telephony.start();
  keeper.start();
  log.info({ http: address, hotlineNumber: config.trunk.hotlineNumber }, 'hotline ready');

  let stopped = false;
  return {
    hotline,
    telephony,
    http,
    httpUrl: address,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Calls in progress stay in Asterisk; a restarted application picks them up.
      await http.close().catch(() => {});
      await keeper.stop();
      await outbox.stop(5_000);
      await telephony.close();
      overrides.stop();
      await alerts.settle();
      const flushed = await store.flush(5000);
      if (!flushed) log.warn({ pending: store.pending }, 'call records still unwritten at stop');
      store.close();
      await db.close();
      log.info('hotline stopped');
    },
  };
}

/** The longest recording any voicemail node of the flow allows, s. */
function longestRecording(flow: { nodes: Record<string, { kind: string; maxSeconds?: number }> }): number {
  const limits = Object.values(flow.nodes).flatMap((n) => (n.kind === 'voicemail' && n.maxSeconds ? [n.maxSeconds] : []));
  return Math.max(180, ...limits);
}
