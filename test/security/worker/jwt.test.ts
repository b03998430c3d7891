/**
 * JWT corpus: every token an attacker can make (or replay) is refused with 401, the one error
 * shape and a `WWW-Authenticate: Bearer` challenge, on a tenant route, a user route and an unknown
 * API path (which must not reveal what exists). Valid HS256 and RS256 tokens are accepted on the
 * same routes, so the refusals are about the tokens.
 */
import { env } from 'cloudflare:workers';
import { SignJWT, base64url, exportSPKI, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { expect, inject } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../helpers/test-config.ts';
import { call } from '../../helpers/worker/api.ts';
import { uniqueUserId } from '../../helpers/worker/tenants.ts';
import { signRsaToken, signToken } from '../../helpers/worker/tokens.ts';
import { casesOf } from '../support/cases.ts';
import { expectErrorShape } from './requests.ts';

const attack = casesOf('jwt');

const ROUTES = ['/api/v1/jobs', '/api/v1/profiles', '/api/v1/no-such-route'];
const now = () => Math.floor(Date.now() / 1000);
const text = (value: unknown) => base64url.encode(JSON.stringify(value));
const secret = () => new TextEncoder().encode(env.JWT_SECRET!);

const claims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: uniqueUserId('jwt'),
  iss: TEST_ISSUER,
  aud: TEST_AUDIENCE,
  iat: now(),
  exp: now() + 3600,
  ...extra,
});

