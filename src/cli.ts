/**
 * `npm run hotline -- <command>`: operate a running hotline from a shell.
 *
 *   status                                   open or closed now, why, next change, override
 *   night --until <ISO time> | --for <2h|30m> [--reason text] [--by name]
 *   day   --until <ISO time> | --for <2h|30m> [--reason text] [--by name]
 *   clear [--by name]                        remove the override: the calendar decides again
 *   calls [--limit 10]                       the latest calls and how they ended
 *   report --month 2026-11 [--pdf out.pdf] [--csv out.csv]
 *                                            the monthly report (CB-03): figures printed, files written
 *   create-admin --user <name> [--name "Display Name"] [--reset]
 *                                            a staff admin account, straight in the database (works with
 *                                            the service stopped); password from HOTLINE_ADMIN_PASSWORD,
 *                                            typed on a terminal, or generated and printed once
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiClient } from './cli/api-client.ts';
import { obtainPassword, runCreateAdmin } from './cli/create-admin.ts';
import { untilFrom } from './cli/until.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { createLogger } from './logging/logger.ts';
import { maskNumber } from './logging/mask.ts';

interface RoutingState {
  now: string;
  open: boolean;
  reason: string;
  dayKind: string;
  holiday: { name: string } | null;
  nextChange: string | null;
  override: { mode: string; until: string; setBy: string; reason: string } | null;
  serviceHours: Record<string, string>;
}

const USAGE = `usage: npm run hotline -- status | night|day (--until <time> | --for <2h|30m>) [--reason text] [--by name] | clear | calls [--limit n] | report --month YYYY-MM [--pdf file] [--csv file] | create-admin --user <name> [--name "Display Name"] [--reset]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      until: { type: 'string' },
      for: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      limit: { type: 'string' },
      user: { type: 'string' },
      name: { type: 'string' },
      reset: { type: 'boolean' },
      month: { type: 'string' },
      pdf: { type: 'string' },
      csv: { type: 'string' },
    },
  });
  const [command = 'status'] = positionals;
  const config = loadConfig();
  const api = new ApiClient(config);
  const local = localTime(config.calendar.timezone);
  const printState = (s: RoutingState) => printStateIn(s, local);
  switch (command) {
    case 'status':
      printState(await api.get<RoutingState>('/api/routing'));
      return;
    case 'day':
    case 'night': {
      const until = untilFrom(values.until, values.for);
      if (!until) throw new Error(`give --until <time> or --for <duration>, e.g. --for 2h\n${USAGE}`);
      const state = await api.request<RoutingState>('PUT', '/api/routing/override', {
        mode: command,
        until: until.toISOString(),
        reason: values.reason ?? '',
        setBy: values.by ?? process.env.USER ?? 'cli',
      });
      printState(state);
      return;
    }
    case 'clear':
      printState(await api.request<RoutingState>('DELETE', `/api/routing/override?setBy=${encodeURIComponent(values.by ?? process.env.USER ?? 'cli')}`));
      return;
    case 'calls': {
      const limit = Number(values.limit ?? 10);
      const { calls } = await api.get<{ calls: any[] }>(`/api/calls?limit=${limit}`);
      for (const c of calls) {
        const path = c.nodes.map((n: { node: string }) => n.node).join(' > ');
        process.stdout.write(`${c.startedAt}  ${maskNumber(c.callerNumber).padStart(12)}  ${String(c.outcome ?? 'in progress').padEnd(20)}  ${path}\n`);
      }
      return;
    }
    case 'report': {
      if (!values.month) throw new Error(`give --month YYYY-MM\n${USAGE}`);
      const query = `/api/reports/monthly?month=${encodeURIComponent(values.month)}`;
      const report = await api.get<{ figures: Array<{ id: string; key: string; numerator: number; denominator: number; value: number | null }> }>(query);
      for (const f of report.figures) {
        const value = f.value === null ? 'no data' : `${(f.value * 100).toFixed(1)} %`;
        process.stdout.write(`${f.id.padEnd(7)} ${f.key.padEnd(26)} ${`${f.numerator}/${f.denominator}`.padStart(9)}  ${value}\n`);
      }
      if (values.pdf) writeFileSync(values.pdf, await api.download(`${query}&format=pdf`));
      if (values.csv) writeFileSync(values.csv, await api.download(`${query}&format=csv`));
      for (const file of [values.pdf, values.csv].filter(Boolean)) process.stdout.write(`written: ${file}\n`);
      return;
    }
    case 'create-admin': {
      if (!values.user) throw new Error(`give --user <name>\n${USAGE}`);
      // Prompts go to stderr so that stdout carries only the result (and a generated password).
      const { password, generated } = await obtainPassword({ env: process.env, input: process.stdin, output: process.stderr });
      const result = await runCreateAdmin(
        config,
        { username: values.user, ...(values.name !== undefined ? { displayName: values.name } : {}), password, reset: values.reset ?? false },
        createLogger('warn', process.stderr),
      );
      const how = result.via === 'api' ? ' through the running service' : '';
      process.stdout.write(`admin ${values.user} ${result.action === 'created' ? 'created' : 'reset (active admin, new password, sessions ended)'}${how}\n`);
      if (generated) process.stdout.write(`password: ${password}\n(shown only now: store it, or change it after logging in: POST /api/auth/password)\n`);
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

/** Formats an ISO instant as local time of the service area, e.g. "2026-11-24 20:00 (Asia/Shanghai)". */
function localTime(timeZone: string): (iso: string) => string {
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return (iso) => `${fmt.format(new Date(iso))} (${timeZone})`;
}

function printStateIn(s: RoutingState, local: (iso: string) => string): void {
  const lines = [
    `now          ${local(s.now)}`,
    `line         ${s.open ? 'OPEN (business hours flow)' : 'CLOSED (after-hours message; emergencies still reach the duty line)'}`,
    `because      ${s.reason}${s.holiday ? ` (${s.holiday.name})` : ''}, ${s.dayKind}`,
    `next change  ${s.nextChange ? local(s.nextChange) : 'none within a year'}`,
    `override     ${s.override ? `${s.override.mode} until ${local(s.override.until)}, set by ${s.override.setBy}${s.override.reason ? ` (${s.override.reason})` : ''}` : 'none'}`,
    `hours        ${s.serviceHours['en-US']}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
