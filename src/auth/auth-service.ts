import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { isTransientDbError } from '../db/retry.ts';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from './login-throttle.ts';
import { dummyHash, generatePassword, hashPassword, passwordProblem, verifyPassword } from './password.ts';
import type { Principal, Role } from '../domain/staff.ts';
import { withDeadline } from '../async/deadline.ts';
import { DomainError } from '../errors/domain-error.ts';
import { AuthUnavailableError, type TokenVerifier, type VerifyResult } from '../http/auth.ts';
import { StaffRepository, type StaffToken, type StaffUser } from './staff-repository.ts';
import { generateToken, hashToken, looksLikeStaffToken } from './tokens.ts';

/** The staff database cannot answer now (down, hung, or still migrating): the API says 503, not 500. */
export { AuthUnavailableError } from '../http/auth.ts';

/** Usernames: lower-case, 3–40 characters of a-z, 0-9, ".", "_" and "-" (the database checks the same). */
export const USERNAME_PATTERN = '^[a-z0-9._-]{3,40}$';

/** A refused staff operation with the HTTP status and error id it maps to. */
export class StaffError extends DomainError {
  constructor(status: 400 | 403 | 404 | 409, errorId: string, message: string) {
    super(errorId, status, message);
  }
}


export type LoginResult =
  | { ok: true; token: string; session: StaffToken; user: StaffUser }
  | { ok: false; retryAfterSeconds: number | null };

export interface AuthServiceOptions {
  db: Pick<pg.Pool, 'query'>;
  log: Logger;
  /** The service's own admin token (var/secrets/admin-token): a `service` principal with role admin. */
  serviceToken?: string;
  /** Settles when migrations are done; auth waits for it (up to dbTimeoutMs) instead of failing on missing tables. */
  ready?: Promise<unknown>;
  /** Lifetime of a login session token; default 12 h. */
  sessionHours?: number;
  /** Extra wait before a failed login is answered; default 1 s. */
  failureDelayMs?: number;
  /** Longest wait for the database before answering 503; default 3 s. */
  dbTimeoutMs?: number;
  throttle?: ThrottleOptions;
  /** scrypt cost for new hashes (tests lower it); default in password.ts. */
  passwordParams?: { N: number; r: number; p: number };
  now?: () => Date;
}

const SERVICE_USERNAME = 'service';
const usernameRe = new RegExp(USERNAME_PATTERN);

/**
 * Staff accounts, logins and bearer tokens. Role and active flag are read
 * from the account on every request, so a demotion or deactivation takes
 * effect at once, without waiting for tokens to expire.
 */
export class AuthService implements TokenVerifier {
  readonly repo: StaffRepository;
  private readonly throttle: LoginThrottle;
  private readonly serviceDigest: Buffer | null;
  private readonly now: () => Date;

  constructor(private readonly o: AuthServiceOptions) {
    this.repo = new StaffRepository(o.db);
    this.throttle = new LoginThrottle(o.db, o.throttle ?? DEFAULT_THROTTLE);
    this.serviceDigest = o.serviceToken ? digest(o.serviceToken) : null;
    this.now = o.now ?? (() => new Date());
  }

  /** Who a bearer token stands for. The service token needs no database. */
  async verify(token: string): Promise<VerifyResult> {
    if (this.serviceDigest && timingSafeEqual(digest(token), this.serviceDigest)) {
      return { principal: { kind: 'service', username: SERVICE_USERNAME, role: 'admin' } };
    }
    if (!looksLikeStaffToken(token)) return { problem: 'invalid' };
    const found = await this.db(() => this.repo.findByHash(hashToken(token)));
    if (!found || found.token.revokedAt) return { problem: 'invalid' };
    if (found.token.expiresAt && found.token.expiresAt <= this.now()) return { problem: 'expired' };
    if (!found.user.active) return { problem: 'inactive' };
    void this.repo.touchToken(found.token.id).catch((err: unknown) => this.o.log.debug({ err: (err as Error).message }, 'could not note a token use'));
    const { user, token: t } = found;
    return { principal: { kind: 'staff', username: user.username, role: user.role, userId: user.id, tokenId: t.id } };
  }

