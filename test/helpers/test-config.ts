/** Secrets, issuer and audience of every test layer: the local values of scripts/local-config.ts. */
import { DEV_AUTH } from '../../scripts/local-config.ts';

export { TEST_SECRETS } from '../../scripts/local-config.ts';

export const TEST_ISSUER = DEV_AUTH.AUTH_ISSUER;
export const TEST_AUDIENCE = DEV_AUTH.AUTH_AUDIENCE;
