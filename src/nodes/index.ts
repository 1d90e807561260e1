import { Type } from '@sinclair/typebox';
import type { Feature, ServiceBase } from '../feature.ts';
import { requireRole } from '../http/auth.ts';
import { NodeRegistry } from './node-registry.ts';

export { NodeRegistry, type NodeState } from './node-registry.ts';

export interface Nodes extends Feature {
  registry: NodeRegistry;
}

/** How often a node says it is alive. */
export const BEAT_MS = 10_000;

const NodeSchema = Type.Object({
  id: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  alive: Type.Boolean(),
});

/**
 * The nodes that share the database: each beats every 10 s into the table
 * `nodes`; work that belongs to one node (its Asterisk's recordings) is
 * adopted by another once that node has been silent for node.goneAfterSeconds.
 * GET /api/nodes lists them for supervisors.
 */
export function createNodes(base: Pick<ServiceBase, 'config' | 'db' | 'log'>): Nodes {
  const { config, db } = base;
  const log = base.log.child({ component: 'nodes' });
  const registry = new NodeRegistry(db.pool, config.node.id, config.node.goneAfterSeconds);
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  const beat = async () => {
    try {
      await db.whenMigrated();
      await registry.beat();
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
