import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret the service needs but no one configured: taken from the
 * configuration when given, otherwise generated once into
 * <dataDir>/secrets/<name> (mode 0600) and reused, so the repository never
 * holds one and a fresh machine still starts with a single command.
 */
export function ensureSecret(dataDir: string, name: string, configured: string | undefined): string {
  if (configured) return configured;
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // not generated yet
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return secret;
}

export const SECRET_NAMES = { ariPassword: 'ari-password', adminToken: 'admin-token', webhookSecret: 'webhook-secret' } as const;
