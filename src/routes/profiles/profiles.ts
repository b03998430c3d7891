/**
 * /api/v1/profiles: a user's brands (docs/compatibility.md#routes-profiles). User-scoped: a profile of another user answers
 * 403 (it exists but is not yours), an unknown id 404, as the auth middleware does for X-Profile-Id.
 */
import { type RouteHandler, createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { nameField, textField } from '../../core/names.ts';
import { createDb } from '../../db/client.ts';
import {
  countProfiles,
  createProfile,
  deleteProfile,
  ensureDefaultProfile,
  listProfiles,
  updateProfile,
} from '../../db/repos/profiles.ts';
import { errorResponse, errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import type { UserEnv } from '../../http/context.ts';
import { ownedProfile } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createUserRouter } from '../../http/router.ts';
import { deploymentJobLimits, enqueueSystemTask } from '../../jobs/producer.ts';
import { profilePrefix } from '../../storage/keys.ts';
import { retentionCeilings } from '../../housekeeping/retention.ts';
import { ProfileResponse, tags, toProfileResponse } from './presenter.ts';

export const MAX_PROFILES_PER_USER = 50;

const retentionDays = (description: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(36_500)
    .nullable()
    .optional()
    .openapi({ description: `${description}; never above the deployment's limit (400)` });

const settingsShape = {
  tts_provider: z.enum(['elevenlabs', 'local']).optional().openapi({
    description: '`elevenlabs` when a key is configured (falls back to local), `local` = eSpeak NG always.',
  }),
  elevenlabs_voice_id: z.string().trim().min(1).max(64).nullable().optional(),
  elevenlabs_model: z.string().trim().min(1).max(64).nullable().optional(),
  local_voice: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,16})?$/i, 'must be an eSpeak NG voice like "en-us"')
    .nullable()
    .optional(),
  gemini_model: z
    .string()
    .trim()
    .regex(/^[a-z0-9.-]{3,64}$/, 'must be a Gemini model id')
    .nullable()
    .optional(),
  default_caption_template: z.string().max(5000).nullable().optional(),
  monthly_budget_usd: z.number().min(0).max(1_000_000).nullable().optional(),
  max_concurrent_jobs: z.number().int().min(1).max(100).nullable().optional().openapi({
    description: "Lowers the deployment's MAX_CONCURRENT_JOBS for this profile (never above it: 400)",
  }),
  daily_processing_minutes: z.number().int().min(1).max(100_000).nullable().optional().openapi({
    description: "Lowers the deployment's DAILY_PROCESSING_MINUTES for this profile (never above it: 400)",
  }),
  source_retention_days: retentionDays(
    "Deletes a source video this many days after its last use (docs/api.md#retention); null = the deployment's SOURCE_RETENTION_DAYS (unset: kept)",
  ),
  output_retention_days: retentionDays(
    "Deletes a finished job's outputs (and the job) this many days after it finished; null = the deployment's OUTPUT_RETENTION_DAYS (unset: kept)",
  ),
  trash_retention_days: retentionDays(
    "Purges a trashed clip this many days after it was trashed; null = the deployment's TRASH_RETENTION_DAYS (30)",
  ),
};

const ProfileCreate = z
  .object({
    name: nameField(100),
    description: textField(1000).nullable().optional(),
    ...settingsShape,
  })
  .strict()
  .openapi('ProfileCreate');

const ProfileUpdate = ProfileCreate.partial().strict().openapi('ProfileUpdate');

type ProfileInput = z.infer<typeof ProfileUpdate>;
/**
 * A profile may lower its job limits and retention periods, never raise them past the deployment's:
 * 400 with the ceiling (MAX_CONCURRENT_JOBS, DAILY_PROCESSING_MINUTES, *_RETENTION_DAYS) in the message.
 */
function checkLimitsWithinDeployment(env: Bindings, input: ProfileInput) {
  const caps = deploymentJobLimits(env);
  const issues: { path: string; message: string }[] = [];
  if (input.max_concurrent_jobs != null && input.max_concurrent_jobs > caps.maxActive)
    issues.push({
      path: 'max_concurrent_jobs',
      message: `must be at most ${caps.maxActive} (this deployment's MAX_CONCURRENT_JOBS)`,
    });
  if (input.daily_processing_minutes != null && input.daily_processing_minutes > caps.maxMinutes)
    issues.push({
      path: 'daily_processing_minutes',
      message: `must be at most ${caps.maxMinutes} (this deployment's DAILY_PROCESSING_MINUTES)`,
    });
  const retention = retentionCeilings(env);
  const ceilings = [
    ['source_retention_days', retention.sourceDays, 'SOURCE_RETENTION_DAYS'],
    ['output_retention_days', retention.outputDays, 'OUTPUT_RETENTION_DAYS'],
    ['trash_retention_days', retention.trashDays, 'TRASH_RETENTION_DAYS'],
  ] as const;
  for (const [field, cap, variable] of ceilings) {
    const value = input[field];
    if (value != null && cap !== null && value > cap)
      issues.push({ path: field, message: `must be at most ${cap} (this deployment's ${variable})` });
  }
  if (issues.length) {
    throw new ApiError(400, 'validation_failed', `Invalid request body: ${issues[0]!.path}: ${issues[0]!.message}`, {
      details: issues,
    });
  }
}
function toColumns(input: ProfileInput) {
  const map = {
    name: 'name',
    description: 'description',
    tts_provider: 'ttsProvider',
    elevenlabs_voice_id: 'elevenlabsVoiceId',
    elevenlabs_model: 'elevenlabsModel',
    local_voice: 'localVoice',
    gemini_model: 'geminiModel',
    default_caption_template: 'defaultCaptionTemplate',
    monthly_budget_usd: 'monthlyBudgetUsd',
    max_concurrent_jobs: 'maxConcurrentJobs',
    daily_processing_minutes: 'dailyProcessingMinutes',
    source_retention_days: 'sourceRetentionDays',
    output_retention_days: 'outputRetentionDays',
    trash_retention_days: 'trashRetentionDays',
  } as const;
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(map)) {
    const value = input[key as keyof ProfileInput];
    if (value !== undefined) out[column] = value;
  }
  return out;
}

