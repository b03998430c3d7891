/**
 * How the Worker signs its requests to the processor and the processor checks them, one scheme for
 * both sides: `X-Cutroom-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret,
 * "{t}.{METHOD}.{path}.{sha256hex(body)}")>`, accepted within ±300 s of the processor's clock. The
 * body hash binds the signature to this exact request; the timestamp bounds replays.
 */
import { sha256Hex, toHex } from './encoding.ts';

export const PROCESSOR_SIGNATURE_HEADER = 'X-Cutroom-Signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The string the HMAC covers. */
export function signatureBase(timestamp: number, method: string, path: string, bodySha256Hex: string): string {
  return `${timestamp}.${method.toUpperCase()}.${path}.${bodySha256Hex}`;
}

export function formatSignature(timestamp: number, macHex: string): string {
  return `t=${timestamp},v1=${macHex}`;
}

/** The timestamp and MAC of a header, or null when it is not `t=<digits>,v1=<64 hex>`. */
export function parseSignature(header: string): { timestamp: number; macHex: string } | null {
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) return null;
  return { timestamp: Number(t), macHex: v1 };
}

const encoder = new TextEncoder();

/** Signs with WebCrypto, so it runs in the Worker (and in Node, for tests). */
export async function signProcessorRequest(
  secret: string,
  method: string,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const bodyHash = await sha256Hex(typeof body === 'string' ? encoder.encode(body) : body);
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(signatureBase(nowSeconds, method, path, bodyHash))));
  return formatSignature(nowSeconds, mac);
}