/** A token from raw header and payload JSON, signed with HS256 and `key` (or with `signature`). */
async function rawToken(header: object, payload: object, key: Uint8Array | string = secret()): Promise<string> {
  const signingInput = `${text(header)}.${text(payload)}`;
  if (typeof key === 'string') return `${signingInput}.${key}`;
  const hmac = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64url.encode(new Uint8Array(mac))}`;
}

const hs = (payload: JWTPayload, header: Record<string, unknown> = {}, key = secret()) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(key);

async function attackerRsa(header: Record<string, unknown> = {}) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'test-rsa', ...header }).sign(privateKey);
}

const flipFirst = (segment: string) => (segment[0] === 'A' ? 'B' : 'A') + segment.slice(1);

/** Each case: what the Authorization header carries (undefined: no header). */
const CORPUS: Record<string, () => Promise<string | undefined>> = {
  'no Authorization header': async () => undefined,
  'an empty bearer': async () => 'Bearer ',
  'another scheme (Basic)': async () => 'Basic dXNlcjpwYXNz',
  'the token without a scheme': async () => await signToken({ sub: uniqueUserId() }),
  'two tokens in one header': async () => {
    const t = await signToken({ sub: uniqueUserId() });
    return `Bearer ${t}, Bearer ${t}`;
  },
  'alg none': async () => `Bearer ${await rawToken({ alg: 'none', typ: 'JWT' }, claims(), '')}`,
  'alg none with a signature': async () => `Bearer ${await rawToken({ alg: 'none' }, claims(), 'c2lnbmF0dXJl')}`,
  'alg NoNe (case variant)': async () => `Bearer ${await rawToken({ alg: 'NoNe' }, claims(), '')}`,
  'HS256 signed with the RSA public key (PEM): HS/RS confusion': async () => {
    const pem = await exportSPKI((await importJWK(inject('rsaPublicJwk'), 'RS256')) as CryptoKey);
    return `Bearer ${await rawToken({ alg: 'HS256', kid: 'test-rsa' }, claims(), new TextEncoder().encode(pem))}`;
  },
  'HS256 signed with the RSA public key (JWK JSON): HS/RS confusion': async () => {
    const jwk = new TextEncoder().encode(JSON.stringify(inject('rsaPublicJwk')));
    return `Bearer ${await rawToken({ alg: 'HS256', kid: 'test-rsa' }, claims(), jwk)}`;
  },
  'HS384 with the right secret (algorithm not pinned)': async () =>
    `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'HS384' }).sign(secret())}`,
  'HS512 with the right secret (algorithm not pinned)': async () =>
    `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(secret())}`,
  'HS256 with a wrong secret': async () =>
    `Bearer ${await hs(claims(), {}, new TextEncoder().encode('not-the-secret-0123456789abcdef0123456789'))}`,
  // HMAC pads keys with zeros, so one zero byte signs exactly as an empty key (which WebCrypto refuses).
  'HS256 with an empty secret': async () => `Bearer ${await rawToken({ alg: 'HS256' }, claims(), new Uint8Array(1))}`,
  'RS256 with another key under the JWKS kid': async () => `Bearer ${await attackerRsa()}`,
  'RS256 with an unknown kid': async () => `Bearer ${await attackerRsa({ kid: 'no-such-key' })}`,
  'kid path traversal': async () => `Bearer ${await attackerRsa({ kid: '../../../../../../dev/null' })}`,
  'kid SQL injection': async () => `Bearer ${await attackerRsa({ kid: "' OR '1'='1" })}`,
  'embedded jwk header (the attacker’s own key)': async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await crypto.subtle.exportKey('jwk', publicKey as CryptoKey);
    return `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', jwk: jwk as never }).sign(privateKey)}`;
  },
  'jku header pointing at the attacker’s key set': async () =>
    `Bearer ${await attackerRsa({ jku: 'https://attacker.invalid/jwks.json', kid: 'attacker' })}`,
  'x5u header pointing at the attacker’s certificate': async () =>
    `Bearer ${await attackerRsa({ x5u: 'https://attacker.invalid/cert.pem' })}`,
  'ES256 with a random key': async () => {
    const { privateKey } = await generateKeyPair('ES256');
    return `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'test-rsa' }).sign(privateKey)}`;
  },
  'PS256 with the JWKS’s own private key (algorithm not pinned)': async () => {
    const key = await importJWK({ ...inject('rsaPrivateJwk'), alg: 'PS256' }, 'PS256');
    return `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'PS256', kid: 'test-rsa' }).sign(key)}`;
  },
  'expired an hour ago': async () => `Bearer ${await signToken({ sub: uniqueUserId(), expiresIn: -3600 })}`,
  'expired just past the clock leeway': async () =>
    `Bearer ${await signToken({ sub: uniqueUserId(), expiresIn: -90 })}`,
  'no exp': async () => `Bearer ${await signToken({ sub: uniqueUserId(), omitExp: true })}`,
  'absurd exp (1e20)': async () => `Bearer ${await hs(claims({ exp: 1e20 }))}`,
  'exp as a string': async () => `Bearer ${await rawToken({ alg: 'HS256' }, { ...claims(), exp: String(now() + 60) })}`,
  'nbf an hour in the future': async () => `Bearer ${await signToken({ sub: uniqueUserId(), notBefore: 3600 })}`,
  'iss of another issuer': async () => `Bearer ${await signToken({ sub: uniqueUserId(), issuer: 'someone-else' })}`,
  'aud of another API': async () => `Bearer ${await signToken({ sub: uniqueUserId(), audience: 'another-api' })}`,
  'no iss': async () => `Bearer ${await hs({ ...claims(), iss: undefined })}`,
  'no aud': async () => `Bearer ${await hs({ ...claims(), aud: undefined })}`,
  'no sub': async () => `Bearer ${await hs({ ...claims(), sub: undefined })}`,
  'an empty sub': async () => `Bearer ${await hs(claims({ sub: '' }))}`,
  'a 300-character sub': async () => `Bearer ${await hs(claims({ sub: 'u'.repeat(300) }))}`,
  'a numeric sub': async () => `Bearer ${await rawToken({ alg: 'HS256' }, { ...claims(), sub: 42 })}`,
  'a profiles claim that is not a list': async () => `Bearer ${await hs(claims({ profiles: 'prf_x' }))}`,
  'an unknown critical header extension': async () =>
    `Bearer ${await rawToken({ alg: 'HS256', crit: ['urn:x'], 'urn:x': 1 }, claims())}`,
  'payload tampered (sub changed, signature kept)': async () => {
    const [h, , s] = (await signToken({ sub: uniqueUserId() })).split('.');
    return `Bearer ${h}.${text(claims({ sub: 'someone-else' }))}.${s}`;
  },
  'signature tampered': async () => {
    const [h, p, s] = (await signToken({ sub: uniqueUserId() })).split('.');
    return `Bearer ${h}.${p}.${flipFirst(s!)}`;
  },
  'signature removed': async () => {
    const [h, p] = (await signToken({ sub: uniqueUserId() })).split('.');
    return `Bearer ${h}.${p}.`;
  },
  'oversized token (100 KB, forged)': async () =>
    `Bearer ${await rawToken({ alg: 'HS256' }, claims({ pad: 'x'.repeat(100_000) }), 'Zm9yZ2Vk')}`,
  'malformed base64': async () => 'Bearer eyJ!!!.@@@.###',
  'base64 with padding': async () => {
    const [h, p, s] = (await signToken({ sub: uniqueUserId() })).split('.');
    return `Bearer ${h}==.${p}.${s}`;
  },
  'a header that is not JSON': async () => `Bearer ${base64url.encode('not json')}.${text(claims())}.c2ln`,
  'a payload that is not JSON': async () => `Bearer ${text({ alg: 'HS256' })}.${base64url.encode('not json')}.c2ln`,
  'wrong typ: a JWE (five parts)': async () => `Bearer ${text({ alg: 'dir', enc: 'A256GCM' })}..aXY.Y2lwaGVy.dGFn`,
  'wrong typ: a forged token typed JWE': async () =>
    `Bearer ${await rawToken({ alg: 'HS256', typ: 'JWE' }, claims(), new TextEncoder().encode('guess'))}`,
};

for (const [name, header] of Object.entries(CORPUS)) {
  for (const path of ROUTES) {
    attack(`${name} › GET ${path}`, async () => {
      const authorization = await header();
      const res = await call(path, { headers: authorization === undefined ? {} : { Authorization: authorization } });
      expect(res.status, res.text.slice(0, 300)).toBe(401);
      expectErrorShape(res, name);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="cutroom"/);
    });
  }
}

for (const [name, token] of Object.entries({
  HS256: () => signToken({ sub: uniqueUserId('jwt-ok') }),
  RS256: () => signRsaToken({ sub: uniqueUserId('jwt-ok') }),
})) {
  for (const path of ROUTES.slice(0, 2)) {
    attack(`control: a valid ${name} token is accepted › GET ${path}`, async () => {
      const res = await call(path, { token: await token() });
      expect(res.status, res.text.slice(0, 300)).toBe(200);
    });
  }
}
