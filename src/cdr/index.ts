import path from 'node:path';
import { fallbackCdrPath } from '../asterisk/render-config.ts';
import { CallRepository } from '../calls/call-repository.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import { dialString } from '../telephony/dial-string.ts';
import { CdrImporter } from './cdr-importer.ts';

export interface CdrImport extends Feature {
  /** Absent when the import is switched off (cdrImport.enabled: false). */
  importer: CdrImporter | null;
}

/**
 * Every call counts: the calls the dialplan handled while the application was
 * away (the emergency fallback) are imported from Asterisk's CDR file into the
 * call records, so the answer rate and the emergency figures include them.
 * A worker reads the file every cdrImport.pollSeconds, and once at start-up
 * (what happened while the application was down comes in at once).
 */
export function createCdrImport(base: Pick<ServiceBase, 'config' | 'db' | 'log'>): CdrImport {
  const { config, db } = base;
  const c = config.cdrImport;
  if (!c.enabled) return { name: 'cdr', importer: null };
  const log = base.log.child({ component: 'cdr-import' });
  const importer = new CdrImporter({
    file: c.file ? path.resolve(config.dataDir, c.file) : fallbackCdrPath(config.dataDir),
    host: base.config.node.id,
    pool: db.pool,
    calls: new CallRepository(db.pool, base.config.node.id),
    context: { language: config.languages.default, dutyTargets: config.duty.targets.map((target) => ({ target, dialString: dialString(target) })) },
    log,
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = async () => {
    try {
      await importer.importOnce();
    } catch (err) {
      // Nothing is lost: the position stays where the last good round left it, and the next round tries again.
      log.error({ err, file: importer.status.file }, 'importing the CDR file failed; trying again at the next poll');
    }
    if (!stopped) timer = setTimeout(() => (running = round()), c.pollSeconds * 1000).unref();
  };
  return {
    name: 'cdr',
    importer,
    workers: [
      {
        name: 'cdr import',
        start: () => {
          stopped = false;
          // The first round once the database is migrated (a stop before that waits for nothing).
          void db.ready.then(() => {
            if (!stopped) running = round();
          }, () => {});
        },
        stop: async () => {
          stopped = true;
          clearTimeout(timer);
          await running;
        },
      },
    ],
    health: [{ name: 'cdrImport', read: () => ({ ...importer.status }) }],
  };
}
