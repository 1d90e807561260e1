/**
 * `npm run call -- [options]`: places a real SIP call (SIPp) into the running
 * hotline and prints the path the call took, for a newcomer without a phone.
 *
 *   --press <keys>     keys to press (e.g. 1, 2, 0, 777); default none
 *   --after <s>        seconds after the answer before pressing; default 3 (during the greeting)
 *   --from <number>    caller number; default 13800138000
 *   --stay <s>         seconds on the line after the keys before hanging up; default 30
 *   --duty-answers     a SIPp phone on duty1's contact answers and accepts (presses 1)
 *   --desk-answers     a SIPp phone on desk1's contact answers
 *
 * Examples:  npm run call -- --press 1 --duty-answers
 *            npm run call -- --press 2 --desk-answers
 *            npm run call -- --press 9 --stay 20
 */
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/cli/api-client.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { freeUdpPort, runSipp, uac, uas, type SippProcess } from '../sipp/index.ts';
import { printCallPath, type CallView } from './print-call.ts';
import { runCli, seconds } from './cli.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      press: { type: 'string', default: '' },
      after: { type: 'string', default: '3' },
      from: { type: 'string', default: '13800138000' },
      stay: { type: 'string', default: '30' },
      'duty-answers': { type: 'boolean', default: false },
      'desk-answers': { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const api = new ApiClient(config);
  await api.get('/api/routing').catch((err: Error) => {
    throw new Error(`${err.message}\nstart the hotline first: npm start`);
  });

  const phones: SippProcess[] = [];
  if (values['duty-answers']) phones.push(await answeringPhone(config, 'duty1', true));
  if (values['desk-answers']) phones.push(await answeringPhone(config, 'desk1', false));

  const afterMs = seconds(values.after, '--after', 600);
  const stayMs = seconds(values.stay, '--stay', 600);
  let script = uac({ to: config.trunk.hotlineNumber, from: values.from }).pause(afterMs);
  if (values.press) script = script.dtmf(values.press);
  // The hotline may end the call first (an officer hangs up, a goodbye): that is fine here.
  script = script.pause(stayMs).hangup().acceptEarlyHangup();
  // With a balancer configured (several nodes), the call enters where the public number does: at Kamailio.
  const entry = config.balancer ?? config.asterisk;
  const sip = `${entry.sipBind === '0.0.0.0' ? '127.0.0.1' : entry.sipBind}:${entry.sipPort}`;
  process.stderr.write(`calling ${config.trunk.hotlineNumber} at ${sip} from ${values.from}${values.press ? `, pressing ${values.press} after ${afterMs / 1000} s` : ''} …\n`);
  const caller = runSipp({ scenario: script, remote: sip, localPort: await freeUdpPort(), timeoutMs: afterMs + stayMs + 60_000 });
  const result = await caller.done;
  await Promise.all(phones.map((p) => p.stop()));

  const callId = /^Call-ID:\s*(\S+)/im.exec(result.messages ?? '')?.[1];
  if (!callId) throw new Error(`the call did not get through (SIPp exit ${result.exitCode}):\n${result.errors ?? result.stderr}`);
  const record = await waitForRecord(api, callId);
  if (!record) throw new Error(`no call record for SIP Call-ID ${callId}; see the service log`);
  process.stdout.write(printCallPath(record));
}

/** A SIPp phone on a configured phone's loopback contact (the demo configuration has them). */
async function answeringPhone(config: LoadedConfig, name: string, acceptEmergency: boolean): Promise<SippProcess> {
  const phone = config.phones.find((p) => p.name === name);
  const port = /^sips?:127\.0\.0\.1:(\d+)$/.exec(phone?.contact ?? '')?.[1];
  if (!port) throw new Error(`--${name.replace(/\d+$/, '')}-answers needs ${name} with a contact on 127.0.0.1 (see config/hotline.yaml)`);
  let script = uas().ring(1000).answer();
  if (acceptEmergency) script = script.pause(2000).dtmf('1');
  script = script.pause(500).speak(4000).hangup().acceptEarlyHangup();
  const p = runSipp({ scenario: script, localPort: Number(port), timeoutMs: 180_000 });
  await p.ready;
  process.stderr.write(`${name} is answering at 127.0.0.1:${port}${acceptEmergency ? ' and will press 1 to accept' : ''}\n`);
  return p;
}

async function waitForRecord(api: ApiClient, sipCallId: string): Promise<CallView | null> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { calls } = await api.get<{ calls: CallView[] }>(`/api/calls?sipCallId=${encodeURIComponent(sipCallId)}`);
    const done = calls.find((c) => c.endedAt !== null);
    if (done) return done;
    await new Promise((r) => setTimeout(r, 300));
  }
  return null;
}

runCli(main);
