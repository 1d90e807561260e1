import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig, PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { notificationSettings } from '../../../src/notify/settings.ts';
import { makeTempDir, removeDir } from '../../support/db-helpers.ts';

const demo = parseYaml(readFileSync(join(PROJECT_ROOT, 'config/hotline.yaml'), 'utf8')) as Record<string, unknown>;
const withNotifications = (notifications: unknown, extra: Record<string, unknown> = {}) => ({ ...demo, ...extra, notifications });
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('notifications configuration', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir('hotline-notify-config-');
  });
  afterAll(async () => {
    await removeDir(dataDir);
  });

  it('is off by default in the demo file, with the documented defaults', () => {
    const config = parseConfig(demo, 'demo.yaml');
    expect(config.notifications).toEqual({ retry: { baseSeconds: 2, maxSeconds: 600 }, pollSeconds: 5 });
    const settings = notificationSettings(config);
    expect(settings.webhook).toBeUndefined();
    expect(settings.email).toBeUndefined();
    expect(settings.publicBaseUrl).toBe('http://127.0.0.1:8080');
    expect(settings.timeZone).toBe('Asia/Shanghai');
    expect(settings.retry).toEqual({ baseDelayMs: 2000, maxDelayMs: 600_000 });
  });

  it('takes the webhook from the environment and generates its secret once into the data folder', () => {
    const env = { HOTLINE_WEBHOOK_URL: 'https://paging.example.test/hook?token=abc', HOTLINE_DATA_DIR: dataDir };
    const config = parseConfig(demo, 'demo.yaml', env);
    expect(config.notifications.webhook).toEqual({ url: env.HOTLINE_WEBHOOK_URL, maxAttempts: 12, timeoutSeconds: 5 });
    const first = notificationSettings(config);
    expect(first.webhook?.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.webhook?.timeoutMs).toBe(5000);
    expect(readFileSync(join(dataDir, 'secrets', 'webhook-secret'), 'utf8').trim()).toBe(first.webhook?.secret);
    expect(notificationSettings(config).webhook?.secret).toBe(first.webhook?.secret);

    const configured = parseConfig(demo, 'demo.yaml', { ...env, HOTLINE_WEBHOOK_SECRET: 'from-the-secret-store' });
    expect(notificationSettings(configured).webhook?.secret).toBe('from-the-secret-store');
  });

  it('does not switch the webhook on for a secret alone, nor generate one', async () => {
    const dir = await makeTempDir('hotline-notify-nosecret-');
    try {
      const config = parseConfig(demo, 'demo.yaml', { HOTLINE_WEBHOOK_SECRET: 'from-the-secret-store', HOTLINE_DATA_DIR: dir });
      expect(config.notifications.webhook).toBeUndefined();
      notificationSettings(config);
      expect(existsSync(join(dir, 'secrets', 'webhook-secret'))).toBe(false);
    } finally {
      await removeDir(dir);
    }
  });

  it('reads the SMTP server from HOTLINE_SMTP_URL and keeps from/to from the file', () => {
    const raw = withNotifications({ email: { host: 'ignored', from: 'Hotline <hotline@example.test>', to: ['desk@example.test'] } });
    const plain = parseConfig(raw, 'x.yaml', { HOTLINE_SMTP_URL: 'smtp://hot%40line:p%3Ass@mail.example.test' });
    expect(plain.notifications.email).toMatchObject({
      host: 'mail.example.test',
      port: 587,
      secure: false,
      user: 'hot@line',
      password: 'p:ss',
      from: 'Hotline <hotline@example.test>',
      to: ['desk@example.test'],
      maxAttempts: 12,
    });
    const tls = parseConfig(raw, 'x.yaml', { HOTLINE_SMTP_URL: 'smtps://mail.example.test' });
    expect(tls.notifications.email).toMatchObject({ port: 465, secure: true });
    expect(tls.notifications.email?.user).toBeUndefined();
    expect(notificationSettings(tls).email?.timeoutMs).toBe(30_000);
  });

  it('names the problems without repeating a password', () => {
    const bad = problems(() => parseConfig(demo, 'x.yaml', { HOTLINE_SMTP_URL: 'http://u:hunter22@mail' }));
    expect(bad.join('\n')).toMatch(/HOTLINE_SMTP_URL: expected smtp:\/\//);
    expect(bad.join('\n')).not.toContain('hunter22');
    expect(problems(() => parseConfig(demo, 'x.yaml', { HOTLINE_SMTP_URL: 'smtp://mail' }))).toEqual([
      'x.yaml: notifications.email: missing "from"',
      'x.yaml: notifications.email: missing "to"',
    ]);
    expect(
      problems(() => parseConfig(withNotifications({ email: { host: 'm', from: 'a@b.c', to: [], password: 'x' } }), 'x.yaml')),
    ).toEqual(['x.yaml: notifications.email.to: must NOT have fewer than 1 items']);
    expect(
      problems(() => parseConfig(withNotifications({ email: { host: 'm', from: 'a@b.c', to: ['d@e.f'], password: 'x' } }), 'x.yaml')),
    ).toEqual(['x.yaml: notifications.email: a password needs a user']);
    expect(problems(() => parseConfig(withNotifications({ retry: { baseSeconds: 60, maxSeconds: 10 } }), 'x.yaml'))).toEqual([
      'x.yaml: notifications.retry: maxSeconds must not be below baseSeconds',
    ]);
    expect(problems(() => parseConfig(withNotifications({ webhook: { url: 'ftp://x' } }), 'x.yaml'))[0]).toMatch(
      /notifications\.webhook\.url: .* does not match \^https\?:\/\//,
    );
    expect(problems(() => parseConfig(withNotifications({ sms: {} }), 'x.yaml'))).toEqual([
      'x.yaml: notifications: unknown setting "sms"',
    ]);
  });

  it('uses publicBaseUrl from the file or HOTLINE_PUBLIC_BASE_URL', () => {
    const fromFile = parseConfig(withNotifications({ publicBaseUrl: 'https://hotline.example.test' }), 'x.yaml');
    expect(notificationSettings(fromFile).publicBaseUrl).toBe('https://hotline.example.test');
    const fromEnv = parseConfig(demo, 'x.yaml', { HOTLINE_PUBLIC_BASE_URL: 'https://staff.example.test/hotline' });
    expect(notificationSettings(fromEnv).publicBaseUrl).toBe('https://staff.example.test/hotline');
  });
});
