/**
 * GET /api/v1/profiles/{profile_id}/retention/preview: the dry run of retention (docs/api.md#retention).
 * What the next hourly run would delete for this profile and why, and what it keeps because
 * something still needs it. The settings themselves are fields of the profile.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createDb } from '../../db/client.ts';
import { scopeForVerifiedProfile } from '../../db/scope.ts';
import { clipHolds, jobHolds, sourceHolds } from '../../db/repos/retention.ts';
import { RETENTION_BATCH, planRetention } from '../../housekeeping/retention.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProfile } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createUserRouter } from '../../http/router.ts';
import { tags } from './presenter.ts';

const ProfileIdParam = idParam('profile_id', 'profile');

const item = <R extends [string, ...string[]], H extends [string, ...string[]]>(reasons: R, holds: H) =>
  z.object({
    id: z.string(),
    name: z.string().nullable(),
    reason: z.enum(reasons).openapi({ description: 'Why it is due' }),
    since: z.string().openapi({ description: 'When the reason started counting (date, last use, trashing, finish)' }),
    held_by: z.enum(holds).nullable().openapi({ description: 'What still needs it (then it is kept), or null' }),
  });

const group = <T extends z.ZodTypeAny>(row: T) =>
  z.object({
    delete: z.array(row).openapi({ description: `What the next run deletes (at most ${RETENTION_BATCH})` }),
    held: z.array(row).openapi({ description: `Due but kept because still needed (at most ${RETENTION_BATCH})` }),
  });

const RetentionPreview = z
  .object({
    generated_at: z.string(),
    policy: z.object({
      source_days: z
        .number()
        .nullable()
        .openapi({ description: 'In effect (profile setting bounded by the deployment)' }),
      output_days: z.number().nullable(),
      trash_days: z.number(),
    }),
    source_videos: group(item(['delete_after', 'unused'], [...sourceHolds])),
    clips: group(item(['delete_after', 'trash_expired'], [...clipHolds])),
    jobs: group(item(['delete_after', 'outputs_expired'], [...jobHolds])),
  })
  .openapi('RetentionPreview');

type Row = { id: string; name: string | null; reason: string; since: string; held_by: string | null };
const present = ({ id, name, reason, since, held_by }: Row) => ({ id, name, reason, since, held_by });

export function profileRetentionRoutes() {
  return createUserRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'previewProfileRetention',
      path: '/{profile_id}/retention/preview',
      tags,
      security,
      summary: 'Dry run: what retention would delete next, and why',
      description:
        'Nothing is deleted. Lists what the next hourly run deletes for this profile (source videos, clips, jobs with their outputs) with the reason, and what is due but kept because a project, clip, job or scheduled publication still needs it.',
      request: { params: ProfileIdParam },
      responses: { 200: jsonContent(RetentionPreview, 'Retention preview'), ...errorResponses },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const profile = await ownedProfile(db, c.get('principal').userId, c.req.valid('param').profile_id);
      const plan = await planRetention(c.env, scopeForVerifiedProfile(db, { profileId: profile.id }));
      const both = (g: { delete: Row[]; held: Row[] }) => ({
        delete: g.delete.map(present),
        held: g.held.map(present),
      });
      return c.json(
        {
          generated_at: plan.generated_at,
          policy: plan.policy,
          source_videos: both(plan.source_videos),
          clips: both(plan.clips),
          jobs: both(plan.jobs),
        } as z.infer<typeof RetentionPreview>,
        200,
      );
    },
  );
}
