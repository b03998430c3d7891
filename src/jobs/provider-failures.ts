/**
 * How a provider failure becomes a job outcome (beside processor-failures.ts): a retryable one
 * (rate limit, timeout, upstream hiccup) is transient and keeps the provider's Retry-After; the rest
 * fail the job at once. Code and message are the ones routes answer with.
 */
import { providerErrorCode, providerErrorMessage } from '../providers/error-mapping.ts';
import type { ProviderError } from '../providers/provider-error.ts';
import { PermanentJobError, TransientJobError } from './errors.ts';

export function providerErrorToJobError(err: ProviderError): PermanentJobError | TransientJobError {
  return err.retryable
    ? new TransientJobError(providerErrorCode(err), providerErrorMessage(err), err.retryAfterSeconds)
    : new PermanentJobError(providerErrorCode(err), providerErrorMessage(err));
}
