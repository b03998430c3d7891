/** The Worker's WebCrypto signer and the processor's verifier agree, and nothing else passes. */
import { describe, expect, it } from 'vitest';
import { signProcessorRequest } from '../../../shared/processor-signature.ts';
import { signRequest, verifySignature } from '../../src/http/signature.ts';

const SECRET = 'unit-test-secret-0123456789abcdef';
const body = new TextEncoder().encode('{"input":{"url":"https://api.example/media/x"}}');

describe('request signature', () => {
  it('the Worker signer and the processor signer produce the same header', async () => {
    const t = 1_800_000_000;
    expect(await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, t)).toBe(signRequest(SECRET, t, 'POST', '/v1/probe', body));
  });

  it('verifies within ±300 s and refuses outside, or with another body, path or secret', async () => {
    const t = 1_800_000_000;
    const header = await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, t);
    expect(verifySignature(header, SECRET, 'POST', '/v1/probe', body, t + 300)).toEqual({ ok: true });
    expect(verifySignature(header, SECRET, 'POST', '/v1/probe', body, t - 300)).toEqual({ ok: true });
    expect(verifySignature(header, SECRET, 'POST', '/v1/probe', body, t + 301)).toMatchObject({ ok: false, reason: 'signature expired' });
    expect(verifySignature(header, SECRET, 'POST', '/v1/probe', new Uint8Array([1]), t)).toMatchObject({ ok: false, reason: 'bad signature' });
    expect(verifySignature(header, SECRET, 'POST', '/v1/render', body, t)).toMatchObject({ ok: false });
    expect(verifySignature(header, `${SECRET}x`, 'POST', '/v1/probe', body, t)).toMatchObject({ ok: false });
    expect(verifySignature(undefined, SECRET, 'POST', '/v1/probe', body, t)).toMatchObject({ ok: false, reason: 'missing signature' });
  });
});
