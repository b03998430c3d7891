/**
 * The HTTP exchange every provider client shares: one deadline covering the request and the body
 * read, transport failures and non-2xx answers turned into `ProviderError`s, and 2xx bodies parsed
 * with zod so a changed wire format fails loudly as `malformed_response` instead of leaking
 * `undefined` into the database. Runs in Workers and Node alike (fetch, AbortController, timers).
 */
import type { z } from 'zod';
import {
  PROVIDER_LABELS,
  ProviderError,
  type ProviderErrorKind,
  type ProviderName,
  kindForStatus,
  parseRetryAfter,
} from './provider-error.ts';

/** What every client takes. Nothing is read from globals: per-profile keys and fakes just work. */
export interface ProviderClientConfig {
  baseUrl: string;
  apiKey: string;
  /** Injected fetch (tests, service bindings); defaults to the global one. */
  fetch?: typeof fetch;
  /** Deadline for one HTTP exchange including reading its body. */
  timeoutMs?: number;
}

/** What a provider's error body says, beyond the HTTP status. */
export interface ErrorInterpretation {
  message?: string;
  kind?: ProviderErrorKind;
  providerCode?: string;
  retryAfterSeconds?: number;
  details?: Record<string, unknown>;
}

export interface ProviderHttp {
  provider: ProviderName;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Reads the provider's error body (already JSON-parsed when it was JSON, else the raw text). */
  interpretError(status: number, body: unknown, headers: Headers): ErrorInterpretation;
}

export function resolveFetch(config: Pick<ProviderClientConfig, 'fetch'>): typeof fetch {
  // Wrapped so the global is always invoked with the right `this` (Workers insist on it).
  return config.fetch ?? ((input, init) => fetch(input, init));
}

export interface ExchangeOptions {
  timeoutMs?: number;
}

/**
 * Sends one request and reads its successful body with `read`, all under one deadline.
 * Non-2xx answers throw `ProviderError` with the kind the provider's body and status imply.
 */
export async function exchange<T>(
  http: ProviderHttp,
  url: string,
  init: RequestInit,
  read: (res: Response) => Promise<T>,
  options: ExchangeOptions = {},
): Promise<{ value: T; response: Response }> {
  const timeoutMs = options.timeoutMs ?? http.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const fail = (err: unknown): never => {
    if (err instanceof ProviderError) throw err;
    if (controller.signal.aborted) {
      throw new ProviderError({
        provider: http.provider,
        kind: 'timeout',
        message: `${PROVIDER_LABELS[http.provider]} did not answer within ${Math.round(timeoutMs / 1000)} s`,
        cause: err,
      });
    }
    throw new ProviderError({
      provider: http.provider,
      kind: 'upstream',
      message: `Could not reach ${PROVIDER_LABELS[http.provider]}: ${describeFailure(err)}`,
      cause: err,
    });
  };
  try {
    let response: Response;
    try {
      response = await http.fetch(url, { ...init, signal: controller.signal });
    } catch (err) {
      return fail(err);
    }
    if (!response.ok) {
      let text = '';
      try {
        text = await response.text();
      } catch (err) {
        return fail(err);
      }
      throw errorFromResponse(http, response.status, text, response.headers);
    }
    try {
      return { value: await read(response), response };
    } catch (err) {
      return fail(err);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, a body stream error) is its cause. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message} (${cause})` : err.message;
}

export function errorFromResponse(http: ProviderHttp, status: number, text: string, headers: Headers): ProviderError {
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : text;
  } catch {
    // Not JSON (HTML error page from a proxy, plain text): keep the text.
  }
  const said = http.interpretError(status, body, headers);
  // Only what the provider's documented error shape says, bounded; never the raw body (a proxy's
  // HTML page, or whatever a wrong URL answers).
  return new ProviderError({
    provider: http.provider,
    kind: said.kind ?? kindForStatus(status),
    status,
    message: said.message ? said.message.slice(0, 300) : `HTTP ${status}`,
    retryAfterSeconds: said.retryAfterSeconds ?? parseRetryAfter(headers.get('retry-after')),
    providerCode: said.providerCode,
    details: said.details,
  });
}

/** Parses a 2xx JSON body against the documented shape. */
export async function readJson<S extends z.ZodType>(http: ProviderHttp, res: Response, schema: S): Promise<z.infer<S>> {
  const text = await res.text();
  return parseJsonText(http, text, schema, `${PROVIDER_LABELS[http.provider]} response`);
}

export function parseJsonText<S extends z.ZodType>(
  http: Pick<ProviderHttp, 'provider'>,
  text: string,
  schema: S,
  what: string,
  status: number | null = null,
): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProviderError({
      provider: http.provider,
      kind: 'malformed_response',
      status,
      // Never the text itself: it may be anything the URL answered.
      message: `${what} is not JSON (${text.length} characters)`,
    });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ProviderError({
      provider: http.provider,
      kind: 'malformed_response',
      status,
      message: `${what} has an unexpected shape (${issues})`,
    });
  }
  return parsed.data;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
