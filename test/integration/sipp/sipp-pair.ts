/**
 * Test helpers: a phone SIPp and a caller SIPp on 127.0.0.1 with free ports,
 * and short views of their results.
 */
import { freeUdpPort } from '../../../tools/sipp/ports.ts';
import { runSipp, type SippEvent, type SippProcess, type SippResult } from '../../../tools/sipp/runner.ts';
import type { Scenario } from '../../../tools/sipp/scenario.ts';
import { uac } from '../../../tools/sipp/uac-scenario.ts';

export const TIMEOUT_MS = 15_000;

export const caller = (from = '13812345678') => uac({ to: '95158', from });

/** A phone (UAS scenario) listening on a free port; resolves once it listens. */
export async function phone(scenario: Scenario, calls?: number): Promise<SippProcess> {
  const proc = runSipp({ scenario, localPort: await freeUdpPort(), timeoutMs: TIMEOUT_MS, ...(calls ? { calls } : {}) });
  await proc.ready;
  return proc;
}

/** Run a caller (UAC scenario) against 127.0.0.1:`remotePort` to its end. */
export async function call(scenario: Scenario, remotePort: number, calls?: number): Promise<SippResult> {
  return runSipp({
    scenario,
    remote: `127.0.0.1:${remotePort}`,
    localPort: await freeUdpPort(),
    timeoutMs: TIMEOUT_MS,
    ...(calls ? { calls, rate: 20 } : {}),
  }).done;
}

export const names = (events: SippEvent[]) => events.map((e) => (e.detail ? `${e.name} ${e.detail}` : e.name));
export const at = (events: SippEvent[], name: string) => events.find((e) => e.name === name)!.atMs;
/** Enough to tell a result apart when an assertion fails. */
export const why = (r: SippResult) => `${r.command}\n${r.stderr}\n${r.errors ?? ''}\n${names(r.events).join(', ')}`;
