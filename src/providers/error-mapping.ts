/**
 * A `ProviderError` in the API's one error shape, for a route that called a provider synchronously
 * (jobs turn it into a retry or a failure instead: jobs/provider-failures.ts).
 */
import { ApiError } from '../core/errors.ts';
import { PROVIDER_LABELS, type ProviderError } from './provider-error.ts';

/** `postiz_rate_limited`, `elevenlabs_quota`, … */
export function providerErrorCode(err: ProviderError): string {
  return `${err.provider}_${err.kind}`;
}

export function providerErrorMessage(err: ProviderError): string {
  return `${PROVIDER_LABELS[err.provider]}: ${err.message}`;
}

/**
 * Only what the caller sent can be a 4xx (a rejected caption, an unknown channel id); a provider
 * being down, slow, out of quota or refusing our key is a 502/504 the caller cannot fix by retrying
 * differently. Rate limits keep their 429 and Retry-After.
 */
export function providerErrorToApiError(err: ProviderError): ApiError {
  const details = err.toJSON();
  const message = providerErrorMessage(err);
  switch (err.kind) {
    case 'bad_request':
      return new ApiError(400, 'bad_request', message, { details });
    case 'not_found':
      return new ApiError(404, 'not_found', message, { details });
    case 'rate_limited':
      return new ApiError(429, 'rate_limited', message, {
        details,
        headers: err.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(err.retryAfterSeconds) },
      });
    case 'timeout':
      return new ApiError(504, 'upstream_error', message, { details });
    default:
      return new ApiError(502, 'upstream_error', message, { details });
  }
}
