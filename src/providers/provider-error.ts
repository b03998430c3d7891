/**
 * The one error every provider client throws. Callers branch on `kind` and `retryable`, never on a
 * provider's own status strings: a job handler turns retryable errors into queue retries (honouring
 * `retryAfterSeconds`) and the rest into permanent failures with the provider's readable message.
 */

export type ProviderName = 'gemini' | 'elevenlabs' | 'postiz';

/** How messages name each provider. */
export const PROVIDER_LABELS: Readonly<Record<ProviderName, string>> = {
  gemini: 'Gemini',
  elevenlabs: 'ElevenLabs',
  postiz: 'Postiz',
};

export type ProviderErrorKind =
  | 'auth' // missing/invalid key, no subscription: fix the credentials
  | 'quota' // plan or credit limit reached: waiting minutes will not help
  | 'rate_limited' // too many requests now: retry after `retryAfterSeconds`
  | 'bad_request' // the provider rejected what we sent (caption too long, bad voice settings, …)
  | 'not_found' // unknown model, voice, integration or post
  | 'upstream' // 5xx or the connection failed
  | 'timeout' // no complete answer within the client's timeout
  | 'malformed_response'; // a 2xx whose body does not match the documented shape

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'upstream', 'timeout']);

export function isRetryableKind(kind: ProviderErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

export interface ProviderErrorInit {
  provider: ProviderName;
  kind: ProviderErrorKind;
  message: string;
  /** HTTP status of the provider's answer; null when there was none (timeout, network). */
  status?: number | null;
  retryAfterSeconds?: number;
  /** The provider's own machine code, e.g. `quota_exceeded`, `RESOURCE_EXHAUSTED`. */
  providerCode?: string;
  /** Extra facts for logs and API `details` (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly provider: ProviderName;
  readonly kind: ProviderErrorKind;
  readonly status: number | null;
  readonly retryAfterSeconds: number | undefined;
  readonly retryable: boolean;
  readonly providerCode: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.retryable = isRetryableKind(init.kind);
    this.providerCode = init.providerCode;
    this.details = init.details;
  }

  toJSON() {
    return {
      provider: this.provider,
      kind: this.kind,
      status: this.status,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterSeconds === undefined ? {} : { retry_after_seconds: this.retryAfterSeconds }),
      ...(this.providerCode === undefined ? {} : { provider_code: this.providerCode }),
    };
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}

/** The default kind for an HTTP status when the provider's body says nothing more specific. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'upstream';
  return 'bad_request';
}

/** `Retry-After` is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
