/** POST /api/v1/profiles/{profile_id}/set-default: makes a profile the user's default, atomically. */
import { createRoute } from '@hono/zod-openapi';
import { createDb } from '../../db/client.ts';
import { setDefaultProfile } from '../../db/repos/profiles.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProfile } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createUserRouter } from '../../http/router.ts';
import { ProfileResponse, tags, toProfileResponse } from './presenter.ts';

const ProfileIdParam = idParam('profile_id', 'profile');

export function profileSetDefaultRoutes() {
  return createUserRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'setDefaultProfile',
      path: '/{profile_id}/set-default',
      tags,
      security,
      summary: 'Make a profile the default',
      description: 'Atomic: exactly one default profile per user at every moment.',
      request: { params: ProfileIdParam },
      responses: { 200: jsonContent(ProfileResponse, 'New default profile'), ...errorResponses },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { userId } = c.get('principal');
      const id = c.req.valid('param').profile_id;
      await ownedProfile(db, userId, id);
      return c.json(toProfileResponse(await setDefaultProfile(db, userId, id)), 200);
    },
  );
}
