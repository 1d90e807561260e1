import type { Feature, ServiceBase } from '../feature.ts';
import type { CallRecord } from '../domain/call-record.ts';
import { HotlineMetrics } from './metrics.ts';

export { HotlineMetrics } from './metrics.ts';

export interface Metrics extends Feature {
  metrics: HotlineMetrics;
  callEnded(record: CallRecord): void;
}

/**
 * GET /metrics in Prometheus's text format: calls in progress and by outcome,
 * the emergency time-to-accept histogram, the outbound queue and its attempts,
 * the outbox backlog, database and ARI up, every series labelled with the
 * node. No token: like /health it is for the operator's scraper on the
 * internal network and holds counts only, no number or name.
 */
export function createMetrics(base: Pick<ServiceBase, 'config' | 'db' | 'runner'>, o: { ariUp: () => boolean }): Metrics {
  const metrics = new HotlineMetrics({ pool: base.db.pool, node: base.config.node.id, activeCalls: () => base.runner.activeCalls, ariUp: o.ariUp });
  return {
    name: 'metrics',
    metrics,
    callEnded: (r) => metrics.callEnded(r),
    routes: async (app) => {
      app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics of this node (text format 0.0.4)' } }, async (_req, reply) => {
        const { contentType, body } = await metrics.scrape();
        return reply.type(contentType).send(body);
      });
    },
  };
}
