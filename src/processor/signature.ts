/**
 * Signing of Worker → processor requests (WebCrypto, so it runs in the Worker and in Node):
 * `X-Cutroom-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "{t}.{METHOD}.{path}.{sha256hex(body)}")>`.
 * The processor accepts it for ±300 s (container/src/http/signature.ts verifies it).
 */
import { sha256Hex, toHex } from '../../shared/encoding.ts';

export const PROCESSOR_SIGNATURE_HEADER = 'X-Cutroom-Signature';

const encoder = new TextEncoder();

export async function signProcessorRequest(
  secret: string,
  method: string,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const bodyHash = await sha256Hex(bytes);
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const base = `${nowSeconds}.${method.toUpperCase()}.${path}.${bodyHash}`;
  const mac = toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(base)));
  return `t=${nowSeconds},v1=${mac}`;
}
