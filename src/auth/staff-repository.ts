import type pg from 'pg';
import type { Role } from '../domain/staff.ts';

export interface StaffUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

export interface StaffToken {
  id: string;
  userId: string;
  kind: 'session' | 'api';
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A token found by its hash, with the account it belongs to (role and active as they are now). */
export interface TokenOwner {
  token: StaffToken;
  user: StaffUser;
}

export interface StaffChanges {
  displayName?: string;
  role?: Role;
  active?: boolean;
  passwordHash?: string;
}

const USER_COLUMNS = 'u.id, u.username, u.display_name, u.role, u.active, u.created_at, u.updated_at, u.last_login_at';
const TOKEN_COLUMNS = 't.id, t.user_id, t.kind, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at';

/** SQL for staff_users and staff_tokens (migration 004). Password hashes leave it only through findLogin. */
export class StaffRepository {
  constructor(private readonly db: Pick<pg.Pool, 'query'>) {}

  async list(): Promise<StaffUser[]> {
    const { rows } = await this.db.query(`select ${USER_COLUMNS} from staff_users u order by u.username`);
    return rows.map(toUser);
  }

  async get(username: string): Promise<StaffUser | null> {
    const { rows } = await this.db.query(`select ${USER_COLUMNS} from staff_users u where u.username = $1`, [username]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** The account and its password hash, for a login. */
  async findLogin(username: string): Promise<{ user: StaffUser; passwordHash: string } | null> {
    const { rows } = await this.db.query(`select ${USER_COLUMNS}, u.password_hash from staff_users u where u.username = $1`, [username]);
    return rows[0] ? { user: toUser(rows[0]), passwordHash: rows[0].password_hash as string } : null;
  }

  /** Inserts an account; null when the username is taken. */
  async create(u: { username: string; displayName: string; role: Role; passwordHash: string }): Promise<StaffUser | null> {
    const { rows } = await this.db.query(
      `insert into staff_users as u (username, display_name, role, password_hash) values ($1, $2, $3, $4)
       on conflict (username) do nothing returning ${USER_COLUMNS}`,
      [u.username, u.displayName, u.role, u.passwordHash],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async update(username: string, c: StaffChanges): Promise<StaffUser | null> {
    const { rows } = await this.db.query(
      `update staff_users as u set
         display_name = coalesce($2, u.display_name),
         role = coalesce($3, u.role),
         active = coalesce($4, u.active),
         password_hash = coalesce($5, u.password_hash),
         updated_at = now()
       where u.username = $1 returning ${USER_COLUMNS}`,
      [username, c.displayName ?? null, c.role ?? null, c.active ?? null, c.passwordHash ?? null],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Active admins other than `username`: the last one may not be demoted or deactivated. */
  async otherActiveAdmins(username: string): Promise<number> {
    const { rows } = await this.db.query(
      `select count(*)::int as n from staff_users where role = 'admin' and active and username <> $1`,
      [username],
    );
    return rows[0].n as number;
  }

  async recordLogin(userId: string): Promise<void> {
    await this.db.query('update staff_users set last_login_at = now() where id = $1', [userId]);
  }

  async insertToken(t: { userId: string; kind: 'session' | 'api'; name: string; tokenHash: string; expiresAt: Date | null }): Promise<StaffToken> {
    const { rows } = await this.db.query(
      `insert into staff_tokens as t (user_id, kind, name, token_hash, expires_at) values ($1, $2, $3, $4, $5)
       returning ${TOKEN_COLUMNS}`,
      [t.userId, t.kind, t.name, t.tokenHash, t.expiresAt],
    );
    return toToken(rows[0]);
  }

  async findByHash(tokenHash: string): Promise<TokenOwner | null> {
    const { rows } = await this.db.query(
      `select ${TOKEN_COLUMNS}, ${USER_COLUMNS.replace(/u\.(\w+)/g, 'u.$1 as u_$1')}
       from staff_tokens t join staff_users u on u.id = t.user_id where t.token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    const user: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k.startsWith('u_')) user[k.slice(2)] = v;
    return { token: toToken(row), user: toUser(user) };
  }

  /** Notes a use at most once a minute: one write per request would be wasted work. */
  async touchToken(id: string): Promise<void> {
    await this.db.query(
      `update staff_tokens set last_used_at = now()
       where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  async listTokens(userId: string): Promise<StaffToken[]> {
    const { rows } = await this.db.query(
      `select ${TOKEN_COLUMNS} from staff_tokens t
       where t.user_id = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
       order by t.created_at desc`,
      [userId],
    );
    return rows.map(toToken);
  }

  async getToken(id: string): Promise<StaffToken | null> {
    const { rows } = await this.db.query(`select ${TOKEN_COLUMNS} from staff_tokens t where t.id = $1`, [id]);
    return rows[0] ? toToken(rows[0]) : null;
  }

  /** Revokes one token; false when it does not exist or was revoked before. */
  async revokeToken(id: string): Promise<boolean> {
    const res = await this.db.query('update staff_tokens set revoked_at = now() where id = $1 and revoked_at is null', [id]);
    return (res.rowCount ?? 0) > 0;
  }

  /** Revokes a user's tokens (all, or one kind; `exceptId`: keep that one); returns how many. */
  async revokeTokensOf(userId: string, kind?: 'session' | 'api', exceptId?: string): Promise<number> {
    const res = await this.db.query(
      `update staff_tokens set revoked_at = now()
       where user_id = $1 and revoked_at is null and ($2::text is null or kind = $2) and ($3::uuid is null or id <> $3)`,
      [userId, kind ?? null, exceptId ?? null],
    );
    return res.rowCount ?? 0;
  }
}

function toUser(r: Record<string, any>): StaffUser {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    active: r.active,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastLoginAt: r.last_login_at ?? null,
  };
}

function toToken(r: Record<string, any>): StaffToken {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at ?? null,
    expiresAt: r.expires_at ?? null,
    revokedAt: r.revoked_at ?? null,
  };
}
