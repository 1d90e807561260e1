import { percentile } from './asterisk-log-timing.ts';
import type { PhaseResult } from './menu-bench.ts';

/** A caller does not hear a wait under this (one Asterisk frame is 20 ms); the ceiling is the last rate under it. */
const LIMIT_MS = 100;

type Phase = (rate: number, which: 'application' | 'dialplan') => Promise<PhaseResult>;

/**
 * Steps the rate up, each step through the application and then the plain
 * dialplan, and returns the table: per rate and side, calls failed, the peak
 * of calls in progress, both delays p50/p99, CPU per call (application +
 * Asterisk), SIPp's CPU per call and how busy the whole machine was (SIPp,
 * Asterisk, the application and PostgreSQL share it) and how long Asterisk
 * took to answer a trivial ARI request from outside the application; then each
 * side's ceiling (the highest rate with both p99 under 100 ms and no failed
 * call) and their ratio.
 */
export async function runSteps(rates: number[], phase: Phase): Promise<string> {
  const rows: Array<{ rate: number; app: PhaseResult; plain: PhaseResult }> = [];
  for (const rate of rates) {
    process.stderr.write(`${rate} calls/s …\n`);
    const app = await phase(rate, 'application');
    const plain = await phase(rate, 'dialplan');
    rows.push({ rate, app, plain });
  }
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(0));
  const cpu = (r: PhaseResult) => (((r.appCpuS ?? 0) + r.asteriskCpuS) / Math.max(1, r.completed + r.failed)) * 1000;
  const line = (r: PhaseResult) =>
    [
      r.name.padEnd(12),
      `${r.failed}`.padStart(7),
      `${r.peak}`.padStart(6),
      `${ms(percentile(r.firstPrompt, 50))} / ${ms(percentile(r.firstPrompt, 99))}`.padStart(16),
      `${ms(percentile(r.keyToPrompt, 50))} / ${ms(percentile(r.keyToPrompt, 99))}`.padStart(16),
      `${cpu(r).toFixed(0)}`.padStart(12),
      `${((r.sippCpuS / Math.max(1, r.completed + r.failed)) * 1000).toFixed(0)}`.padStart(8),
      `${(r.machineBusy * 100).toFixed(0)} %`.padStart(9),
      `${ms(percentile(r.probe, 50))} / ${ms(percentile(r.probe, 99))}`.padStart(13),
    ].join('');
  const out = [
    '',
    `menu benchmark, stepped: ${new Date().toISOString()}`,
    '',
    `${'rate/s'.padEnd(8)}${'side'.padEnd(12)}${'failed'.padStart(7)}${'peak'.padStart(6)}${'first p50/p99'.padStart(16)}${'key p50/p99'.padStart(16)}${'CPU ms/call'.padStart(12)}${'SIPp ms'.padStart(8)}${'machine'.padStart(9)}${'ARI probe'.padStart(13)}`,
  ];
  for (const r of rows) {
    out.push(`${String(r.rate).padEnd(8)}${line(r.app)}`);
    out.push(`${''.padEnd(8)}${line(r.plain)}`);
  }
  const under = (r: PhaseResult) =>
    r.failed === 0 && (percentile(r.firstPrompt, 99) ?? Infinity) < LIMIT_MS && (percentile(r.keyToPrompt, 99) ?? Infinity) < LIMIT_MS;
  // The ceiling: the highest rate of an unbroken run from the lowest step.
  const ceiling = (side: 'app' | 'plain') => {
    let best: number | null = null;
    for (const r of rows) {
      if (!under(r[side])) break;
      best = r.rate;
    }
    return best;
  };
  const a = ceiling('app');
  const p = ceiling('plain');
  const top = rows.at(-1)?.rate;
  const say = (v: number | null) => (v === null ? `below ${rows[0]?.rate}/s` : v === top ? `${v}/s or more (the highest step)` : `${v}/s`);
  out.push('');
  out.push(`ceiling (p99 under ${LIMIT_MS} ms, no failed call): application ${say(a)}, plain dialplan ${say(p)}`);
  if (a !== null && p !== null) out.push(`application / dialplan: ${((a / p) * 100).toFixed(0)} %`);
  const cpuRatio = rows.map((r) => `${r.rate}/s ${(cpu(r.app) / Math.max(1e-9, cpu(r.plain))).toFixed(2)}×`).join(', ');
  out.push(`CPU per call, application + Asterisk against the dialplan: ${cpuRatio}`);
  return `${out.join('\n')}\n`;
}