  /**
   * Checks a password and opens a session (a token that expires). Failures
   * are counted and answered late; an unknown user costs the same scrypt as a
   * wrong password, so neither timing nor answer tells which names exist.
   */
  async login(rawUsername: string, password: string, address: string): Promise<LoginResult> {
    const username = rawUsername.trim().toLowerCase();
    const wait = await this.db(() => this.throttle.retryAfter(username, address));
    if (wait > 0) {
      this.o.log.warn({ address, retryAfterSeconds: wait }, 'login refused: too many failed logins');
      return { ok: false, retryAfterSeconds: wait };
    }
    const found = usernameRe.test(username) ? await this.db(() => this.repo.findLogin(username)) : null;
    const matches = await verifyPassword(password, found?.passwordHash ?? (await dummyHash()));
    if (!found || !matches || !found.user.active) {
      await this.db(() => this.throttle.fail(username, address));
      // Only names of real accounts are logged: a password typed into the username field must not end up in the log.
      this.o.log.info({ address, ...(found ? { username, inactive: !found.user.active } : { unknownUser: true }) }, 'failed login');
      await sleep(this.o.failureDelayMs ?? 1000);
      return { ok: false, retryAfterSeconds: null };
    }
    await this.db(() => this.throttle.succeed(username, address));
    const expiresAt = new Date(this.now().getTime() + (this.o.sessionHours ?? 12) * 3600_000);
    const { token, record } = await this.issue(found.user.id, 'session', 'login', expiresAt);
    await this.db(() => this.repo.recordLogin(found.user.id));
    this.o.log.info({ username, address }, 'login');
    return { ok: true, token, session: record, user: found.user };
  }

  /** Revokes the token the request came with. */
  async logout(p: Principal): Promise<void> {
    if (p.kind === 'service' || !p.tokenId) throw new StaffError(400, 'bad-request', 'the service token cannot be logged out; it is replaced by changing HOTLINE_ADMIN_TOKEN or var/secrets/admin-token');
    await this.db(() => this.repo.revokeToken(p.tokenId!));
  }

  /**
   * A staff member changes their own password. The current one is checked
   * like a login (counted by the throttle, answered late); their other login
   * sessions end, the one in use stays.
   */
  async changeOwnPassword(p: Principal, current: string, next: string, address: string): Promise<void> {
    if (p.kind === 'service' || !p.userId) throw new StaffError(400, 'bad-request', 'the service token has no password; it is a staff account’s password that can be changed');
    const wait = await this.db(() => this.throttle.retryAfter(p.username, address));
    if (wait > 0) throw new StaffError(403, 'forbidden', `too many wrong passwords; try again in ${wait} s`);
    const found = await this.db(() => this.repo.findLogin(p.username));
    if (!found || !(await verifyPassword(current, found.passwordHash))) {
      await this.db(() => this.throttle.fail(p.username, address));
      await sleep(this.o.failureDelayMs ?? 1000);
      throw new StaffError(403, 'forbidden', 'the current password is wrong');
    }
    const problem = passwordProblem(next);
    if (problem) throw new StaffError(400, 'bad-request', problem);
    const passwordHash = await hashPassword(next, this.o.passwordParams);
    await this.db(() => this.repo.update(p.username, { passwordHash }));
    const revoked = await this.db(() => this.repo.revokeTokensOf(p.userId!, 'session', p.tokenId));
    this.o.log.info({ username: p.username, revokedTokens: revoked }, 'password changed');
  }

  async me(p: Principal): Promise<StaffUser | null> {
    return p.kind === 'staff' ? this.db(() => this.repo.get(p.username)) : null;
  }

  /** A named API token for the caller's own account; the token is in the result and nowhere else. */
  async createToken(p: Principal, name: string, expiresAt: Date | null): Promise<{ token: string; record: StaffToken }> {
    if (p.kind === 'service' || !p.userId) {
      throw new StaffError(403, 'forbidden', 'API tokens belong to staff accounts; log in as a staff user to create one');
    }
    if (expiresAt && expiresAt <= this.now()) throw new StaffError(400, 'bad-request', 'expiresAt must be in the future');
    const result = await this.issue(p.userId, 'api', name, expiresAt);
    this.o.log.info({ username: p.username, tokenId: result.record.id, name }, 'API token created');
    return result;
  }

  async listTokens(p: Principal): Promise<StaffToken[]> {
    return p.userId ? this.db(() => this.repo.listTokens(p.userId!)) : [];
  }

