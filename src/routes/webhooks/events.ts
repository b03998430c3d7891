/**
 * What a webhook event carries: `data` is the resource exactly as the API returns it, rendered by
 * the resource's own presenter (handed to the dispatcher by src/worker.ts), and the OpenAPI
 * document describes every event type under `webhooks` with that same schema.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { getClip } from '../../db/repos/clips.ts';
import { getJob } from '../../db/repos/jobs.ts';
import { getPublication } from '../../db/repos/publications.ts';
import { getSourceVideoSummary } from '../../db/repos/source-videos.ts';
import { EVENT_SUBJECTS, type EventSubject } from '../../db/repos/webhook-events.ts';
import { type WebhookEventType, webhookEventTypes } from '../../db/schema.ts';
import type { EventDataRenderer } from '../../webhooks/dispatch.ts';
import { WEBHOOK_SIGNATURE_HEADER } from '../../webhooks/signature.ts';
import { ClipResponse, toClipResponse } from '../clips/presenter.ts';
import { JobResponse, toJobResponseWithUrls } from '../jobs/presenter.ts';
import { PublicationResponse, toPublicationResponse } from '../postiz/presenter.ts';
import { SourceVideoResponse, toSourceVideoResponse } from '../source-videos/presenter.ts';
import { tags } from './presenter.ts';

export const renderEventData: EventDataRenderer = async (env, scope, subject, id) => {
  switch (subject) {
    case 'job': {
      const row = await getJob(scope, id);
      return row ? toJobResponseWithUrls(env, scope, row) : null;
    }
    case 'source_video': {
      const row = await getSourceVideoSummary(scope, id);
      return row ? toSourceVideoResponse(env, scope, row) : null;
    }
    case 'clip': {
      const row = await getClip(scope, id, { includeDeleted: true });
      return row ? toClipResponse(env, scope, row) : null;
    }
    case 'publication': {
      const row = await getPublication(scope, id);
      return row ? toPublicationResponse(row) : null;
    }
  }
};

const DATA_SCHEMAS: Record<EventSubject, z.ZodType> = {
  job: JobResponse,
  source_video: SourceVideoResponse,
  clip: ClipResponse,
  publication: PublicationResponse,
};

const DESCRIPTIONS: Record<WebhookEventType, string> = {
  'source_video.ready': 'An uploaded source video was probed and is ready (thumbnail, waveform, metadata).',
  'source_video.failed': 'An upload could not be used (not a video, over the declared limits, unreadable).',
  'job.completed': 'A job finished; `data.result` holds what it produced.',
  'job.failed': 'A job failed for good (after its retries); `data.error` says why.',
  'job.canceled': 'A job was cancelled (before or while it ran).',
  'clip.rendered': 'A final render of a clip finished; `data` is the clip with its rendered video.',
  'publication.published': 'Postiz published a clip on every channel of the publication.',
  'publication.failed': 'Postiz could not publish (or reported a channel in error).',
  'publication.canceled': 'A draft or scheduled publication was withdrawn (its Postiz posts deleted).',
};

/** `source_video.ready` → `SourceVideoReadyEvent`. */
const schemaName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Event`;

const DeliveryHeaders = z.object({
  [WEBHOOK_SIGNATURE_HEADER.toLowerCase()]: z.string().openapi({
    description:
      '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (one `v1` per secret during a rotation).',
    example: 't=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
  }),
  'cutroom-event-id': z.string().openapi({ description: 'The event id (`id` in the body): deduplicate on it.' }),
  'cutroom-event-type': z.enum(webhookEventTypes),
  'cutroom-delivery-id': z.string().openapi({ description: 'This delivery (see the delivery log).' }),
  'cutroom-delivery-attempt': z.string().openapi({ description: 'Attempt number, from 1.' }),
});

/** Every event type under the document's `webhooks`, with its body and headers. */
export function documentWebhookEvents(registry: OpenAPIHono['openAPIRegistry']): void {
  for (const type of webhookEventTypes) {
    const body = z
      .object({
        id: z.string().openapi({ example: 'evt_01jd2v4m8r0000000000000000' }),
        type: z.literal(type),
        created_at: z.string().openapi({ description: 'When the change happened (ISO 8601).' }),
        profile_id: z.string(),
        data: DATA_SCHEMAS[EVENT_SUBJECTS[type]],
      })
      .openapi(schemaName(type));
    registry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `webhook.${type}`,
      tags,
      // Sent by us to the receiver: no bearer token; the receiver checks the signature header.
      security: [],
      summary: type,
      description: `${DESCRIPTIONS[type]} Sent to endpoints subscribed to \`${type}\` (or \`*\`); see docs/webhooks.md.`,
      request: {
        headers: DeliveryHeaders,
        body: { required: true, content: { 'application/json': { schema: body } } },
      },
      responses: {
        200: { description: 'Any 2xx acknowledges the delivery; anything else (or no answer in 10 s) is retried.' },
      },
    });
  }
}
