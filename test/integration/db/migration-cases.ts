import { join } from 'node:path';
import type pg from 'pg';
import { beforeAll, afterAll, beforeEach, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, MigrationError, migrate } from '../../../src/db/migrate.ts';
import { SAMPLE_MIGRATIONS, captureLog, makeTempDir, removeDir, writeMigrations } from '../../support/db-helpers.ts';

interface Target {
  /** The pool under test (set up by the caller's beforeAll). */
  pool(): pg.Pool;
  /** A pool that stands for a second process: a separate pool on a real server, the same one on PGlite. */
  otherPool(): pg.Pool;
}

/** Migration behaviour that must hold on a PostgreSQL server and on embedded PGlite alike. */
export function defineMigrationCases(target: Target): void {
  let tmp: string | undefined;
  beforeAll(async () => {
    tmp = await makeTempDir('hotline-migrations-');
  });
  afterAll(async () => {
    await removeDir(tmp);
  });
  beforeEach(async () => {
    await target.pool().query('drop table if exists schema_migrations, items, broken cascade');
  });

  const dir = async (name: string, files: Record<string, string>): Promise<string> =>
    writeMigrations(join(tmp!, name), files);
  const versions = async (): Promise<string[]> =>
    (await target.pool().query<{ version: string }>('select version from schema_migrations order by version')).rows.map(
      (r) => r.version,
    );

  it('applies the files in order, each with its schema_migrations row', async () => {
    const { log, messages } = captureLog();
    const result = await migrate(target.pool(), log, await dir('apply', SAMPLE_MIGRATIONS));
    expect(result).toEqual({ applied: ['001', '002', '003'], current: ['001', '002', '003'] });
    const rows = await target.pool().query('select version, name, applied_at from schema_migrations order by version');
    expect(rows.rows.map((r) => [r.version, r.name])).toEqual([
      ['001', 'base'],
      ['002', 'items'],
      ['003', 'seed'],
    ]);
    expect(rows.rows.every((r) => r.applied_at instanceof Date)).toBe(true);
    const items = await target.pool().query('select note from items order by id');
    expect(items.rows.map((r) => r.note)).toEqual(['燃气泄漏', 'meter']);
    expect(messages('info').filter((m) => m === 'migration applied')).toHaveLength(3);
  });

  it('does nothing when run again, and later applies only a new file', async () => {
    const d = await dir('again', SAMPLE_MIGRATIONS);
    await migrate(target.pool(), captureLog().log, d);
    const before = (await target.pool().query('select version, applied_at from schema_migrations order by version')).rows;

    const second = await migrate(target.pool(), captureLog().log, d);
    expect(second.applied).toEqual([]);
    expect((await target.pool().query('select version, applied_at from schema_migrations order by version')).rows).toEqual(
      before,
    );
    expect((await target.pool().query('select count(*)::int as n from items')).rows[0].n).toBe(2);

    await writeMigrations(d, { '004-more.sql': "alter table items add column source text default 'ivr';" });
    const third = await migrate(target.pool(), captureLog().log, d);
    expect(third.applied).toEqual(['004']);
    expect(await versions()).toEqual(['001', '002', '003', '004']);
  });

  it('rejects a file whose name does not match NNN-name.sql before applying anything', async () => {
    const d = await dir('badname', { ...SAMPLE_MIGRATIONS, '4_more.sql': 'select 1;' });
    const err = await migrate(target.pool(), captureLog().log, d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/"4_more\.sql".*do not match NNN-name\.sql/);
    const exists = await target.pool().query("select to_regclass('schema_migrations') as t");
    expect(exists.rows[0].t).toBeNull();

    const dup = await dir('dupversion', { '001-a.sql': 'select 1;', '001-b.sql': 'select 1;' });
    await expect(migrate(target.pool(), captureLog().log, dup)).rejects.toThrow(/share version 001/);
  });

  it('rolls a failing file back completely and keeps the ones before it', async () => {
    const d = await dir('failing', {
      '001-base.sql': 'select 1;',
      '002-items.sql': SAMPLE_MIGRATIONS['002-items.sql'],
      '003-broken.sql': 'create table broken (id int);\ninsert into no_such_table values (1);\n',
    });
    const err = await migrate(target.pool(), captureLog().log, d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).fileName).toBe('003-broken.sql');
    expect((err as Error).message).toMatch(/003-broken\.sql failed: .*no_such_table/);
    expect(((err as Error).cause as { code?: string }).code).toBe('42P01');
    expect(await versions()).toEqual(['001', '002']);
    expect((await target.pool().query("select to_regclass('broken') as t")).rows[0].t).toBeNull();
  });

  it('applies each file once when two migrate() calls run at the same time', async () => {
    const d = await dir('concurrent', SAMPLE_MIGRATIONS);
    const [a, b] = await Promise.all([
      migrate(target.pool(), captureLog().log, d),
      migrate(target.otherPool(), captureLog().log, d),
    ]);
    expect([...a.applied, ...b.applied].sort()).toEqual(['001', '002', '003']);
    expect(a.applied.filter((v) => b.applied.includes(v))).toEqual([]);
    expect(a.current).toEqual(['001', '002', '003']);
    expect(b.current).toEqual(['001', '002', '003']);
    expect((await target.pool().query('select count(*)::int as n from items')).rows[0].n).toBe(2);
  });

  it('applies the migrations shipped in src/db/migrations', async () => {
    const result = await migrate(target.pool(), captureLog().log);
    expect(result.applied[0]).toBe('001');
    expect(result.current).toEqual(result.applied);
    expect(DEFAULT_MIGRATIONS_DIR).toMatch(/src\/db\/migrations\/?$/);
  });
}
