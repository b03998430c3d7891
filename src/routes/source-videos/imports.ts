/**
 * POST /api/v1/segments/source-videos/imports: a source video fetched from a public https URL by a
 * job (src/source-videos/url-import.ts), then probed as an upload is. The URL is checked here
 * (422 `url_refused`) and again, with every redirect, when the job fetches it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { MAX_UPLOAD_BYTES } from '../../core/limits.ts';
import { IMPORT_MAX_DURATION_SECONDS, IMPORT_MAX_REDIRECTS } from '../../core/limits.ts';
import { nameField, textField } from '../../core/names.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import {
  budgetResponse,
  errorResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { createImport } from '../../source-videos/url-import.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { SourceVideoResponse, tags, toSourceVideoResponse } from './presenter.ts';

const ImportCreate = z
  .object({
    url: z.string().min(1).max(2048).openapi({
      description: 'A public https URL of the video file (redirects are followed, each target checked)',
      example: 'https://media.example.com/footage/take-3.mp4',
    }),
    name: nameField(255),
    description: textField(5000).nullable().optional(),
    max_size_bytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_UPLOAD_BYTES)
      .optional()
      .openapi({ description: `The import fails when the file is larger (default and ceiling: ${MAX_UPLOAD_BYTES})` }),
    max_duration_seconds: z
      .number()
      .positive()
      .max(IMPORT_MAX_DURATION_SECONDS)
      .optional()
      .openapi({
        description: `The probe fails the video when it is longer (default and ceiling: ${IMPORT_MAX_DURATION_SECONDS})`,
      }),
  })
  .strict()
  .openapi('ImportCreate');

const ImportCreated = JobResponse.extend({ source_video: SourceVideoResponse }).openapi('ImportCreated');

export function sourceVideoImportRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'createSourceVideoImport',
      path: '/imports',
      tags,
      security,
      summary: 'Import a source video from a URL',
      description: `Creates the video (\`pending_upload\` while it downloads) and the \`import_source_video\` job (202) that streams the file into storage and probes it; the video then becomes \`ready\`, or \`failed\` with the reason (\`too_large\`, \`url_refused\`, \`fetch_failed\`, \`invalid_media\`, \`limits_exceeded\`, …). Only https URLs of public hosts: loopback, private, link-local and cloud metadata addresses are refused (422 \`url_refused\`), by name and by where the name resolves; at most ${IMPORT_MAX_REDIRECTS} redirects, each checked the same way. A download that stops is resumed with a Range request when the origin supports ranges, else started again. Supports \`Idempotency-Key\`.`,
      request: { body: jsonBody(ImportCreate) },
      responses: {
        202: jsonContent(ImportCreated, 'Import queued'),
        ...errorResponses,
        ...budgetResponse,
        ...rateLimitResponse,
        422: errorResponse(422, 'The URL is refused', ['url_refused']),
        503: errorResponse(503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const scope = c.get('scope');
      return idempotentJson(c, body, async () => {
        const { video, job } = await createImport(c.env, scope, {
          url: body.url,
          name: body.name,
          description: body.description ?? null,
          maxSizeBytes: body.max_size_bytes ?? null,
          maxDurationSeconds: body.max_duration_seconds ?? null,
        });
        return {
          status: 202,
          body: { ...toJobResponse(job), source_video: await toSourceVideoResponse(c.env, scope, video) },
        };
      }) as never;
    },
  );
}
