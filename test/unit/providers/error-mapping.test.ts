/** Where provider errors go next: job retries or the API's error shape. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/core/errors.ts';
import { PermanentJobError, TransientJobError } from '../../../src/jobs/errors.ts';
import { providerErrorToJobError } from '../../../src/jobs/provider-failures.ts';
import { providerErrorToApiError } from '../../../src/providers/error-mapping.ts';
import { ProviderError, type ProviderErrorKind } from '../../../src/providers/provider-error.ts';

const error = (kind: ProviderErrorKind, extra: { retryAfterSeconds?: number; status?: number } = {}) =>
  new ProviderError({ provider: 'postiz', kind, message: 'Something happened', ...extra });

describe('error mapping', () => {
  it('turns retryable errors into transient job errors (keeping Retry-After) and the rest into permanent ones', () => {
    const transient = providerErrorToJobError(error('rate_limited', { retryAfterSeconds: 3600 }));
    expect(transient).toBeInstanceOf(TransientJobError);
    expect(transient).toMatchObject({
      code: 'postiz_rate_limited',
      message: 'Postiz: Something happened',
      retryAfterSeconds: 3600,
    });
    const permanent = providerErrorToJobError(error('quota'));
    expect(permanent).toBeInstanceOf(PermanentJobError);
    expect(permanent).toMatchObject({ code: 'postiz_quota' });
  });

  it('answers 4xx only for what the caller sent, 429 with Retry-After, 502/504 for the provider', () => {
    const status = (kind: ProviderErrorKind) => providerErrorToApiError(error(kind)).status;
    expect(status('bad_request')).toBe(400);
    expect(status('not_found')).toBe(404);
    expect(status('rate_limited')).toBe(429);
    expect(status('timeout')).toBe(504);
    for (const kind of ['auth', 'quota', 'upstream', 'malformed_response'] as const) expect(status(kind)).toBe(502);
    const limited = providerErrorToApiError(error('rate_limited', { retryAfterSeconds: 12 }));
    expect(limited).toBeInstanceOf(ApiError);
    expect(limited.headers).toEqual({ 'Retry-After': '12' });
    expect(limited.code).toBe('rate_limited');
    expect(providerErrorToApiError(error('upstream')).code).toBe('upstream_error');
  });
});
