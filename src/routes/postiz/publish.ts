/**
 * POST /api/v1/postiz/publish and /bulk-publish: every check first, then one `publish_clip` job per
 * clip (Idempotency-Key supported); a failed send cancels what was queued.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { TenantContext } from '../../http/context.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import {
  conflictResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { checkJobLimits, enqueueJobs } from '../../jobs/producer.ts';
import { type PublishSpec, planPublish } from '../../publishing/publish-plan.ts';
import { ClipId, tags, unprocessable } from './presenter.ts';

const Caption = z
  .string()
  .max(70_000)
  .openapi({ description: "Checked against every channel's caption limit before anything is queued." });
const IntegrationIds = z.array(z.string().min(1).max(200)).min(1).max(50).optional().openapi({
  description: "Postiz channel ids; the profile's default channels (PUT /config integration_ids) when omitted.",
});
const ScheduleDate = z.iso.datetime({ offset: true }).optional().openapi({
  description: 'ISO date (`Z` or an offset) of the (first) post; publish now when omitted.',
  example: '2026-12-01T14:00:00Z',
});
const Settings = z.record(z.string().min(1).max(200), z.record(z.string(), z.unknown())).optional().openapi({
  description:
    'Per-channel Postiz settings keyed by integration id, merged over the platform defaults (e.g. `{"int-yt": {"title": "My short"}}`).',
});

const Captions = z
  .record(z.string().min(1).max(200), z.string().max(70_000))
  .optional()
  .openapi({
    description:
      "Per-channel captions keyed by integration id, replacing `caption` on that channel (checked against that channel's limit).",
    example: { 'int-x': 'Short one for X', 'int-linkedin': 'The longer LinkedIn story…' },
  });
const FirstComments = z.record(z.string().min(1).max(200), z.string().max(70_000)).optional().openapi({
  description:
    'Per-channel first comment keyed by integration id (Postiz `value[1]`): X, Bluesky, Threads, LinkedIn, Facebook, Instagram. A channel without comments (TikTok, YouTube) answers 422.',
});
const Draft = z.boolean().optional().openapi({
  description:
    'Create Postiz drafts instead of posting: the publication waits in `draft` until POST /publications/{id}/approve.',
});

const PublishRequest = z
  .object({
    clip_id: ClipId,
    caption: Caption,
    integration_ids: IntegrationIds,
    schedule_date: ScheduleDate,
    settings: Settings,
    captions: Captions,
    first_comments: FirstComments,
    draft: Draft,
  })
  .strict()
  .openapi('PostizPublishRequest');

export const MAX_BULK_PUBLISH = 50;
const BulkPublishRequest = z
  .object({
    clip_ids: z.array(ClipId).min(1).max(MAX_BULK_PUBLISH),
    caption: Caption,
    integration_ids: IntegrationIds,
    schedule_date: ScheduleDate,
    schedule_interval_minutes: z.number().int().min(1).max(10_080).default(30),
    settings: Settings,
    captions: Captions,
    first_comments: FirstComments,
    draft: Draft,
  })
  .strict()
  .openapi('PostizBulkPublishRequest');

const PublishResponse = z
  .object({
    status: z.literal('processing'),
    job_id: z.string().openapi({ description: 'The (first) job; its progress route covers the whole bulk publish.' }),
    job_ids: z.array(z.string()),
    publication_ids: z.array(z.string()),
    message: z.string(),
    post_id: z.null(),
    clips: z.array(
      z.object({
        clip_id: z.string(),
        job_id: z.string(),
        publication_id: z.string(),
        post_type: z.enum(['now', 'schedule']),
        date: z.string().nullable().openapi({ description: 'Exact publish date for scheduled posts; null for "now".' }),
      }),
    ),
  })
  .openapi('PostizPublishResponse');

function publishMessage(
  clips: number,
  channels: number,
  first: { postType: 'now' | 'schedule'; date: string | null },
  interval?: number,
): string {
  const where = `${channels} channel${channels === 1 ? '' : 's'}`;
  const when = first.postType === 'now' ? 'now' : `for ${first.date}`;
  if (clips === 1) return first.postType === 'now' ? `Publishing to ${where}` : `Scheduling on ${where} ${when}`;
  return `Publishing ${clips} clips to ${where}: the first ${when}, then one every ${interval} minutes`;
}

/** Plans (every check), then queues one job per clip, all or none. */
async function queuePublish(c: TenantContext, spec: PublishSpec) {
  const scope = c.get('scope');
  const plan = await planPublish(c.env, scope, spec);
  await checkJobLimits(scope, c.env, plan.jobs.length);
  const rows = await enqueueJobs(
    scope,
    c.env,
    plan.jobs.map((input) => ({
      type: 'publish_clip' as const,
      input,
      options: { resourceType: 'publish_batch', resourceId: plan.batchId },
    })),
  );
  const first = plan.jobs[0]!;
  const body: z.infer<typeof PublishResponse> = {
    status: 'processing',
    job_id: rows[0]!.id,
    job_ids: rows.map((r) => r.id),
    publication_ids: plan.jobs.map((j) => j.publication_id),
    message: publishMessage(
      plan.jobs.length,
      first.integrations.length,
      { postType: first.post_type, date: first.date },
      spec.intervalMinutes,
    ),
    post_id: null,
    clips: plan.jobs.map((j, i) => ({
      clip_id: j.clip_id,
      job_id: rows[i]!.id,
      publication_id: j.publication_id,
      post_type: j.post_type,
      date: j.date,
    })),
  };
  return { status: 202, body };
}

