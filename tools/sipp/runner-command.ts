/**
 * The files of one SIPp run in its work directory and the command line:
 * everything on 127.0.0.1, SIPp's own timeout, logs for the runner to read.
 */
import { join } from 'node:path';
import { LOOPBACK } from './ports.ts';
import type { Role } from './scenario.ts';

/** Answers requests that belong to no call of a UAC (an OPTIONS qualify, a stray NOTIFY) with 200. */
export const OUT_OF_CALL_SCENARIO = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="out-of-call">
  <recv request="OPTIONS|NOTIFY|INFO|MESSAGE" regexp_match="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

export interface RunPaths {
  scenario: string;
  log: string;
  messages: string;
  errors: string;
  screen: string;
  outOfCall: string;
}

export function runPaths(workDir: string): RunPaths {
  return {
    scenario: join(workDir, 'scenario.xml'),
    log: join(workDir, 'events.log'),
    messages: join(workDir, 'messages.log'),
    errors: join(workDir, 'errors.log'),
    screen: join(workDir, 'screen.log'),
    outOfCall: join(workDir, 'out-of-call.xml'),
  };
}

export interface CommandOptions {
  role: Role;
  paths: RunPaths;
  remote?: string;
  localPort: number;
  mediaPort: number;
  controlPort: number;
  calls: number;
  timeoutS: number;
  traceMessages: boolean;
  rate?: number;
  ratePeriodMs?: number;
  maxConcurrent?: number;
  extraArgs?: string[];
}

/** SIPp's arguments for one run. */
export function sippArgs(o: CommandOptions): string[] {
  const { paths } = o;
  const args: string[] = [];
  if (o.remote) args.push(o.remote);
  args.push(
    '-sf', paths.scenario,
    '-i', LOOPBACK, '-p', String(o.localPort), '-bind_local',
    '-mi', LOOPBACK, '-mp', String(o.mediaPort),
    '-ci', LOOPBACK, '-cp', String(o.controlPort),
    '-nostdin', '-aa',
    '-timeout', `${o.timeoutS}s`, '-timeout_error',
    '-trace_logs', '-log_file', paths.log,
    '-trace_err', '-error_file', paths.errors,
    '-trace_screen', '-screen_file', paths.screen,
  );
  // A UAC makes its calls and exits after -m; a UAS scenario counts INVITEs and stops itself
  // (see uas-render.ts), since SIPp in server mode would count out-of-call requests against -m.
  if (o.role === 'uac') args.push('-m', String(o.calls), '-oocsf', paths.outOfCall);
  if (o.traceMessages) args.push('-trace_msg', '-message_file', paths.messages);
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  if (o.ratePeriodMs !== undefined) args.push('-rp', String(o.ratePeriodMs));
  if (o.maxConcurrent !== undefined) args.push('-l', String(o.maxConcurrent));
  args.push(...(o.extraArgs ?? []));
  return args;
}
