/**
 * `npm run callback -- [options]`: queues an outbound call in the running
 * hotline, answers it with a SIPp phone standing in for the customer on the
 * trunk, presses the keys given and prints the job's result and attempts,
 * for a newcomer without a phone line.
 *
 *   --kind <kind>      repair-confirmation (default), survey or missed-call
 *   --press <keys>     keys the customer presses; default 1 (solved; a score of 1 in a survey)
 *   --after <s>        seconds after answering before pressing; default: into the question (the
 *                      opening's and the emergency sentence's length from the prompt manifest, + 1.5)
 *   --number <number>  the customer's number; default 13900139000
 *   --ticket <ref>     the ticket the call is about (e.g. HL-20261124-0001); default none
 *   --busy             the customer's line is busy instead: the attempt and the retry are printed
 *
 * Examples:  npm run callback                      a repair confirmation, the customer presses 1
 *            npm run callback -- --press 2          not solved (with --ticket: the ticket reopens)
 *            npm run callback -- --kind survey --press 5
 *            npm run callback -- --press 9          no more calls: the number joins the opt-out list
 *
 * Outside the calling window (09:00–20:00 local, not on holidays) the job
 * waits for the next opening; the tool says so and leaves it queued.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/cli/api-client.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { MANIFEST_FILE, type Manifest } from '../../src/prompts/manifest.ts';
import { runSipp, uas, type SippProcess } from '../sipp/index.ts';
import { printJob, type JobView } from './print-job.ts';
import { runCli, seconds } from './cli.ts';

const KINDS = ['repair-confirmation', 'survey', 'missed-call'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'repair-confirmation' },
      press: { type: 'string', default: '1' },
      after: { type: 'string' },
      number: { type: 'string', default: '13900139000' },
      ticket: { type: 'string' },
      busy: { type: 'boolean', default: false },
    },
  });
  if (!KINDS.includes(values.kind!)) throw new Error(`--kind: one of ${KINDS.join(', ')}, not ${values.kind}`);
  if (!/^[0-9*#]*$/.test(values.press!)) throw new Error(`--press: keys 0-9, * and #, not ${values.press}`);
  const config = loadConfig();
  const api = new ApiClient(config);
  await api.get('/api/routing').catch((err: Error) => {
    throw new Error(`${err.message}\nstart the hotline first: npm start`);
  });
  if (config.trunk.host !== '127.0.0.1') throw new Error(`the trunk goes to ${config.trunk.host}: this tool answers on 127.0.0.1 only (a demo configuration)`);

  const afterMs = values.after === undefined ? intoQuestionMs(config) : seconds(values.after, '--after', 120);
  const script = values.busy
    ? uas().ring(500).reject(486)
    : uas().ring(1000).answer().pause(afterMs).dtmf(values.press!).waitForHangup(90_000).acceptEarlyHangup();
  const customer: SippProcess = runSipp({ scenario: script, localPort: config.trunk.port, timeoutMs: 180_000 });
  await customer.ready;
  process.stderr.write(`the customer's phone (${values.number}) answers at 127.0.0.1:${config.trunk.port}${values.busy ? ' busy' : `, pressing ${values.press} ${(afterMs / 1000).toFixed(1)} s after answering`}\n`);

  try {
    const { job } = await api.request<{ job: JobView }>('POST', '/api/callbacks', {
      kind: values.kind,
      number: values.number,
      ...(values.ticket ? { ticket: values.ticket } : {}),
    });
    process.stderr.write(`queued ${job.kind} job ${job.id}, due ${job.dueAt}\n`);
    const final = await waitForAttempt(api, job.id);
    process.stdout.write(printJob(final, config.calendar.timezone));
    if (final.attemptList.length === 0) process.stdout.write('not dialled yet: outside the calling window, over the day\'s cap or behind other calls; it stays queued\n');
  } finally {
    await customer.stop();
  }
}

/**
 * The job once its first attempt has ended; as it stands after 2 minutes, or
 * after 10 s when the dialer has put it off by more than a minute (outside the
 * calling window, over the day's cap).
 */
async function waitForAttempt(api: ApiClient, id: string): Promise<JobView> {
  const started = Date.now();
  let job: JobView;
  do {
    job = (await api.get<{ job: JobView }>(`/api/callbacks/${id}`)).job;
    if (job.attemptList.some((a) => a.state === 'ended')) return job;
    const putOff = job.attemptList.length === 0 && Date.parse(job.dueAt) > Date.now() + 60_000;
    if (putOff && Date.now() - started > 10_000) return job;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() - started < 120_000);
  return job;
}

/** When a key lands in the question: after the opening and the sentence on the emergency key (in the default language). */
function intoQuestionMs(config: LoadedConfig): number {
  const manifest = JSON.parse(readFileSync(path.join(config.prompts.renderedDir, MANIFEST_FILE), 'utf8')) as Manifest;
  const lengths = manifest.prompts[config.languages.default];
  return ['outbound-opening', 'outbound-emergency'].reduce((sum, id) => sum + (lengths?.[id]?.durationMs ?? 5000), 1500);
}

runCli(main);
