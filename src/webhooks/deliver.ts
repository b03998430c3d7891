/**
 * One attempt of one delivery (a `deliver` message):
 * 1. claim it (repos/webhooks.ts `claimDelivery`: one UPDATE under a lease), so no two attempts of a
 *    delivery overlap and a delivery that succeeded is never attempted again;
 * 2. check the endpoint's URL again (it may have been edited or re-pointed since it was saved):
 *    the outbound URL rules, then where its name resolves;
 * 3. POST the event's stored body, signed, with a bounded timeout, no redirects followed, and at
 *    most WEBHOOK_RESPONSE_READ_BYTES of the answer read;
 * 4. record the outcome (only the claim holder can): 2xx → succeeded; anything else → retried with
 *    backoff (a fresh delayed message) while inside the 24 h window, then failed.
 */
import type { Bindings } from '../core/env.ts';
import {
  WEBHOOK_LEASE_SECONDS,
  WEBHOOK_RESPONSE_EXCERPT_CHARS,
  WEBHOOK_RESPONSE_READ_BYTES,
  WEBHOOK_TIMEOUT_MS,
} from '../core/limits.ts';
import { DnsUnavailableError, OutboundUrlError, checkOutboundTarget, outboundPolicy } from '../core/outbound-url.ts';
import { createDb } from '../db/client.ts';
import {
  type AttemptOutcome,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
  type WebhookEventRow,
  claimDelivery,
  getEndpoint,
  getEvent,
  recordAttempt,
  verifyDeliveryMessage,
} from '../db/repos/webhooks.ts';
import type { ProfileScope } from '../db/scope.ts';
import { sendDeliveries } from './messages.ts';
import { retryBaseSeconds, retryDelaySeconds, withinRetryWindow } from './retry-schedule.ts';
import { WEBHOOK_SIGNATURE_HEADER, signWebhook } from './signature.ts';
import { signingSecrets } from './secrets.ts';

export const USER_AGENT = 'Cutroom-Webhooks/1.0';

type Attempt = Omit<AttemptOutcome, 'status' | 'nextAttemptAt'> & { ok: boolean; permanent?: boolean };

/** At most `limit` bytes of a body, decoded; the rest is never read. */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

async function post(env: Bindings, endpoint: WebhookEndpointRow, event: WebhookEventRow, delivery: WebhookDeliveryRow) {
  let url: URL;
  try {
    url = await checkOutboundTarget(endpoint.url, outboundPolicy(env));
  } catch (err) {
    if (err instanceof OutboundUrlError)
      return failure(`The endpoint URL ${err.message}; it is not called`, { permanent: true });
    if (err instanceof DnsUnavailableError) return failure(err.message);
    throw err;
  }
  const body = event.payload!;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'cutroom-event-id': event.id,
    'cutroom-event-type': event.type,
    'cutroom-delivery-id': delivery.id,
    'cutroom-delivery-attempt': String(delivery.attempts),
    [WEBHOOK_SIGNATURE_HEADER.toLowerCase()]: await signWebhook(await signingSecrets(env, endpoint), timestamp, body),
  };
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    const latencyMs = Date.now() - started;
    const text = await readBounded(res.body, WEBHOOK_RESPONSE_READ_BYTES).catch(() => '');
    const excerpt = text.slice(0, WEBHOOK_RESPONSE_EXCERPT_CHARS) || null;
    const ok = res.status >= 200 && res.status < 300;
    const error = ok
      ? null
      : res.status >= 300 && res.status < 400
        ? `The endpoint answered ${res.status} (redirects are not followed)`
        : `The endpoint answered ${res.status}`;
    return { ok, statusCode: res.status, error, latencyMs, excerpt } satisfies Attempt;
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ...failure(
        timedOut
          ? `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`
          : `The endpoint could not be reached (${err instanceof Error ? err.message : String(err)})`,
      ),
      latencyMs: Date.now() - started,
    };
  }
}

function failure(error: string, options: { permanent?: boolean } = {}): Attempt {
  return { ok: false, statusCode: null, error, latencyMs: null, excerpt: null, ...options };
}

async function attempt(env: Bindings, scope: ProfileScope, claimed: WebhookDeliveryRow): Promise<Attempt> {
  const [endpoint, event] = await Promise.all([
    getEndpoint(scope, claimed.endpointId),
    getEvent(scope, claimed.eventId),
  ]);
  if (!endpoint || !event?.payload) return failure('The endpoint or the event no longer exists', { permanent: true });
  if (!endpoint.enabled) return failure('The endpoint is disabled', { permanent: true });
  return post(env, endpoint, event, claimed);
}

/** Runs one `deliver` message. Returns `retryAfter` when the message should come back later. */
export async function deliverOnce(
  env: Bindings,
  message: { profile_id: string; delivery_id: string },
): Promise<{ retryAfter?: number }> {
  const verified = await verifyDeliveryMessage(createDb(env.DB), message);
  if (!verified) return {};
  const { scope, delivery } = verified;
  if (delivery.status === 'succeeded' || delivery.status === 'failed') return {};
  const claimed = await claimDelivery(scope, delivery.id, WEBHOOK_LEASE_SECONDS);
  if (!claimed) {
    // Another attempt holds it, or it is not due yet: come back when that changes, so a delivery
    // whose attempt died is taken over (a finished one is then acknowledged above).
    const until = delivery.status === 'delivering' ? delivery.leaseUntil : delivery.nextAttemptAt;
    const wait = until ? Math.ceil((Date.parse(until) - Date.now()) / 1000) : 0;
    return { retryAfter: Math.max(1, Math.min(wait + 1, 43_200)) };
  }

  const result = await attempt(env, scope, claimed);
  const retry = !result.ok && !result.permanent && withinRetryWindow(claimed.firstAttemptAt ?? claimed.lastAttemptAt!);
  const delay = retryDelaySeconds(claimed.attempts, retryBaseSeconds(env));
  const recorded = await recordAttempt(scope, claimed.id, claimed.attempts, {
    status: result.ok ? 'succeeded' : retry ? 'retrying' : 'failed',
    statusCode: result.statusCode,
    error: result.error,
    latencyMs: result.latencyMs,
    excerpt: result.excerpt,
    nextAttemptAt: new Date(Date.now() + delay * 1000).toISOString(),
  });
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'webhook attempt',
      delivery_id: claimed.id,
      attempt: claimed.attempts,
      status: recorded?.status ?? 'claim lost',
      status_code: result.statusCode,
    }),
  );
  if (recorded?.status !== 'retrying') return {};
  try {
    await sendDeliveries(env.JOBS, scope.profileId, [claimed.id], delay);
    return {};
  } catch {
    // No fresh message: let the queue bring this one back instead.
    return { retryAfter: delay };
  }
}
