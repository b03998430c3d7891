/**
 * Request authentication: `X-Cutroom-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret,
 * "{t}.{METHOD}.{path}.{sha256hex(body)}")>`, accepted within ±300 s of the processor's clock.
 * The body hash binds the signature to this exact request; the timestamp bounds replays.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-cutroom-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function signatureBase(timestamp: number, method: string, path: string, body: Uint8Array): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${timestamp}.${method.toUpperCase()}.${path}.${bodyHash}`;
}

export function signRequest(secret: string, timestamp: number, method: string, path: string, body: Uint8Array): string {
  const mac = createHmac('sha256', secret).update(signatureBase(timestamp, method, path, body)).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function verifySignature(
  header: string | undefined,
  secret: string,
  method: string,
  path: string,
  body: Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing signature' };
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) return { ok: false, reason: 'malformed signature' };
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'signature expired' };
  const expected = createHmac('sha256', secret).update(signatureBase(timestamp, method, path, body)).digest();
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
