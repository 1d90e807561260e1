import { createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { withDeadline } from '../async/deadline.ts';
import type { Feature, ServiceDatabase } from '../feature.ts';
import { authenticate } from '../http/auth.ts';
import type { CallRunner } from '../ivr/call-runner.ts';
import type { AriTelephony } from '../telephony/ari-telephony.ts';

/**
 * The service's own parts as a feature: the link to Asterisk (connected
 * after the HTTP API listens, closed before the records are flushed) and the
 * health of telephony, database and calls.
 */
export function platformFeature(telephony: AriTelephony, runner: CallRunner, db: ServiceDatabase): Feature {
  // How late the event loop runs its timers: every caller's next prompt waits behind it.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  // Garbage collection pauses the loop as a whole: told apart from the application's own work.
  const gcPause = createHistogram();
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPause.record(Math.max(1, Math.round(entry.duration * 1e6)));
  });
  return {
    name: 'platform',
    workers: [
      { name: 'asterisk link', start: () => telephony.start(), stop: () => telephony.close() },
      {
        name: 'event loop monitor',
        start: () => {
          loopDelay.enable();
          gcObserver.observe({ entryTypes: ['gc'] });
        },
        stop: async () => {
          loopDelay.disable();
          gcObserver.disconnect();
        },
      },
    ],
    routes: async (app) => {
      app.get('/api/calls/live', { preHandler: authenticate, schema: { tags: ['calls'], summary: 'Calls in the hotline now and the node each is at (caller numbers masked)' } }, async () => ({ calls: runner.live() }));
    },
    health: [
      { name: 'ari', read: () => telephony.stats().connected, whenFalse: 'down' },
      {
        name: 'database',
        read: () => withDeadline(db.pool.query('select 1'), 1000, 'database health').then(() => true, () => false),
        whenFalse: 'degraded',
      },
      { name: 'activeCalls', read: () => runner.activeCalls },
      {
        name: 'telephony',
        read: () => {
          const { legs, pendingWaits, bridges } = telephony.stats();
          return { legs, pendingWaits, bridges };
        },
      },
      { name: 'eventLoopDelayMs', read: () => ({ p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) }) },
      {
        name: 'gcPauseMs',
        read: () => ({ n: gcPause.count, p99: ms(gcPause.percentile(99)), max: ms(gcPause.max), total: gcPause.count === 0 ? 0 : Math.round((gcPause.mean * gcPause.count) / 1e6) }),
      },
      { name: 'ariRequestMs', read: () => telephony.requestLatency() },
    ],
  };
}
