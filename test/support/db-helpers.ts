import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown>>;
  messages(level?: string): string[];
}

/** A pino logger that keeps its lines in memory (JSON-parsed) for assertions. */
export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug', base: null },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const levels: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };
  return {
    log,
    lines,
    messages: (level) =>
      lines.filter((l) => level === undefined || l.level === levels[level]).map((l) => String(l.msg)),
  };
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Writes a migrations folder: { '001-a.sql': 'create …' }. */
export async function writeMigrations(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

/** Three migrations; the last one inserts a row and is slow, so concurrent runs overlap. */
export const SAMPLE_MIGRATIONS = {
  '001-base.sql': '-- base\nselect 1;\n',
  '002-items.sql': 'create table items (id int primary key, note text not null);\n',
  '003-seed.sql': "insert into items (id, note) values (1, '燃气泄漏'), (2, 'meter');\nselect pg_sleep(0.3);\n",
};
