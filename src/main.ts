/**
 * The hotline application process: loads the configuration, starts the
 * service (src/service.ts) and stops it cleanly on SIGTERM/SIGINT. Asterisk is
 * started separately (src/launcher.ts), so that this process can stop or
 * crash without taking the dialplan's emergency fallback down with it.
 */
import { loadConfigOrExit } from './config/load-config.ts';
import { createLogger } from './logging/logger.ts';
import { startService } from './app/service.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel, undefined, { node: config.node.id });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  let service;
  try {
    service = await startService(config, log);
  } catch (err) {
    log.fatal({ err: err instanceof Error ? err.message : err }, 'the hotline cannot start');
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    service.stop().then(() => process.exit(0), (err) => {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by the launcher: when it is gone (killed), stop rather than run on
  // unsupervised beside the application a new launcher will start. Calls stay
  // in Asterisk and the next application picks them up.
  if (process.send) process.on('disconnect', () => stop('launcher gone'));
}

void main();
