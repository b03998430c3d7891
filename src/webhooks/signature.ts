/**
 * How a delivery is signed (docs/webhooks.md#verifying-signatures): the Stripe / Cloudflare Stream
 * scheme. `Cutroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;
 * while a rotated secret's overlap lasts there is one `v1` per secret. A receiver recomputes the
 * MAC over the exact bytes it received and rejects timestamps older than a few minutes.
 */
import { formatSignatureHeader, hmacHex, hmacMatches, parseSignatureHeader } from '../../shared/signature-header.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'Cutroom-Signature';
/** What receivers should accept (and what `verifyWebhookSignature` accepts by default). */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300;

const signedInput = (timestamp: number, body: string) => `${timestamp}.${body}`;

/** The header value for `body` sent at `timestamp`, signed with each of `secrets` (newest first). */
export async function signWebhook(secrets: readonly string[], timestamp: number, body: string): Promise<string> {
  const macs = await Promise.all(secrets.map((secret) => hmacHex(secret, signedInput(timestamp, body))));
  return formatSignatureHeader(timestamp, macs);
}

/** What a receiver does: true when one `v1` is the MAC of `<t>.<body>` and `t` is recent. */
export async function verifyWebhookSignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  { toleranceSeconds = WEBHOOK_SIGNATURE_TOLERANCE_SECONDS, now = Math.floor(Date.now() / 1000) } = {},
): Promise<boolean> {
  const parsed = parseSignatureHeader(header);
  if (!parsed || Math.abs(now - parsed.timestamp) > toleranceSeconds) return false;
  for (const mac of parsed.macs) if (await hmacMatches(secret, signedInput(parsed.timestamp, body), mac)) return true;
  return false;
}
