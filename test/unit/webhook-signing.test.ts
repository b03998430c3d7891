/**
 * Webhook signatures (src/webhooks/signature.ts) against an independently computed HMAC, the retry
 * schedule.
 */
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds, withinRetryWindow } from '../../src/webhooks/retry-schedule.ts';
import { signWebhook, verifyWebhookSignature } from '../../src/webhooks/signature.ts';

const body = '{"id":"evt_01jd2v4m8r0000000000000000","type":"job.completed","data":{"ünïcode":"✓"}}';

describe('webhook signatures', () => {
  it('is HMAC-SHA256 of "<t>.<body>" in hex, as a receiver computes it', async () => {
    const header = await signWebhook(['whsec_one'], 1767225600, body);
    // node -e "require('crypto').createHmac('sha256','whsec_one').update('1767225600.'+body).digest('hex')"
    const expected = '022c4ba4b4063ded3d177b0e0298d794bd3e56a7162d43626b85deefb7545225';
    expect(header).toBe(`t=1767225600,v1=${expected}`);
  });

  it('verifies within the tolerance only, with the right secret and the exact body', async () => {
    const now = 1767225600;
    const header = await signWebhook(['whsec_one', 'whsec_old'], now, body);
    expect(await verifyWebhookSignature(header, body, 'whsec_one', { now })).toBe(true);
    expect(await verifyWebhookSignature(header, body, 'whsec_old', { now: now + 299 })).toBe(true);
    expect(await verifyWebhookSignature(header, body, 'whsec_one', { now: now + 301 })).toBe(false);
    expect(await verifyWebhookSignature(header, body, 'whsec_two', { now })).toBe(false);
    expect(await verifyWebhookSignature(header, `${body} `, 'whsec_one', { now })).toBe(false);
    expect(await verifyWebhookSignature(header.replace(/t=\d+/, `t=${now + 1}`), body, 'whsec_one', { now })).toBe(
      false,
    );
    expect(await verifyWebhookSignature(undefined, body, 'whsec_one', { now })).toBe(false);
    expect(await verifyWebhookSignature('v1=abc', body, 'whsec_one', { now })).toBe(false);
  });
});

describe('webhook retries', () => {
  it('back off ×3 from the base, capped at 6 h, and keep going for at least 24 h', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n, 30))).toEqual([
      30, 90, 270, 810, 2430, 7290, 21600, 21600,
    ]);
    let elapsed = 0;
    let attempt = 1;
    const start = Date.parse('2026-01-01T00:00:00Z');
    while (withinRetryWindow(new Date(start).toISOString(), start + elapsed * 1000)) {
      elapsed += retryDelaySeconds(attempt, 30);
      attempt++;
    }
    expect(elapsed).toBeGreaterThanOrEqual(24 * 3600);
    expect(attempt).toBe(11);
  });
});
