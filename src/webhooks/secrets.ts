/**
 * Endpoint signing secrets: `whsec_` and 32 random bytes (base64url). Stored sealed with the
 * deployment's ENCRYPTION_KEY, bound to the profile (src/core/secret-box.ts): the plain secret is
 * shown once, when it is made, and is needed again only to sign.
 */
import { toBase64Url } from '../../shared/encoding.ts';
import type { Bindings } from '../core/env.ts';
import { openSecret, sealSecret } from '../core/secret-box.ts';
import type { WebhookEndpointRow } from '../db/repos/webhooks.ts';

export const SECRET_PREFIX = 'whsec_';

export function newSigningSecret(): string {
  return SECRET_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export const sealSigningSecret = (env: Bindings, profileId: string, secret: string) =>
  sealSecret(env.ENCRYPTION_KEY, profileId, secret);

/** The secrets a delivery is signed with now: the current one, and the previous one while its overlap lasts. */
export async function signingSecrets(env: Bindings, endpoint: WebhookEndpointRow, at = Date.now()): Promise<string[]> {
  const secrets = [await openSecret(env.ENCRYPTION_KEY, endpoint.profileId, endpoint.secretSealed)];
  const previousValid =
    endpoint.previousSecretSealed &&
    endpoint.previousSecretExpiresAt &&
    Date.parse(endpoint.previousSecretExpiresAt) > at;
  if (previousValid)
    secrets.push(await openSecret(env.ENCRYPTION_KEY, endpoint.profileId, endpoint.previousSecretSealed!));
  return secrets;
}
