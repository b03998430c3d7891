/**
 * The timestamped HMAC-SHA256 signature header both of Cutroom's signed channels use (the scheme
 * Stripe popularised): `t=<unix seconds>,v1=<hex HMAC>[,v1=<hex HMAC>…]`. What is signed differs
 * per channel (processor requests: shared/processor/signature.ts; webhooks: src/webhooks/signature.ts);
 * the header, the MAC and its constant-time check are this module. Several `v1` values let a sender
 * sign with two secrets while one replaces the other.
 */
import { toHex } from './encoding.ts';

const encoder = new TextEncoder();

function hmacKey(secret: string, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

const bytesOf = (input: string | Uint8Array) =>
  (typeof input === 'string' ? encoder.encode(input) : input) as Uint8Array<ArrayBuffer>;

/** HMAC-SHA256 of `input` under `secret`, as lowercase hex. */
export async function hmacHex(secret: string, input: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), bytesOf(input)));
}

/** Whether `hex` is the HMAC of `input` under `secret`; constant-time (`crypto.subtle.verify`). */
export async function hmacMatches(secret: string, input: string | Uint8Array, hex: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const given = new Uint8Array(32);
  for (let i = 0; i < given.length; i++) given[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), given, bytesOf(input));
}

export function formatSignatureHeader(timestamp: number, macs: readonly string[]): string {
  return [`t=${timestamp}`, ...macs.map((mac) => `v1=${mac}`)].join(',');
}

/** The timestamp and `v1` MACs of a header; null when it is not one (no `t`, no well-formed `v1`). */
export function parseSignatureHeader(header: string | null | undefined): { timestamp: number; macs: string[] } | null {
  if (!header) return null;
  let timestamp: number | null = null;
  const macs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) macs.push(value.toLowerCase());
  }
  return timestamp === null || !macs.length ? null : { timestamp, macs };
}
