/** The one signature module (WebCrypto) against the scheme computed independently with node:crypto; nothing else passes. */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signProcessorRequest,
  verifyProcessorSignature as verifySignature,
} from '../../../shared/processor/signature.ts';

const SECRET = 'unit-test-secret-0123456789abcdef';
const body = new TextEncoder().encode('{"input":{"url":"https://api.example/media/x"}}');

/** The documented scheme, spelled out with node:crypto. */
function signRequest(secret: string, t: number, method: string, path: string, bytes: Uint8Array): string {
  const base = `${t}.${method.toUpperCase()}.${path}.${createHash('sha256').update(bytes).digest('hex')}`;
  return `t=${t},v1=${createHmac('sha256', secret).update(base).digest('hex')}`;
}

describe('request signature', () => {
  it('the Worker signer and the processor signer produce the same header', async () => {
    const t = 1_800_000_000;
    expect(await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, t)).toBe(
      signRequest(SECRET, t, 'POST', '/v1/probe', body),
    );
  });

  it('verifies within ±300 s and refuses outside, or with another body, path or secret', async () => {
    const t = 1_800_000_000;
    const header = await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, t);
    expect(await verifySignature(header, SECRET, 'POST', '/v1/probe', body, t + 300)).toEqual({ ok: true });
    expect(await verifySignature(header, SECRET, 'POST', '/v1/probe', body, t - 300)).toEqual({ ok: true });
    expect(await verifySignature(header, SECRET, 'POST', '/v1/probe', body, t + 301)).toMatchObject({
      ok: false,
      reason: 'signature expired',
    });
    expect(await verifySignature(header, SECRET, 'POST', '/v1/probe', new Uint8Array([1]), t)).toMatchObject({
      ok: false,
      reason: 'bad signature',
    });
    expect(await verifySignature(header, SECRET, 'POST', '/v1/render', body, t)).toMatchObject({ ok: false });
    expect(await verifySignature(header, `${SECRET}x`, 'POST', '/v1/probe', body, t)).toMatchObject({ ok: false });
    expect(await verifySignature(undefined, SECRET, 'POST', '/v1/probe', body, t)).toMatchObject({
      ok: false,
      reason: 'missing signature',
    });
  });
});
