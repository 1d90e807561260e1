import { describe, expect, it } from 'vitest';
import { waitSeconds } from '../../../src/auth/login-throttle.ts';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from '../../../src/auth/password.ts';
import { roleAtLeast } from '../../../src/domain/staff.ts';
import { generateToken, hashToken, looksLikeStaffToken } from '../../../src/auth/tokens.ts';
import { cleanUrl } from '../../../src/http/request-log.ts';

const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashes', () => {
  it('are salted scrypt strings that carry their parameters, and verify only the right password', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterz', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('use the default cost when none is given, and verify by the cost stored in the hash', async () => {
    const strong = await hashPassword('correct horse battery');
    expect(strong).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', strong)).toBe(true);
  });

  it('never throw on a malformed or foreign hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$AAAA$AAAA', 'scrypt$3$8$1$AAAA$AAAA', 'scrypt$1024$8$1$$AAAA']) {
      expect(await verifyPassword('anything', stored), stored).toBe(false);
    }
  });

  it('are checked for length; generated ones are long enough', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('x'.repeat(201))).toMatch(/at most 200/);
    expect(passwordProblem(generatePassword())).toBeNull();
  });
});

describe('tokens', () => {
  it('are hlt_ and 32 random bytes; only their SHA-256 is stored', () => {
    const t = generateToken();
    expect(t).toMatch(/^hlt_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeStaffToken(t)).toBe(true);
    expect(looksLikeStaffToken('hlt_short')).toBe(false);
    expect(looksLikeStaffToken(`xyz_${t.slice(4)}`)).toBe(false);
    expect(generateToken()).not.toBe(t);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).toBe(hashToken(t));
  });
});

describe('roles', () => {
  it('are ordered agent < supervisor < admin', () => {
    expect(roleAtLeast('agent', 'agent')).toBe(true);
    expect(roleAtLeast('agent', 'supervisor')).toBe(false);
    expect(roleAtLeast('supervisor', 'agent')).toBe(true);
    expect(roleAtLeast('admin', 'supervisor')).toBe(true);
    expect(roleAtLeast('supervisor', 'admin')).toBe(false);
  });
});

describe('login throttle: the wait', () => {
  it('is 0 below the limit, then lasts until the oldest of the last max failures leaves the window', () => {
    // newest first, as the throttle reads them
    expect(waitSeconds([2000, 1000], 3, 60_000, 2500)).toBe(0);
    expect(waitSeconds([2000, 1000, 0], 3, 60_000, 3000)).toBe(57);
    expect(waitSeconds([5000, 2000, 1000, 0], 3, 60_000, 5000)).toBe(56);
    expect(waitSeconds([2000, 1000, 0], 3, 60_000, 60_001)).toBe(0);
  });
});

describe('request URLs in logs', () => {
  it('mask phone numbers and secret query values, and leave ids alone', () => {
    expect(cleanUrl('/api/calls?limit=5')).toBe('/api/calls?limit=5');
    expect(cleanUrl('/api/calls/00000000-0000-4000-8000-000000000000')).toBe('/api/calls/00000000-0000-4000-8000-000000000000');
    expect(cleanUrl('/api/tickets?phone=13800138000&limit=5')).toBe('/api/tickets?phone=*******8000&limit=5');
    expect(cleanUrl('/api/tickets?phone=%2B86%20138%200013%208000')).toBe('/api/tickets?phone=*********8000');
    expect(cleanUrl('/api/callers/13800138000/calls')).toBe('/api/callers/*******8000/calls');
    expect(cleanUrl('/x?token=abc&api_key=def&Password=ghi')).toBe('/x?token=[redacted]&api_key=[redacted]&Password=[redacted]');
    expect(cleanUrl('/api/calls?since=2026-11-24')).toBe('/api/calls?since=2026-11-24');
  });
});
