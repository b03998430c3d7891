import { describe, expect, it } from 'vitest';
import {
  ProviderError,
  type ProviderErrorKind,
  kindForStatus,
  parseRetryAfter,
} from '../../src/providers/provider-error.ts';
import { withRetries } from '../../src/providers/retry.ts';

const error = (kind: ProviderErrorKind, extra: { retryAfterSeconds?: number; status?: number } = {}) =>
  new ProviderError({ provider: 'postiz', kind, message: 'Something happened', ...extra });

describe('ProviderError', () => {
  it('is retryable exactly for rate limits, upstream failures and timeouts', () => {
    const kinds: ProviderErrorKind[] = [
      'auth',
      'quota',
      'rate_limited',
      'bad_request',
      'not_found',
      'upstream',
      'timeout',
      'malformed_response',
    ];
    expect(kinds.filter((k) => error(k).retryable)).toEqual(['rate_limited', 'upstream', 'timeout']);
  });

  it('maps HTTP statuses to kinds when the body says nothing more', () => {
    expect([400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503].map(kindForStatus)).toEqual([
      'bad_request',
      'auth',
      'quota',
      'auth',
      'not_found',
      'timeout',
      'bad_request',
      'bad_request',
      'bad_request',
      'rate_limited',
      'upstream',
      'upstream',
      'upstream',
    ]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('1.2', now)).toBe(2);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('serialises without its stack for logs and API details', () => {
    expect(JSON.parse(JSON.stringify(error('rate_limited', { retryAfterSeconds: 30, status: 429 })))).toEqual({
      provider: 'postiz',
      kind: 'rate_limited',
      status: 429,
      message: 'Something happened',
      retryable: true,
      retry_after_seconds: 30,
    });
  });
});

describe('withRetries', () => {
  const noSleep = { sleep: async () => {} };

  it('retries retryable errors up to the attempt limit', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw error('upstream');
        },
        { attempts: 3, ...noSleep },
      ),
    ).rejects.toMatchObject({ kind: 'upstream' });
    expect(calls).toBe(3);
  });

  it('never retries non-retryable errors or foreign exceptions', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () =>
          void (calls++,
          (() => {
            throw error('auth');
          })()),
        noSleep,
      ),
    ).rejects.toMatchObject({ kind: 'auth' });
    await expect(
      withRetries(
        async () =>
          void (calls++,
          (() => {
            throw new TypeError('bug');
          })()),
        noSleep,
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });

  it('waits what Retry-After says, backs off exponentially otherwise, and gives up on long waits', async () => {
    const waits: number[] = [];
    let n = 0;
    const value = await withRetries(
      async () => {
        n++;
        if (n === 1) throw error('rate_limited', { retryAfterSeconds: 2 });
        if (n === 2) throw error('timeout');
        return 'done';
      },
      { sleep: async (ms) => void waits.push(ms), baseDelayMs: 1000 },
    );
    expect(value).toBe('done');
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThanOrEqual(1000);
    expect(waits[1]).toBeLessThanOrEqual(2000);

    let tries = 0;
    await expect(
      withRetries(async () => {
        tries++;
        throw error('rate_limited', { retryAfterSeconds: 3600 });
      }, noSleep),
    ).rejects.toMatchObject({ retryAfterSeconds: 3600 });
    expect(tries).toBe(1);
  });
});
