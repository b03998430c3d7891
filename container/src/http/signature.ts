/**
 * Request authentication, the processor's side of shared/processor-signature.ts: verified with
 * Node's synchronous crypto and a constant-time compare.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { PROCESSOR_SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, formatSignature, parseSignature, signatureBase } from '../../../shared/processor-signature.ts';

/** As Node presents header names. */
export const SIGNATURE_HEADER = PROCESSOR_SIGNATURE_HEADER.toLowerCase();

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function mac(secret: string, timestamp: number, method: string, path: string, body: Uint8Array): Buffer {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(signatureBase(timestamp, method, path, bodyHash)).digest();
}

/** The header the Worker would send (tests sign with it). */
export function signRequest(secret: string, timestamp: number, method: string, path: string, body: Uint8Array): string {
  return formatSignature(timestamp, mac(secret, timestamp, method, path, body).toString('hex'));
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
  const parsed = parseSignature(header);
  if (!parsed) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(nowSeconds - parsed.timestamp) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'signature expired' };
  const expected = mac(secret, parsed.timestamp, method, path, body);
  const given = Buffer.from(parsed.macHex, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
