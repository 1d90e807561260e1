/**
 * `npm run balancer`: Kamailio in front of several nodes, on the machine
 * that receives the public number. Renders kamailio-config/ from the
 * configuration's `balancer` section (the nodes and how they are probed),
 * starts Kamailio as the project's own process and restarts it if it dies.
 * The nodes themselves run `npm start` each, with their own node.id.
 */
import { startKamailio, type KamailioProcess } from './balancer/kamailio-process.ts';
import { renderBalancerConfig } from './balancer/render-config.ts';
import { loadConfigOrExit } from './config/load-config.ts';
import { createLogger } from './logging/logger.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const b = config.balancer;
  if (!b) {
    process.stderr.write(`${config.source} has no balancer section: list the nodes there (see README "Several nodes")\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel, undefined, { node: 'balancer' }).child({ component: 'balancer' });
  const rendered = await renderBalancerConfig(config);
  let stopping = false;
  let kamailio: KamailioProcess | null = null;
  const run = async (): Promise<void> => {
    kamailio = await startKamailio({ binary: b.binary, rendered, sipHost: b.sipBind === '0.0.0.0' ? '127.0.0.1' : b.sipBind, sipPort: b.sipPort, log, ownProcessGroup: true });
    void kamailio.exited.then(async (code) => {
      if (stopping) return;
      log.error({ code }, 'kamailio stopped unexpectedly; restarting it');
      await new Promise((r) => setTimeout(r, 1000));
      if (!stopping) await run().catch((err) => log.fatal({ err }, 'cannot restart kamailio'));
    });
  };
  await run();
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the balancer');
    await kamailio?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.stderr.write(
    [
      '',
      `  Balancer (Kamailio) on SIP ${b.sipBind}:${b.sipPort}, probing every ${b.probeSeconds} s:`,
      ...b.nodes.map((n) => `    ${n.id.padEnd(12)} sip:${n.sip}`),
      `  Node states: kamcmd -s unix:${rendered.ctlSocket} dispatcher.list`,
      '',
    ].join('\n') + '\n',
  );
}

void main().catch((err) => {
  process.stderr.write(`the balancer cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
