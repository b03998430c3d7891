/**
 * Request authentication, signed by the Worker and verified by the processor (WebCrypto, so the
 * one implementation runs in workerd and in Node):
 * `X-Cutroom-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "{t}.{METHOD}.{path}.{sha256hex(body)}")>`,
 * accepted within ±300 s of the verifier's clock. The body hash binds the signature to this exact
 * request; the timestamp bounds replays.
 */
import { sha256Hex } from '../encoding.ts';
import { formatSignatureHeader, hmacHex, hmacMatches, parseSignatureHeader } from '../signature-header.ts';

/** Lower case: Node hands request headers over that way; fetch's Headers ignore case. */
export const SIGNATURE_HEADER = 'x-cutroom-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function signingInput(
  timestamp: number,
  method: string,
  path: string,
  body: string | Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  // TextEncoder always returns a fresh ArrayBuffer; some lib typings say ArrayBufferLike.
  return encoder.encode(
    `${timestamp}.${method.toUpperCase()}.${path}.${await sha256Hex(body)}`,
  ) as Uint8Array<ArrayBuffer>;
}

/** Imported once per secret and usage for the life of the isolate or process (a handful of secrets at most). */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const hmacKeys = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<HmacKey> {
  const id = `${usage}:${secret}`;
  let key = hmacKeys.get(id);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
    // A failed import is not kept: the next call tries again.
    key.catch(() => hmacKeys.delete(id));
    hmacKeys.set(id, key);
  }
  return key;
}

/** The header value for a request sent at `timestamp`. */
export async function signProcessorRequest(
  secret: string,
  method: string,
  path: string,
  body: string | Uint8Array,
  timestamp: number = nowSeconds(),
): Promise<string> {
  const mac = await hmacHex(secret, await signingInput(timestamp, method, path, body));
  return formatSignatureHeader(timestamp, [mac]);
}

/** Checks a request's header; the MAC comparison is constant-time (`crypto.subtle.verify`). */
export async function verifyProcessorSignature(
  header: string | undefined,
  secret: string,
  method: string,
  path: string,
  body: string | Uint8Array,
  now: number = nowSeconds(),
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: 'missing signature' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(now - parsed.timestamp) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'signature expired' };
  const input = await signingInput(parsed.timestamp, method, path, body);
  const valid = await hmacMatches(secret, input, parsed.macs[0]!);
  return valid ? { ok: true } : { ok: false, reason: 'bad signature' };
}
