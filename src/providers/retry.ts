/**
 * Bounded in-process retries for provider calls that are safe to repeat (the original had none).
 * Short waits only: a `Retry-After` longer than `maxRetryAfterSeconds` is rethrown at once so the
 * job queue can redeliver later instead of holding a Worker invocation open.
 * Never wrap non-idempotent calls (Postiz create-post) in this.
 */
import { type ProviderError, isProviderError } from './provider-error.ts';

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest `Retry-After` worth waiting for in-process. */
  maxRetryAfterSeconds?: number;
  /** Which errors to retry; default: `ProviderError.retryable`. */
  retryOn?: (err: ProviderError) => boolean;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export const DEFAULT_RETRY: Required<
  Pick<RetryPolicy, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterSeconds'>
> = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterSeconds: 20,
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetries<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? DEFAULT_RETRY.attempts);
  const base = policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelay = policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const maxRetryAfter = policy.maxRetryAfterSeconds ?? DEFAULT_RETRY.maxRetryAfterSeconds;
  const retryOn = policy.retryOn ?? ((err: ProviderError) => err.retryable);
  const sleep = policy.sleep ?? defaultSleep;

  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isProviderError(err) || attempt >= attempts || !retryOn(err)) throw err;
      let delayMs: number;
      if (err.retryAfterSeconds !== undefined) {
        if (err.retryAfterSeconds > maxRetryAfter) throw err;
        delayMs = err.retryAfterSeconds * 1000;
      } else {
        const exp = Math.min(maxDelay, base * 2 ** (attempt - 1));
        delayMs = Math.round(exp / 2 + Math.random() * (exp / 2));
      }
      policy.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
