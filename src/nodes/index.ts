import { Type } from '@sinclair/typebox';
import type { CallRepository } from '../calls/call-repository.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import { requireRole } from '../http/auth.ts';
import { NodeRegistry } from './node-registry.ts';

export { NodeRegistry, type NodeState } from './node-registry.ts';

export interface Nodes extends Feature {
  registry: NodeRegistry;
}

/** How often a node says it is alive. */
export const BEAT_MS = 10_000;
/** How often a node looks for nodes gone for good, to close what they left open. */
const SWEEP_EVERY_BEATS = 6;

const NodeSchema = Type.Object({
  id: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  alive: Type.Boolean(),
});

/**
 * The nodes that share the database: each beats every 10 s into the table
 * `nodes`; work that belongs to one node (its Asterisk's recordings) is
 * adopted by another once that node has been silent for node.goneAfterSeconds
 * (voicemails: src/voicemail/; outbound attempts: src/outbound/; the records
 * of calls that died with it are closed here). GET /api/nodes lists them for
 * supervisors.
 */
export function createNodes(base: Pick<ServiceBase, 'config' | 'db' | 'log'>, uses: { calls: Pick<CallRepository, 'closeOfGoneNodes'> }): Nodes {
  const { config, db } = base;
  const log = base.log.child({ component: 'nodes' });
  const registry = new NodeRegistry(db.pool, config.node.id, config.node.goneAfterSeconds);
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let beats = 0;
  const beat = async () => {
    try {
      await db.whenMigrated();
      await registry.beat();
      if (beats++ % SWEEP_EVERY_BEATS === 0) {
        const closed = await uses.calls.closeOfGoneNodes(await registry.gone());
        if (closed > 0) log.warn({ closed }, 'closed the records of calls that died with a node gone for good');
      }
      if (failing) log.info('node heartbeat written again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message }, 'node heartbeat not written (retried)');
      failing = true;
    }
  };
  return {
    name: 'nodes',
    registry,
    routes: async (app) => {
      app.get(
        '/api/nodes',
        {
          preHandler: requireRole('supervisor'),
          schema: { tags: ['nodes'], summary: 'The nodes sharing this database, and whether each is alive', response: { 200: Type.Array(NodeSchema) } },
        },
        () => registry.list(),
      );
    },
    workers: [
      {
        name: 'node heartbeat',
        start: () => {
          void db.ready.then(beat, () => undefined);
          timer = setInterval(() => void beat(), BEAT_MS);
          timer.unref();
        },
        stop: async () => clearInterval(timer),
      },
    ],
    health: [{ name: 'node', read: () => config.node.id }],
  };
}