const ProfileIdParam = idParam('profile_id', 'profile');

/** PUT and PATCH are the same update (PATCH is the original's alias). */
const updateRoute = (method: 'put' | 'patch') =>
  createRoute({
    method,
    operationId: method === 'put' ? 'updateProfile' : 'patchProfile',
    path: '/{profile_id}',
    tags,
    security,
    summary: method === 'put' ? 'Update a profile' : 'Update a profile (PATCH alias)',
    request: { params: ProfileIdParam, body: jsonBody(ProfileUpdate) },
    responses: { 200: jsonContent(ProfileResponse, 'Updated'), ...errorResponses },
  });

const updateHandler: RouteHandler<ReturnType<typeof updateRoute>, UserEnv> = async (c) => {
  const db = createDb(c.env.DB);
  const { userId } = c.get('principal');
  const id = c.req.valid('param').profile_id;
  const existing = await ownedProfile(db, userId, id);
  const input = c.req.valid('json');
  checkLimitsWithinDeployment(c.env, input);
  const changes = toColumns(input);
  const row = Object.keys(changes).length ? await updateProfile(db, userId, id, changes) : existing;
  return c.json(toProfileResponse(row ?? existing), 200);
};

export function profileRoutes() {
  return createUserRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listProfiles',
        path: '/',
        tags,
        security,
        summary: "List the caller's profiles",
        description: 'Default profile first, then oldest first. A new user gets a default profile here.',
        responses: { 200: jsonContent(z.array(ProfileResponse), 'Profiles'), ...errorResponses },
      }),
      async (c) => {
        const db = createDb(c.env.DB);
        const { userId } = c.get('principal');
        await ensureDefaultProfile(db, userId);
        const rows = await listProfiles(db, userId);
        return c.json(rows.map(toProfileResponse), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'createProfile',
        path: '/',
        tags,
        security,
        summary: 'Create a profile',
        request: { body: jsonBody(ProfileCreate) },
        responses: {
          201: jsonContent(ProfileResponse, 'Created'),
          ...errorResponses,
          409: errorResponse(409, 'Profile limit reached'),
        },
      }),
      async (c) => {
        const db = createDb(c.env.DB);
        const { userId } = c.get('principal');
        const input = c.req.valid('json');
        checkLimitsWithinDeployment(c.env, input);
        await ensureDefaultProfile(db, userId);
        if ((await countProfiles(db, userId)) >= MAX_PROFILES_PER_USER) {
          throw new ApiError(409, 'conflict', `A user can have at most ${MAX_PROFILES_PER_USER} profiles`);
        }
        const row = await createProfile(db, userId, { ...toColumns(input), name: input.name });
        return c.json(toProfileResponse(row), 201);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getProfile',
        path: '/{profile_id}',
        tags,
        security,
        summary: 'Get a profile',
        request: { params: ProfileIdParam },
        responses: { 200: jsonContent(ProfileResponse, 'Profile'), ...errorResponses },
      }),
      async (c) => {
        const db = createDb(c.env.DB);
        const row = await ownedProfile(db, c.get('principal').userId, c.req.valid('param').profile_id);
        return c.json(toProfileResponse(row), 200);
      },
    )

    .openapi(updateRoute('put'), updateHandler)

    .openapi(updateRoute('patch'), updateHandler)

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteProfile',
        path: '/{profile_id}',
        tags,
        security,
        summary: 'Delete a profile',
        description:
          'Deletes a non-default profile with all of its data (rows cascade; its stored media is purged in the background).',
        request: { params: ProfileIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), profile_id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const db = createDb(c.env.DB);
        const { userId } = c.get('principal');
        const id = c.req.valid('param').profile_id;
        const profile = await ownedProfile(db, userId, id);
        if (profile.isDefault) {
          throw new ApiError(
            400,
            'bad_request',
            'The default profile cannot be deleted; make another profile the default first',
          );
        }
        if (!(await deleteProfile(db, userId, id))) throw new ApiError(404, 'not_found', 'Profile not found');
        await enqueueSystemTask(c.env, { task: 'purge_prefix', prefix: profilePrefix(id) });
        return c.json({ status: 'deleted' as const, profile_id: id }, 200);
      },
    );
}
