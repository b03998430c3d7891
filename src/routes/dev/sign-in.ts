/**
 * Dev sign-in: a token for any user id, so the studio can be tried locally without an identity
 * provider. It exists only when the dev-only setting `DEV_SIGN_IN = "1"` is on (`npm start` sets
 * it; wrangler.toml never does) and the Worker's PUBLIC_URL is a loopback URL; otherwise both routes
 * answer 404 like any unknown path.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { signUserToken } from '../../auth/sign-token.ts';
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { isLoopbackHost } from '../../core/urls.ts';
import { errorResponses, jsonBody, jsonContent } from '../../http/openapi.ts';
import { createPublicRouter } from '../../http/router.ts';

/** Dev tokens last a working day. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

const DevSignInStatus = z.object({ enabled: z.literal(true) }).openapi('DevSignInStatus');
const DevSignInRequest = z
  .object({
    user_id: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - (at most 64)')
      .openapi({ example: 'alice' }),
  })
  .openapi('DevSignInRequest');
const DevSignInResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    user_id: z.string(),
  })
  .openapi('DevSignInResponse');

function devSignInEnabled(env: Bindings): boolean {
  if (env.DEV_SIGN_IN !== '1' || !env.JWT_SECRET || !env.PUBLIC_URL) return false;
  try {
    return isLoopbackHost(new URL(env.PUBLIC_URL));
  } catch {
    return false;
  }
}

function requireDevSignIn(env: Bindings, method: string, path: string): string {
  if (!devSignInEnabled(env)) throw new ApiError(404, 'not_found', `No route for ${method} ${path}`);
  return env.JWT_SECRET!;
}

const description =
  'Local development only: answers 404 unless the dev-only setting `DEV_SIGN_IN` is "1" and `PUBLIC_URL` is a loopback URL. Never enabled by the production configuration.';

export function devSignInRoutes() {
  return createPublicRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/sign-in',
        operationId: 'getDevSignIn',
        tags: ['Development'],
        summary: 'Is dev sign-in available? (local development only)',
        description,
        responses: { 200: jsonContent(DevSignInStatus, 'Dev sign-in is on'), 404: errorResponses[404] },
      }),
      (c) => {
        requireDevSignIn(c.env, 'GET', c.req.path);
        return c.json({ enabled: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/sign-in',
        operationId: 'createDevSignInToken',
        tags: ['Development'],
        summary: 'A token for a user id (local development only)',
        description,
        request: { body: jsonBody(DevSignInRequest) },
        responses: {
          200: jsonContent(DevSignInResponse, 'A signed user token'),
          400: errorResponses[400],
          404: errorResponses[404],
        },
      }),
      async (c) => {
        const secret = requireDevSignIn(c.env, 'POST', c.req.path);
        const { user_id } = c.req.valid('json');
        const access_token = await signUserToken({
          secret,
          sub: user_id,
          ttlSeconds: DEV_TOKEN_TTL_SECONDS,
          issuer: c.env.AUTH_ISSUER || undefined,
          audience: c.env.AUTH_AUDIENCE || undefined,
        });
        return c.json({ access_token, token_type: 'Bearer' as const, expires_in: DEV_TOKEN_TTL_SECONDS, user_id }, 200);
      },
    );
}
