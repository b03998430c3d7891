import { env } from 'cloudflare:workers';
import { SignJWT, UnsecuredJWT, exportJWK, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { call } from '../helpers/worker/api.ts';
import { seedProfile, seedUser, uniqueUserId } from '../helpers/worker/tenants.ts';
import { signRsaToken, signToken } from '../helpers/worker/tokens.ts';
import { TEST_AUDIENCE, TEST_ISSUER } from '../helpers/test-config.ts';

const PROFILES = '/api/v1/profiles/';

async function expect401(token: string | undefined, headers: Record<string, string> = {}) {
  const res = await call(PROFILES, { token, headers });
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('unauthorized');
  expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
  expect(res.body.error.request_id).toBe(res.headers.get('X-Request-Id'));
  return res;
}

describe('bearer token checks', () => {
  it('rejects a request without a token', async () => {
    const res = await expect401(undefined);
    expect(res.body.error.message).toBe('Authentication required');
  });

  it('rejects a malformed Authorization header', async () => {
    await expect401(undefined, { Authorization: 'Token abc' });
    await expect401(undefined, { Authorization: 'Bearer not-a-jwt' });
    await expect401(undefined, { Authorization: 'Basic dXNlcjpwYXNz' });
  });

  it('rejects an expired token, beyond the 30 s leeway', async () => {
    const res = await expect401(await signToken({ expiresIn: -120 }));
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('accepts a token expired within the 30 s leeway', async () => {
    const res = await call(PROFILES, { token: await signToken({ sub: uniqueUserId(), expiresIn: -10 }) });
    expect(res.status).toBe(200);
  });

  it('rejects a token that is not valid yet (nbf)', async () => {
    const res = await expect401(await signToken({ notBefore: 600 }));
    expect(res.body.error.message).toMatch(/not valid yet/);
  });

  it('rejects a token with an absurd or too long lifetime (24 h unless configured)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: { exp: number; iat?: number }) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uniqueUserId());
      jwt.setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime(claims.exp);
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      return jwt.sign(new TextEncoder().encode(env.JWT_SECRET!));
    };
    const absurd = await expect401(await sign({ exp: 1e20 }));
    expect(absurd.body.error.message).toMatch(/lifetime/);
    await expect401(await signToken({ sub: uniqueUserId(), expiresIn: 25 * 3600 }));
    // Issued two days ago, still valid for an hour: lived 49 h.
    await expect401(await sign({ iat: now - 48 * 3600, exp: now + 3600 }));
    expect(
      (await call(PROFILES, { token: await signToken({ sub: uniqueUserId(), expiresIn: 23 * 3600 }) })).status,
    ).toBe(200);
    expect((await call(PROFILES, { token: await sign({ exp: now + 3600 }) })).status).toBe(200);
  });

  it('rejects a token without exp', async () => {
    await expect401(await signToken({ omitExp: true }));
  });

  it('rejects a token without sub', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(env.JWT_SECRET!));
    await expect401(token);
  });

  it('rejects wrong issuer and wrong audience', async () => {
    await expect401(await signToken({ issuer: 'someone-else' }));
    await expect401(await signToken({ audience: 'another-api' }));
  });

  it('rejects alg "none"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = new UnsecuredJWT({ sub: 'attacker' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(now + 60)
      .encode();
    await expect401(token);
  });

  it('rejects a tampered signature and a tampered payload', async () => {
    const token = await signToken({ sub: 'victim' });
    const [h, p, s] = token.split('.');
    // Change the first character: it always carries signature bits.
    const flipped = (s!.startsWith('A') ? 'B' : 'A') + s!.slice(1);
    await expect401(`${h}.${p}.${flipped}`);
    const forged = btoa(JSON.stringify({ sub: 'attacker', exp: 9999999999, iss: TEST_ISSUER, aud: TEST_AUDIENCE }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    await expect401(`${h}.${forged}.${s}`);
  });

  it('rejects a token signed with another secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('some-other-secret-of-sufficient-length!!'));
    await expect401(token);
  });

  it('accepts a token it verified before only under the same key settings', async () => {
    const token = await signToken({ sub: uniqueUserId('remembered') });
    expect((await call(PROFILES, { token })).status).toBe(200);
    // Remembered by this isolate now; another secret or issuer must still refuse it.
    const other = await call(PROFILES, { token, env: { JWT_SECRET: 'some-other-secret-of-sufficient-length!!' } });
    expect(other.status).toBe(401);
    expect((await call(PROFILES, { token, env: { AUTH_ISSUER: 'someone-else' } })).status).toBe(401);
    expect((await call(PROFILES, { token })).status).toBe(200);
  });

  it('rejects an HS256 token signed with the public key (key confusion)', async () => {
    const publicJwk = inject('rsaPublicJwk');
    const now = Math.floor(Date.now() / 1000);
    // The attacker uses the published RSA key material as an HMAC secret.
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await new SignJWT({ sub: 'attacker' })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-rsa' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(secret);
    await expect401(token);
  });

  it('accepts RS256 tokens verified against the JWKS', async () => {
    const res = await call(PROFILES, { token: await signRsaToken({ sub: uniqueUserId('rsa') }) });
    expect(res.status).toBe(200);
    expect(res.body[0].is_default).toBe(true);
  });

  it('refuses every token while a JWKS is configured without the issuer and audience to check', async () => {
    const token = await signRsaToken({ sub: uniqueUserId('jwks') });
    expect((await call(PROFILES, { token })).status).toBe(200);
    for (const missing of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
      const res = await call(PROFILES, { token, env: { [missing]: '' } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('not_configured');
    }
  });

  it('rejects RS256 tokens signed by a key outside the JWKS', async () => {
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const key = await importJWK(jwk, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-rsa' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(key);
    await expect401(token);
  });
});

describe('active profile resolution', () => {
  it('creates the default profile on first use', async () => {
    const user = await seedUser();
    const res = await call(PROFILES, { token: user.token });
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({ id: user.profileId, is_default: true, name: 'Default Profile' });
  });

  it('creates exactly one default profile under concurrent first requests', async () => {
    const token = await signToken({ sub: uniqueUserId('race') });
    const responses = await Promise.all(Array.from({ length: 10 }, () => call(PROFILES, { token })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const final = await call(PROFILES, { token });
    expect(final.body).toHaveLength(1);
  });

  it('answers 400 for a malformed X-Profile-Id', async () => {
    const user = await seedUser();
    const res = await call('/api/v1/jobs', { token: user.token, profileId: "' OR 1=1 --" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });

  it("answers 404 for an unknown profile and 403 for another user's profile", async () => {
    const alice = await seedUser('alice');
    const bob = await seedUser('bob');
    const unknown = await call('/api/v1/jobs', { token: alice.token, profileId: 'prf_00000000000000000000000000' });
    expect(unknown.status).toBe(404);
    const foreign = await call('/api/v1/jobs', { token: alice.token, profileId: bob.profileId });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('forbidden');
  });

  it('honours the profiles claim: a header outside it is 403, inside it works', async () => {
    const owner = await seedUser('claims');
    const second = await seedProfile(owner);
    const restricted = await signToken({ sub: owner.userId, profiles: [second.profileId] });
    const denied = await call('/api/v1/jobs', { token: restricted, profileId: owner.profileId });
    expect(denied.status).toBe(403);
    const noHeader = await call('/api/v1/jobs', { token: restricted });
    expect(noHeader.status).toBe(403);
    const allowed = await call('/api/v1/jobs', { token: restricted, profileId: second.profileId });
    expect(allowed.status).toBe(200);
  });
});
