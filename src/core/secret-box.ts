/**
 * Credentials at rest (e.g. a profile's Postiz API key): AES-256-GCM with the ENCRYPTION_KEY
 * secret, a random 96-bit IV per value, and the owning profile id as additional data, so a
 * ciphertext copied into another profile's row does not decrypt. Format: `v1.<iv>.<ciphertext>`
 * (base64url).
 */
import { fromBase64, fromBase64Url, toBase64Url } from '../../shared/encoding.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Sealed parts are always written canonically, so anything else is not ours: refuse it. */
function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const bytes = fromBase64Url(text);
  if (!bytes) throw new SecretBoxError('not base64url');
  return bytes;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

async function importKey(base64Key: string | undefined): Promise<CryptoKey> {
  if (!base64Key) throw new SecretBoxError('ENCRYPTION_KEY is not configured');
  let raw: Uint8Array;
  try {
    raw = fromBase64(base64Key);
  } catch {
    throw new SecretBoxError('ENCRYPTION_KEY must be base64');
  }
  if (raw.length !== 32) throw new SecretBoxError('ENCRYPTION_KEY must decode to 32 bytes');
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function sealSecret(base64Key: string | undefined, profileId: string, plaintext: string): Promise<string> {
  const key = await importKey(base64Key);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: enc.encode(profileId) },
    key,
    enc.encode(plaintext),
  );
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

export async function openSecret(base64Key: string | undefined, profileId: string, sealed: string): Promise<string> {
  const key = await importKey(base64Key);
  const [version, iv, ct] = sealed.split('.');
  if (version !== 'v1' || !iv || !ct) throw new SecretBoxError('unknown secret format');
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromB64url(iv), additionalData: enc.encode(profileId) },
      key,
      fromB64url(ct),
    );
    return dec.decode(plain);
  } catch {
    throw new SecretBoxError('secret could not be decrypted');
  }
}

/** For display: `••••1234`. Never returns more than the last four characters. */
export function maskSecret(plaintext: string): string {
  return plaintext.length <= 4 ? '••••' : `••••${plaintext.slice(-4)}`;
}
