import type { FastifyInstance } from 'fastify';
import { createAudit } from '../audit/index.ts';
import { createAuth } from '../auth/index.ts';
import { calendarProblems } from '../calendar/calendar-check.ts';
import { createCalendarDays } from '../calendar-days/index.ts';
import { createCalls } from '../calls/index.ts';
import { createCdrImport } from '../cdr/index.ts';
import { createConsole } from '../console/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { createFigures } from '../figures/index.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { ensureSecret, SECRET_NAMES } from '../config/secrets.ts';
import { createDesk } from '../desk/index.ts';
import { createEmergency } from '../emergency/index.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import { buildApp } from '../http/app.ts';
import { CallRunner } from '../ivr/call-runner.ts';
import { FlowSet } from '../ivr/flow-set.ts';
import { InboundCalls } from '../ivr/inbound-calls.ts';
import type { Logger } from '../logging/logger.ts';
import { createNodes } from '../nodes/index.ts';
import { createNotify } from '../notify/index.ts';
import { createRouting } from '../routing/index.ts';
import { AriTelephony } from '../telephony/ari-telephony.ts';
import { createTickets } from '../tickets/index.ts';
import { createClock } from '../time/clock.ts';
import { createVoicemail } from '../voicemail/index.ts';
import { createOutbound } from '../outbound/index.ts';
import { emergencyHooks, loadFlows } from './flows.ts';
import { openServiceDatabase } from './database.ts';
import { platformFeature } from './platform.ts';
import { buildPrompts } from './prompts.ts';

export interface RunningService {
  runner: CallRunner;
  telephony: AriTelephony;
  http: FastifyInstance;
  httpUrl: string; // where the API listens (port 0 in the config picks a free one)
  stop(): Promise<void>;
}

/** The composition root: the hotline is this list of features. Prompts and flow are checked first (the service
 *  refuses to run with a broken flow); the database is migrated in the background while calls are already answered. */
export async function startService(config: LoadedConfig, log: Logger): Promise<RunningService> {
  const clock = createClock(config.clockStart, (iso) => log.warn({ clockStart: iso }, 'HOTLINE_NOW is set: the clock starts at this instant (tests and demos only)'));
  const calendarIssues = calendarProblems(config.calendar);
  if (calendarIssues.length > 0) throw new Error(`calendar in ${config.source}:\n  - ${calendarIssues.join('\n  - ')}`);
  const ariPassword = ensureSecret(config.dataDir, SECRET_NAMES.ariPassword, config.asterisk.ariPassword);
  const adminToken = ensureSecret(config.dataDir, SECRET_NAMES.adminToken, config.http.adminToken);
  const prompts = await buildPrompts(config, log);
  const db = await openServiceDatabase(config, log);

  const calls = createCalls({ db, clock, log }, config.node.id);
  const { ariHost, ariPort, ariUser, appName, ariConnections } = config.asterisk;
  const telephony = new AriTelephony({
    url: `http://${ariHost}:${ariPort}`, user: ariUser, password: ariPassword, app: appName, log: log.child({ component: 'ari' }), connections: ariConnections,
    onAdoptedBridgeEnded: (channelIds) => calls.closeAdopted(channelIds),
  });
  const flows = new FlowSet();
  const runner = new CallRunner({ prompts, clock, flows, records: calls.records, loadRecord: calls.load, onCallEnded: (r) => { for (const f of features) f.callEnded?.(r); }, log });
  const base: ServiceBase = { config, log, clock, prompts, db, telephony, flows, runner };

  const auth = createAuth(base, adminToken);
  const notify = createNotify(base);
  const tickets = createTickets(base, { deliveries: notify.deliveries });
  const emergency = createEmergency(base, {
    notify: (n) => notify.notify(n),
    // Queued through the retrying path: a database away for a moment delays the callback, never drops it.
    callBack: (r) => outbound.queue({ kind: 'emergency-callback', ...r, dedupeKey: `emergency-callback:${r.callId}` }),
    records: calls.repository,
  });
  const [nodes, calendarDays] = [createNodes(base, { calls: calls.repository }), createCalendarDays(base)];
  const outbound = createOutbound(base, { tickets, notify, recordings: tickets.recordings, nodes: nodes.registry, ...emergencyHooks(emergency) });
  // Workers start in this order and stop in the reverse one.
  const features: Feature[] = [
    calls,
    nodes,
    createCdrImport(base),
    calendarDays,
    createRouting(base, { calendar: () => calendarDays.store.current() }),
    auth,
    createAudit(base),
    emergency,
    createDesk(base),
    platformFeature(telephony, runner, db),
    notify,
    tickets,
    createVoicemail(base, { tickets: tickets.repository, recordings: tickets.recordings, nodes: nodes.registry, announce: async (t) => { await notify.announceTicket(t); outbound.voicemailCompleted(t); } }),
    outbound,
    createFigures(base, { notify }),
    createConsole(),
    createMetrics(base, { ariUp: () => telephony.stats().connected }),
  ];

  flows.install(features);
  const inbound = loadFlows(flows, features, config, prompts, log);
  new InboundCalls({ telephony, runner, flow: inbound, defaultLanguage: config.languages.default, enabledLanguages: config.languages.enabled, claims: [(leg) => outbound.calls.resume(leg)], log });
  const http = await buildApp({ log, auth: auth.service, features });
  const address = await http.listen({ host: config.http.host, port: config.http.port });
  const workers = features.flatMap((f) => f.workers ?? []);
  for (const w of workers) await w.start();
  log.info({ http: address, hotlineNumber: config.trunk.hotlineNumber }, 'hotline ready');

  let stopped = false;
  return {
    runner,
    telephony,
    http,
    httpUrl: address,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Calls in progress stay in Asterisk; a restarted application picks them up.
      await http.close().catch(() => {});
      for (const w of [...workers].reverse()) await w.stop().catch((err) => log.error({ err, worker: w.name }, 'worker did not stop cleanly'));
      await db.close();
      log.info('hotline stopped');
    },
  };
}
