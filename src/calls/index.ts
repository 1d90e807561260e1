import { withinDeadline } from '../async/deadline.ts';
import type { CallRecord, RecordSink } from '../domain/call-record.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import { CallRepository } from './call-repository.ts';
import { CallStore } from './call-store.ts';
import { callRoutes } from './routes.ts';

export interface Calls extends Feature {
  repository: CallRepository;
  /** Where the flow engine hands every change of a call's record; written behind the call. */
  records: RecordSink;
  /** A record read back for a call picked up after a restart; null when the database cannot say in time. */
  load(id: string): Promise<CallRecord | null>;
  /** Closes the records of the calls on these channels, connected across a restart and now ended. */
  closeAdopted(channelIds: string[]): void;
}

/** A restarted call must not wait long for its old record: it goes on without it. */
const LOAD_BUDGET_MS = 1500;

/** Call records: written behind every call (never blocking it), and read by staff. */
export function createCalls(base: Pick<ServiceBase, 'db' | 'clock' | 'log'>, nodeId = ''): Calls {
  const { db, clock } = base;
  const log = base.log.child({ component: 'records' });
  const repository = new CallRepository(db.pool, nodeId);
  const store = new CallStore({ upsert: async (r) => { await db.ready; await repository.upsert(r); } }, log);
  return {
    name: 'calls',
    repository,
    records: store,
    load: (id) => withinDeadline(repository.get(id), LOAD_BUDGET_MS, null),
    closeAdopted: (channelIds) => {
      void repository.markEndedOnChannels(channelIds, clock.now()).catch((err) => log.warn({ err: (err as Error).message }, 'could not close a record after restart'));
    },
    routes: (app) => callRoutes(app, { calls: repository }),
    workers: [
      {
        name: 'call records',
        start: () => {},
        stop: async () => {
          if (!(await store.flush(5000))) log.warn({ pending: store.pending }, 'call records still unwritten at stop');
          store.close();
        },
      },
    ],
    health: [{ name: 'pendingRecords', read: () => store.pending }],
  };
}
