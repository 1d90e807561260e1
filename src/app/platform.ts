import { withDeadline } from '../async/deadline.ts';
import type { Feature, ServiceDatabase } from '../feature.ts';
import type { CallRunner } from '../ivr/call-runner.ts';
import type { AriTelephony } from '../telephony/ari-telephony.ts';

/**
 * The service's own parts as a feature: the link to Asterisk (connected
 * after the HTTP API listens, closed before the records are flushed) and the
 * health of telephony, database and calls.
 */
export function platformFeature(telephony: AriTelephony, runner: CallRunner, db: ServiceDatabase): Feature {
  return {
    name: 'platform',
    workers: [{ name: 'asterisk link', start: () => telephony.start(), stop: () => telephony.close() }],
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
    ],
  };
}
