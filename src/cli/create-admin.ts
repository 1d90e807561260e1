import type { Logger } from 'pino';
import { AuthService, StaffError } from '../auth/auth-service.ts';
import { generatePassword, passwordProblem } from '../auth/password.ts';
import { USERNAME_PATTERN } from '../auth/auth-service.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { DatabaseInUseError, openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { ApiClient, ApiError, ApiUnreachableError } from './api-client.ts';

export interface CreateAdminOptions {
  username: string;
  displayName?: string;
  password: string;
  /** Make an existing account an active admin with this password instead of refusing it. */
  reset: boolean;
}

export type CreateAdminResult = { action: 'created' | 'reset'; via: 'database' | 'api' };

const BY = 'create-admin';

/**
 * Creates the first admin (or, with reset, restores an existing account as an
 * active admin with a new password) directly in the database.
 */
export async function createAdmin(auth: AuthService, o: CreateAdminOptions): Promise<CreateAdminResult> {
  checkUsername(o.username);
  const existing = await auth.repo.get(o.username);
  if (existing && !o.reset) throw new Error(`staff user ${o.username} exists already; add --reset to make it an active admin with a new password`);
  if (existing) {
    await auth.updateStaff(BY, o.username, { role: 'admin', active: true, password: o.password, ...(o.displayName !== undefined ? { displayName: o.displayName } : {}) });
    return { action: 'reset', via: 'database' };
  }
  await auth.createStaff(BY, { username: o.username, role: 'admin', password: o.password, ...(o.displayName !== undefined ? { displayName: o.displayName } : {}) });
  return { action: 'created', via: 'database' };
}

/** The same through the running service's HTTP API, with the service admin token. */
export async function createAdminViaApi(api: ApiClient, o: CreateAdminOptions): Promise<CreateAdminResult> {
  checkUsername(o.username);
  const displayName = o.displayName !== undefined ? { displayName: o.displayName } : {};
  try {
    await api.request('POST', '/api/staff', { username: o.username, role: 'admin', password: o.password, ...displayName });
    return { action: 'created', via: 'api' };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err;
    if (!o.reset) throw new Error(`staff user ${o.username} exists already; add --reset to make it an active admin with a new password`);
  }
  await api.request('PATCH', `/api/staff/${encodeURIComponent(o.username)}`, { role: 'admin', active: true, password: o.password, ...displayName });
  return { action: 'reset', via: 'api' };
}

/**
 * `npm run hotline -- create-admin`: works with the service stopped (opens
 * the database itself, as the service does, and migrates it first). The
 * embedded database (PGlite) has a single owner: when the running service
 * holds it, the account is created through the service's HTTP API with the
 * service admin token instead.
 */
export async function runCreateAdmin(config: LoadedConfig, o: CreateAdminOptions, log: Logger): Promise<CreateAdminResult> {
  let db;
  try {
    db = await openDatabase({ url: config.database.url, dataDir: config.dataDir, log });
  } catch (err) {
    if (!(err instanceof DatabaseInUseError)) throw err;
    try {
      return await createAdminViaApi(new ApiClient(config), o);
    } catch (apiErr) {
      if (apiErr instanceof ApiUnreachableError) {
        throw new Error(
          `the embedded database is held by process ${err.ownerPid} (the hotline service?), and its HTTP API does not answer. ` +
            'Wait until the service is up and run this again, or stop it first.',
        );
      }
      throw apiErr;
    }
  }
  try {
    await migrate(db.pool, log);
    return await createAdmin(new AuthService({ db: db.pool, log }), o);
  } finally {
    await db.close();
  }
}

export interface PasswordSource {
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream;
}

/**
 * The new admin's password: HOTLINE_ADMIN_PASSWORD, else typed twice on a
 * terminal (not echoed), else generated (`generated: true`: the caller prints
 * it once).
 */
export async function obtainPassword(s: PasswordSource): Promise<{ password: string; generated: boolean }> {
  const fromEnv = s.env.HOTLINE_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    const problem = passwordProblem(fromEnv);
    if (problem) throw new Error(`HOTLINE_ADMIN_PASSWORD: ${problem}`);
    return { password: fromEnv, generated: false };
  }
  if (s.input.isTTY && s.input.setRawMode) {
    const password = await promptHidden('password (empty: generate one): ', s);
    if (password === '') return { password: generatePassword(), generated: true };
    const problem = passwordProblem(password);
    if (problem) throw new Error(problem);
    if ((await promptHidden('again: ', s)) !== password) throw new Error('the two passwords differ');
    return { password, generated: false };
  }
  return { password: generatePassword(), generated: true };
}

/** Reads a line from a terminal in raw mode, echoing nothing. */
function promptHidden(question: string, s: PasswordSource): Promise<string> {
  const { input, output } = s;
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.setRawMode!(true);
    input.on('data', onData);
    input.resume();
  });
}

function checkUsername(username: string): void {
  if (!new RegExp(USERNAME_PATTERN).test(username)) {
    throw new StaffError(400, 'bad-request', `--user ${JSON.stringify(username)}: 3–40 lower-case characters a-z, 0-9, ".", "_" or "-"`);
  }
}
