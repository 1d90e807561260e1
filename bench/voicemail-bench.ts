/**
 * `npm run bench:voicemail`: a burst of concurrent voicemails after hours on
 * 127.0.0.1 (SIPp callers press 2, confirm their number with 1, speak, hang
 * up) and, for each, the time from the end of its recording to its ticket
 * being readable through the staff API with the audio stored: p50, p99, max.
 * The end of a recording is the ticket's completed_at (the moment the
 * application saw the recording end); the API is polled every 50 ms.
 *
 *   npm run bench:voicemail -- [--calls 20] [--rate 10] [--speak 5000]
 */
import { parseArgs } from 'node:util';
import { freeUdpPort, runSipp, uac } from '../tools/sipp/index.ts';
import { startHotline } from '../test/e2e/support/hotline-process.ts';
import { promptMs } from '../test/e2e/support/probes.ts';
import { startStack } from '../test/support/stack.ts';
import { percentile } from './asterisk-log-timing.ts';

const NIGHT = '2026-11-24T23:00:00+08:00';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { calls: { type: 'string', default: '20' }, rate: { type: 'string', default: '10' }, speak: { type: 'string', default: '5000' } },
  });
  const o = { calls: Number(values.calls), rate: Number(values.rate), speakMs: Number(values.speak) };
  process.stderr.write('starting a stack (PostgreSQL, Asterisk, the application) on 127.0.0.1 …\n');
  const stack = await startStack({
    configure: (raw) => {
      raw.logLevel = 'info';
      raw.asterisk.rtpPortEnd = raw.asterisk.rtpPortStart + 1999;
      raw.asterisk.maxCalls = 1000;
    },
  });
  const hotline = await startHotline(stack.env, { now: NIGHT });
  const seen = new Map<string, number>();
  let polling = true;
  const auth = { authorization: `Bearer ${stack.env.adminToken}` };
  const poller = (async () => {
    while (polling) {
      const res = await fetch(`${stack.env.httpUrl}/api/tickets?limit=500`, { headers: auth }).catch(() => null);
      const now = Date.now();
      if (res?.ok) {
        for (const t of ((await res.json()) as { tickets: any[] }).tickets) {
          if (t.recording.state !== 'recording' && t.completedAt && !seen.has(t.id)) seen.set(t.id, now - Date.parse(t.completedAt));
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const ms = (id: string) => promptMs(stack.env, id);
    const pressTopic = ms('greeting-evening') + ms('emergency-first') + 2500;
    // The topic key acts once the after-hours message has been said; the read-back follows.
    const confirmAfter = ms('after-hours') - 2500 + 3000;
    const speakAfter = ms('thank-you') + ms('voicemail-intro') + 2500;
    const script = uac({ to: '95158', from: '1390000[call_number]' })
      .pause(pressTopic).dtmf('2').pause(confirmAfter).dtmf('1').pause(speakAfter).speak(o.speakMs).hangup();
    process.stderr.write(`${o.calls} voicemails at ${o.rate}/s, each speaking ${o.speakMs} ms …\n`);
    const started = Date.now();
    const sipp = runSipp({
      scenario: script,
      remote: `127.0.0.1:${stack.env.ports.sip}`,
      localPort: await freeUdpPort(),
      calls: o.calls,
      rate: o.rate,
      ratePeriodMs: 1000,
      maxConcurrent: o.calls,
      traceMessages: false,
      timeoutMs: 180_000,
    });
    const result = await sipp.done;
    const deadline = Date.now() + 60_000;
    while (seen.size < result.successfulCalls && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const delays = [...seen.values()];
    const f = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
    process.stdout.write(
      [
        '',
        `voicemail benchmark: ${o.calls} calls at ${o.rate}/s on ${new Date().toISOString()} (wall ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        `calls completed / failed          ${result.successfulCalls} / ${result.failedCalls}`,
        `tickets readable with audio       ${delays.length}`,
        `end of recording → readable p50   ${f(percentile(delays, 50))}`,
        `end of recording → readable p99   ${f(percentile(delays, 99))}`,
        `end of recording → readable max   ${f(delays.length ? Math.max(...delays) : null)}`,
        `application errors                ${hotline.errors().length}`,
        '',
      ].join('\n'),
    );
    for (const e of hotline.errors().slice(0, 5)) process.stdout.write(`  error: ${JSON.stringify(e).slice(0, 1500)}\n`);
  } finally {
    polling = false;
    await poller;
    await hotline.stop();
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
