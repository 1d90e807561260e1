import { eventually } from '../../support/eventually.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../../src/auth/auth-service.ts';
import { obtainPassword, runCreateAdmin } from '../../../src/cli/create-admin.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { freePort } from '../../support/free-port.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** `npm run hotline -- create-admin`, as a function: straight into the database, or through the API of a running service. */
const log = createLogger('silent');
const SERVICE = 'create-admin-service-token-0123';
let cluster: PgCluster;
let pool: pg.Pool;
let dataDir: string;

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  dataDir = mkdtempSync(join(tmpdir(), 'hotline-create-admin-'));
});

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const loginWorks = async (username: string, password: string) => (await new AuthService({ db: pool, log, failureDelayMs: 0 }).login(username, password, '127.0.0.1')).ok;

describe('create-admin (database)', () => {
  const config = () => loadConfig({ HOTLINE_DATABASE_URL: cluster.url, HOTLINE_DATA_DIR: dataDir });

  it('migrates a fresh database and creates an active admin who can log in', async () => {
    const result = await runCreateAdmin(config(), { username: 'chief', displayName: 'Chief Engineer', password: 'chief-password-1', reset: false }, log);
    expect(result).toEqual({ action: 'created', via: 'database' });
    const { rows } = await pool.query(`select role, active, display_name, password_hash from staff_users where username = 'chief'`);
    expect(rows[0]).toMatchObject({ role: 'admin', active: true, display_name: 'Chief Engineer' });
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$/);
    expect(await loginWorks('chief', 'chief-password-1')).toBe(true);
  });

  it('refuses an existing username unless --reset, which restores it as an active admin with the new password', async () => {
    await expect(runCreateAdmin(config(), { username: 'chief', password: 'other-password-1', reset: false }, log)).rejects.toThrow(/exists already; add --reset/);
    await pool.query(`update staff_users set role = 'agent', active = false where username = 'chief'`);
    const result = await runCreateAdmin(config(), { username: 'chief', password: 'chief-password-2', reset: true }, log);
    expect(result).toEqual({ action: 'reset', via: 'database' });
    const { rows } = await pool.query(`select role, active, display_name from staff_users where username = 'chief'`);
    expect(rows[0]).toEqual({ role: 'admin', active: true, display_name: 'Chief Engineer' });
    expect(await loginWorks('chief', 'chief-password-1')).toBe(false);
    expect(await loginWorks('chief', 'chief-password-2')).toBe(true);
  });

  it('refuses a bad username or a short password before touching anything', async () => {
    await expect(runCreateAdmin(config(), { username: 'Chief Two', password: 'long-enough-1', reset: false }, log)).rejects.toThrow(/lower-case/);
    await expect(runCreateAdmin(config(), { username: 'chief2', password: 'short', reset: false }, log)).rejects.toThrow(/at least 10/);
  });
});

describe('create-admin while the service holds the embedded database', () => {
  let embeddedDir: string;
  beforeAll(() => {
    // The lock file of a live process (this one) is what a running service leaves: PGlite has one owner.
    embeddedDir = mkdtempSync(join(tmpdir(), 'hotline-create-admin-embedded-'));
    writeFileSync(join(embeddedDir, 'pglite.lock'), String(process.pid));
  });
  afterAll(() => rmSync(embeddedDir, { recursive: true, force: true }));

  it('goes through the running service’s API with the service token', async () => {
    const { app } = await buildAuthTestApp(pool, log, SERVICE);
    try {
      const port = await freePort();
      await app.listen({ host: '127.0.0.1', port });
      const config = loadConfig({ HOTLINE_DATA_DIR: embeddedDir, HOTLINE_HTTP_PORT: String(port), HOTLINE_ADMIN_TOKEN: SERVICE });
      expect(await runCreateAdmin(config, { username: 'deputy', password: 'deputy-password-1', reset: false }, log)).toEqual({ action: 'created', via: 'api' });
      expect(await loginWorks('deputy', 'deputy-password-1')).toBe(true);
      await expect(runCreateAdmin(config, { username: 'deputy', password: 'deputy-password-2', reset: false }, log)).rejects.toThrow(/exists already/);
      expect(await runCreateAdmin(config, { username: 'deputy', password: 'deputy-password-2', reset: true }, log)).toEqual({ action: 'reset', via: 'api' });
      expect(await loginWorks('deputy', 'deputy-password-2')).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('says clearly who holds the database when the API does not answer', async () => {
    const config = loadConfig({ HOTLINE_DATA_DIR: embeddedDir, HOTLINE_HTTP_PORT: String(await freePort()), HOTLINE_ADMIN_TOKEN: SERVICE });
    await expect(runCreateAdmin(config, { username: 'deputy2', password: 'deputy-password-1', reset: false }, log)).rejects.toThrow(
      new RegExp(`held by process ${process.pid} \\(the hotline service\\?\\), and its HTTP API does not answer`),
    );
  });
});

describe('the new admin’s password', () => {
  const noTty = () => Object.assign(new PassThrough(), { isTTY: false });

  it('comes from HOTLINE_ADMIN_PASSWORD when set, checked for length', async () => {
    expect(await obtainPassword({ env: { HOTLINE_ADMIN_PASSWORD: 'from-the-env-1' }, input: noTty(), output: new PassThrough() })).toEqual({ password: 'from-the-env-1', generated: false });
    await expect(obtainPassword({ env: { HOTLINE_ADMIN_PASSWORD: 'short' }, input: noTty(), output: new PassThrough() })).rejects.toThrow(/HOTLINE_ADMIN_PASSWORD: .*at least 10/);
  });

  it('is generated without a terminal', async () => {
    const { password, generated } = await obtainPassword({ env: {}, input: noTty(), output: new PassThrough() });
    expect(generated).toBe(true);
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('is typed twice on a terminal without echo', async () => {
    const terminal = () => {
      const input = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[], setRawMode(raw: boolean) { input.raw.push(raw); return input; } });
      const output = new PassThrough();
      let shown = '';
      output.on('data', (d: Buffer) => (shown += d.toString()));
      return { input, output, shown: () => shown };
    };
    const t = terminal();
    const typed = obtainPassword({ env: {}, input: t.input, output: t.output });
    t.input.write('typed-passwordX\u007f\r');
    await eventually(() => t.shown().includes('again: '), 'the second question');
    t.input.write('typed-password\r');
    expect(await typed).toEqual({ password: 'typed-password', generated: false });
    expect(t.shown()).toBe('password (empty: generate one): \nagain: \n');
    expect(t.input.raw).toEqual([true, false, true, false]);

    const m = terminal();
    const mismatch = obtainPassword({ env: {}, input: m.input, output: m.output });
    m.input.write('typed-password\r');
    await eventually(() => m.shown().includes('again: '), 'the second question');
    m.input.write('typed-passw0rd\r');
    await expect(mismatch).rejects.toThrow(/differ/);
  });
});
