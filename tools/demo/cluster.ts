/**
 * `npm run cluster`: the hotline as several nodes on this machine, for trying
 * it out: a PostgreSQL server (throwaway: its data goes when the demo stops),
 * three nodes (each `src/launcher.ts`: its own Asterisk and application, its
 * own folder under var/cluster/) and Kamailio in front (`src/balancer.ts`),
 * all on 127.0.0.1. Ctrl-C stops everything by process id.
 *
 * A real installation runs the same two programs on several machines
 * (README "Several nodes"): `npm run balancer` on the machine that gets the
 * public number, `npm start` on each node, one PostgreSQL for all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../src/config/load-config.ts';
import { startPgCluster } from '../../test/support/pg-cluster.ts';
import { runCli } from './cli.ts';

const NODES = ['node-a', 'node-b', 'node-c'];
const BALANCER_SIP = 5060;
const ports = (i: number) => ({ sip: 5161 + i, ari: 8191 + i, http: 8081 + i, rtp: 10000 + i * 300 });

runCli(async () => {
  const root = path.join(PROJECT_ROOT, 'var', 'cluster');
  mkdirSync(root, { recursive: true });
  process.stderr.write('starting PostgreSQL …\n');
  const pg = await startPgCluster();
  const base = parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'hotline.yaml'), 'utf8')) as Record<string, any>;
  const balancer = {
    sipBind: '127.0.0.1',
    sipPort: BALANCER_SIP,
    probeSeconds: 2,
    nodes: NODES.map((id, i) => ({ id, sip: `127.0.0.1:${ports(i).sip}` })),
  };
  const files = NODES.map((id, i) => {
    const p = ports(i);
    const config = {
      ...base,
      dataDir: path.join(root, id),
      node: { id, cluster: true },
      // A throwaway local server with trust authentication: no secret in this URL.
      database: { url: pg.url },
      http: { ...base.http, port: p.http },
      asterisk: { ...base.asterisk, sipPort: p.sip, ariPort: p.ari, rtpPortStart: p.rtp, rtpPortEnd: p.rtp + 299 },
      prompts: { ...base.prompts, renderedDir: path.join(root, id, 'prompts') },
      balancer,
    };
    const file = path.join(root, `${id}.yaml`);
    writeFileSync(file, `# made by npm run cluster (tools/demo/cluster.ts); rewritten at each start\n${stringify(config)}`);
    return file;
  });

  const children: ChildProcess[] = [];
  const run = (script: string, configFile: string, name: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', script)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HOTLINE_CONFIG: configFile, HOTLINE_DATABASE_URL: pg.url },
    });
    // Each launcher prints its own banner and errors on stderr; the JSON logs stay in its folder.
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(c.toString('utf8').replace(/^(?=.)/gm, `[${name}] `)));
    children.push(child);
    return child;
  };
  NODES.forEach((id, i) => run('launcher.ts', files[i]!, id));
  run('balancer.ts', files[0]!, 'balancer');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('stopping the cluster …\n');
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
    })));
    await pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  process.stderr.write(
    [
      '',
      '  The hotline as three nodes behind Kamailio (Ctrl-C stops everything):',
      `    public number 95158 at   sip:127.0.0.1:${BALANCER_SIP}   (Kamailio)`,
      ...NODES.map((id, i) => `    ${id}: Asterisk sip:127.0.0.1:${ports(i).sip}, ARI :${ports(i).ari}, console http://127.0.0.1:${ports(i).http}/, metrics /metrics`),
      `    PostgreSQL              ${pg.url}   (throwaway)`,
      `  Call through the balancer: HOTLINE_CONFIG=${path.relative(process.cwd(), files[0]!)} npm run call -- --press 1 --duty-answers`,
      `  Stop one node's Asterisk:  kill -9 $(cat var/cluster/node-c/asterisk/run/asterisk.pid)`,
      '',
    ].join('\n') + '\n',
  );
});