/** Both publish routes answer alike: 202 with the queued jobs, or why nothing was queued. */
const publishResponses = {
  202: jsonContent(PublishResponse, 'Queued'),
  ...conflictResponse,
  ...unprocessable,
  ...rateLimitResponse,
  ...errorResponses,
};

export function postizPublishRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'publishClip',
        path: '/publish',
        tags,
        security,
        summary: 'Publish or schedule a rendered clip',
        description:
          'Checks first, queues nothing on any problem: clip of this profile (404), Postiz configured (409 `not_configured`), clip rendered, channels enabled, caption, first comment, settings and the aspect ratio and duration of the rendered video valid for each channel (422 `not_publishable` with per-clip and per-channel `details`). Then queues one `publish_clip` job. Supports `Idempotency-Key`.',
        request: { body: jsonBody(PublishRequest) },
        responses: publishResponses,
      }),
      async (c) => {
        const input = c.req.valid('json');
        const response = await idempotentJson(c, input, () =>
          queuePublish(c, {
            clipIds: [input.clip_id],
            caption: input.caption,
            integrationIds: input.integration_ids,
            scheduleDate: input.schedule_date,
            intervalMinutes: 0,
            settings: input.settings,
            captions: input.captions,
            firstComments: input.first_comments,
            draft: input.draft,
          }),
        );
        // idempotentJson answers the stored (or fresh) 202 body itself.
        return response as never;
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'bulkPublishClips',
        path: '/bulk-publish',
        tags,
        security,
        summary: 'Publish or schedule several rendered clips at intervals',
        description: `Clip k (0-based, in the order given) goes out at \`schedule_date + k × schedule_interval_minutes\` (or now + k × interval). Same checks as /publish for every clip, all before anything is queued; problems are reported per clip. At most ${MAX_BULK_PUBLISH} clips. One job per clip; \`job_id\`'s progress covers the whole batch. Supports \`Idempotency-Key\`.`,
        request: { body: jsonBody(BulkPublishRequest) },
        responses: publishResponses,
      }),
      async (c) => {
        const input = c.req.valid('json');
        const response = await idempotentJson(c, input, () =>
          queuePublish(c, {
            clipIds: input.clip_ids,
            caption: input.caption,
            integrationIds: input.integration_ids,
            scheduleDate: input.schedule_date,
            intervalMinutes: input.schedule_interval_minutes,
            settings: input.settings,
            captions: input.captions,
            firstComments: input.first_comments,
            draft: input.draft,
          }),
        );
        return response as never;
      },
    );
}
