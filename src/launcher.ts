/**
 * `npm start`: the whole hotline on one machine. Renders Asterisk's
 * configuration, starts Asterisk as the project's own process, then the
 * application (src/main.ts) as a second process, and keeps both running:
 * either one is restarted if it dies. The application may stop or crash while
 * Asterisk keeps answering: its dialplan then rings the duty line itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startAsterisk, type AsteriskProcess } from './asterisk/asterisk-process.ts';
import { renderAsteriskConfig } from './asterisk/render-config.ts';
import { loadConfigOrExit } from './config/load-config.ts';
import { ensureSecret, SECRET_NAMES } from './config/secrets.ts';
import { offlineFlowContext } from './app/node-kinds.ts';
import { buildPrompts } from './app/prompts.ts';
import { fallbackPrompts } from './emergency/fallback-prompts.ts';
import { loadFlow } from './ivr/load-flow.ts';
import { createLogger, type Logger } from './logging/logger.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel, undefined, { node: config.node.id }).child({ component: 'launcher' });
  const ariPassword = ensureSecret(config.dataDir, SECRET_NAMES.ariPassword, config.asterisk.ariPassword);
  ensureSecret(config.dataDir, SECRET_NAMES.adminToken, config.http.adminToken);

  const prompts = await buildPrompts(config, log);
  const { flow } = loadFlow(config.flowFile, offlineFlowContext(config, prompts));
  const rendered = await renderAsteriskConfig(config, ariPassword, fallbackPrompts(flow, prompts, config.languages.default));

  let stopping = false;
  let asterisk: AsteriskProcess | null = null;
  const ariUrl = `http://${config.asterisk.ariHost}:${config.asterisk.ariPort}`;
  const startPbx = async () => {
    asterisk = await startAsterisk({
      binary: config.asterisk.binary,
      confFile: rendered.confFile,
      runtimeDir: rendered.runtimeDir,
      ariUrl,
      ariUser: config.asterisk.ariUser,
      ariPassword,
      log: log.child({ component: 'asterisk' }),
      ownProcessGroup: true,
    });
    void asterisk.exited.then(async () => {
      if (stopping) return;
      log.error('asterisk stopped unexpectedly; restarting it');
      await new Promise((r) => setTimeout(r, 1000));
      if (!stopping) await startPbx().catch((err) => log.fatal({ err }, 'cannot restart asterisk'));
    });
  };
  if (config.asterisk.manage) await startPbx();

  const app = supervise(log, () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(config.projectRoot, 'src', 'main.ts')], {
      // The IPC channel tells the application when the launcher is gone (see main.ts).
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, HOTLINE_ARI_PASSWORD: ariPassword },
    }),
  );

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the hotline');
    await app.stop();
    if (asterisk) await (asterisk as AsteriskProcess).stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const sip = `${config.asterisk.sipBind}:${config.asterisk.sipPort}`;
  process.stderr.write(
    [
      '',
      `  Hotline ${config.trunk.hotlineNumber} is starting: SIP ${sip}, HTTP http://${config.http.host}:${config.http.port}`,
      `  Admin token: ${path.relative(process.cwd(), path.join(config.dataDir, 'secrets', SECRET_NAMES.adminToken))}`,
      `  API docs:    http://${config.http.host}:${config.http.port}/api/docs   (first staff admin: npm run hotline -- create-admin --user <name>)`,
      '  Try it:      npm run call -- --press 1 --duty-answers     (Ctrl-C stops everything)',
      '',
    ].join('\n') + '\n',
  );
}

/** Runs a child process and restarts it when it dies, with backoff. */
function supervise(log: Logger, start: () => ChildProcess): { stop(): Promise<void> } {
  let child: ChildProcess | null = null;
  let stopping = false;
  let delay = 1000;
  const run = () => {
    const startedAt = Date.now();
    child = start();
    child.once('exit', (code, signal) => {
      child = null;
      if (stopping) return;
      if (Date.now() - startedAt > 60_000) delay = 1000;
      log.error({ code, signal, restartInMs: delay }, 'the hotline application stopped; restarting it');
      setTimeout(() => !stopping && run(), delay);
      delay = Math.min(delay * 2, 30_000);
    });
  };
  run();
  return {
    stop: async () => {
      stopping = true;
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

void main().catch((err) => {
  process.stderr.write(`the hotline cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