  /** Revokes a token of the caller's own (admins: anyone's); false when there is no such token for them. */
  async revokeToken(p: Principal, id: string): Promise<boolean> {
    const token = await this.db(() => this.repo.getToken(id));
    if (!token || token.revokedAt || (token.userId !== p.userId && p.role !== 'admin')) return false;
    const done = await this.db(() => this.repo.revokeToken(id));
    if (done) this.o.log.info({ by: p.username, tokenId: id }, 'token revoked');
    return done;
  }

  async listStaff(): Promise<StaffUser[]> {
    return this.db(() => this.repo.list());
  }

  /** Creates an account; without a password one is generated and returned (shown once). */
  async createStaff(
    by: string,
    u: { username: string; displayName?: string; role: Role; password?: string },
  ): Promise<{ user: StaffUser; generatedPassword?: string }> {
    if (!usernameRe.test(u.username)) {
      throw new StaffError(400, 'bad-request', 'username: 3–40 lower-case characters a-z, 0-9, ".", "_" or "-"');
    }
    const generated = u.password === undefined ? generatePassword() : undefined;
    const password = u.password ?? generated!;
    const problem = passwordProblem(password);
    if (problem) throw new StaffError(400, 'bad-request', problem);
    const passwordHash = await hashPassword(password, this.o.passwordParams);
    const user = await this.db(() => this.repo.create({ username: u.username, displayName: u.displayName ?? '', role: u.role, passwordHash }));
    if (!user) throw new StaffError(409, 'conflict', `user ${u.username} exists already`);
    this.o.log.info({ by, username: user.username, role: user.role }, 'staff user created');
    return generated ? { user, generatedPassword: generated } : { user };
  }

  /**
   * Changes an account. Deactivation revokes all its tokens; a password reset
   * ends its login sessions (API tokens stay: they are revoked one by one).
   * The last active admin cannot be demoted or deactivated.
   */
  async updateStaff(
    by: string,
    username: string,
    c: { displayName?: string; role?: Role; active?: boolean; password?: string },
  ): Promise<StaffUser> {
    const current = await this.db(() => this.repo.get(username));
    if (!current) throw new StaffError(404, 'not-found', `no staff user ${username}`);
    const losesAdmin = current.role === 'admin' && current.active && ((c.role !== undefined && c.role !== 'admin') || c.active === false);
    if (losesAdmin && (await this.db(() => this.repo.otherActiveAdmins(username))) === 0) {
      throw new StaffError(409, 'last-admin', `${username} is the last active admin; make another admin first`);
    }
    let passwordHash: string | undefined;
    if (c.password !== undefined) {
      const problem = passwordProblem(c.password);
      if (problem) throw new StaffError(400, 'bad-request', problem);
      passwordHash = await hashPassword(c.password, this.o.passwordParams);
    }
    const { password: _omitted, ...rest } = c;
    const user = await this.db(() => this.repo.update(username, { ...rest, ...(passwordHash ? { passwordHash } : {}) }));
    if (!user) throw new StaffError(404, 'not-found', `no staff user ${username}`);
    let revoked = 0;
    if (c.active === false) revoked = await this.db(() => this.repo.revokeTokensOf(user.id));
    else if (passwordHash) revoked = await this.db(() => this.repo.revokeTokensOf(user.id, 'session'));
    this.o.log.info({ by, username, changed: Object.keys(c), revokedTokens: revoked }, 'staff user changed');
    return user;
  }

  private async issue(userId: string, kind: 'session' | 'api', name: string, expiresAt: Date | null) {
    const token = generateToken();
    const record = await this.db(() => this.repo.insertToken({ userId, kind, name, tokenHash: hashToken(token), expiresAt }));
    return { token, record };
  }

  /**
   * Runs a database step within dbTimeoutMs, after the migrations. A database
   * that is away, hung or failed to migrate becomes AuthUnavailableError.
   */
  private async db<T>(step: () => Promise<T>): Promise<T> {
    const ms = this.o.dbTimeoutMs ?? 3000;
    const ready = this.o.ready;
    const work = (async () => {
      if (ready) {
        await ready.catch((err: unknown) => {
          throw new AuthUnavailableError('the staff database could not be migrated; see the service log', { cause: err });
        });
      }
      return step();
    })();
    try {
      // One deadline for waiting on the migrations and the query together.
      return await withDeadline(work, ms, 'staff database', () => new AuthUnavailableError(`the staff database did not answer within ${ms / 1000} s; try again shortly`));
    } catch (err) {
      if (isTransientDbError(err)) throw new AuthUnavailableError('the staff database is not reachable; try again shortly', { cause: err });
      throw err;
    }
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();
