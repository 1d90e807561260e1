/** Staff roles, lowest first: each role may do everything the roles before it may. */
export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` is `min` or higher (agent < supervisor < admin). */
export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/** Who a request acts for: a staff account, or the service's own admin token (CLI, automation). */
export interface Principal {
  kind: 'staff' | 'service';
  username: string;
  role: Role;
  /** Staff only: the account's id. */
  userId?: string;
  /** Staff only: the token this request came with (logout revokes it). */
  tokenId?: string;
}
