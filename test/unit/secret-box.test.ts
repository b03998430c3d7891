import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { maskSecret, openSecret, sealSecret } from '../../src/core/secret-box.ts';

describe('secret box', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the output', async () => {
    const a = await sealSecret(env.ENCRYPTION_KEY, 'prf_a', 'postiz-key-123456');
    const b = await sealSecret(env.ENCRYPTION_KEY, 'prf_a', 'postiz-key-123456');
    expect(a).not.toBe(b);
    expect(a).not.toContain('postiz');
    expect(await openSecret(env.ENCRYPTION_KEY, 'prf_a', a)).toBe('postiz-key-123456');
  });

  it('does not decrypt under another profile or after tampering', async () => {
    const sealed = await sealSecret(env.ENCRYPTION_KEY, 'prf_a', 'secret');
    await expect(openSecret(env.ENCRYPTION_KEY, 'prf_b', sealed)).rejects.toThrow('could not be decrypted');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    await expect(openSecret(env.ENCRYPTION_KEY, 'prf_a', tampered)).rejects.toThrow();
  });

  it('refuses a missing or malformed key', async () => {
    await expect(sealSecret(undefined, 'p', 'x')).rejects.toThrow('not configured');
    await expect(sealSecret(btoa('short'), 'p', 'x')).rejects.toThrow('32 bytes');
  });

  it('masks all but the last four characters', () => {
    expect(maskSecret('abcdefgh1234')).toBe('••••1234');
    expect(maskSecret('abc')).toBe('••••');
  });
});
