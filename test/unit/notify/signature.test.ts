import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../src/notify/signature.ts';

const SECRET = 'test-secret-0123456789';
const BODY = '{"event":"ticket.created","ticket":{"reference":"HL-20261124-0042"}}';
const NOW = 1_795_500_000;

describe('webhook signature', () => {
  it('is sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, NOW, BODY)).toBe(`sha256=${expected}`);
  });

  it('verifies a signature it made, from a string or the raw bytes', () => {
    const header = signWebhook(SECRET, NOW, BODY);
    expect(verifyWebhookSignature(SECRET, String(NOW), BODY, header, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(SECRET, NOW, Buffer.from(BODY), header, { now: NOW + 10 })).toBe(true);
  });

  it('refuses another secret, a changed body, another timestamp and malformed headers', () => {
    const header = signWebhook(SECRET, NOW, BODY);
    expect(verifyWebhookSignature('another-secret-0123456', NOW, BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY.replace('0042', '0043'), header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW + 1, BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, header.slice(7), { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, `${header}00`, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, undefined, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, undefined, BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, 'soon', BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature('', NOW, BODY, header, { now: NOW })).toBe(false);
  });

  it('refuses a timestamp older or newer than the tolerance (replay), unless turned off', () => {
    const header = signWebhook(SECRET, NOW, BODY);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, header, { now: NOW + 301 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, header, { now: NOW - 301 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, header, { now: NOW + 3600, toleranceSeconds: 7200 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, NOW, BODY, header, { now: NOW + 1e6, toleranceSeconds: Infinity })).toBe(true);
    // the default "now" is the clock
    const fresh = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature(SECRET, fresh, BODY, signWebhook(SECRET, fresh, BODY))).toBe(true);
  });
});
