/**
 * A publication after it was created: approve a draft, withdraw (cancel / DELETE) a draft or a
 * scheduled post, its analytics; and the next free slot of the profile's channels.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import {
  ANALYTICS_DAYS,
  ANALYTICS_TTL_MS,
  approvePublication,
  nextFreeSlots,
  publicationAnalytics,
  withdrawPublication,
} from '../../publishing/publication-actions.ts';
import { PublicationResponse, tags, toPublicationResponse } from './presenter.ts';

const PublicationIdParam = idParam('publication_id', 'publication');

const ApprovalResponse = z
  .object({
    sent: z.boolean().openapi({
      description: 'True when this call scheduled the draft in Postiz; false when it was approved already.',
    }),
    publication: PublicationResponse,
  })
  .openapi('PublicationApproval');

const Metric = z.object({
  label: z.string().openapi({ description: "The provider's own label (Likes, Views, Impressions, …)." }),
  total: z.number().openapi({ description: 'Latest value of the series.' }),
  series: z.array(z.object({ date: z.string(), total: z.number() })),
  percentage_change: z.number().nullable(),
});

const AnalyticsResponse = z
  .object({
    publication_id: z.string(),
    fetched_at: z.string(),
    cached: z.boolean().openapi({ description: `Served from the last fetch (kept ${ANALYTICS_TTL_MS / 60_000} min).` }),
    days: z.number().int(),
    posts: z.array(
      z.object({
        post_id: z.string(),
        integration_id: z.string(),
        platform: z.string().nullable(),
        metrics: z.array(Metric).openapi({ description: 'Empty when Postiz has no post analytics for the platform.' }),
      }),
    ),
  })
  .openapi('PublicationAnalytics');

const SlotQuery = z.object({
  integration_id: z
    .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(50)])
    .optional()
    .openapi({ description: "Channel id(s), repeatable; the profile's default channels when omitted." }),
});

const SlotsResponse = z
  .object({
    slots: z.array(z.object({ integration_id: z.string(), platform: z.string(), date: z.string() })),
  })
  .openapi('PostizFreeSlots');

const withdrawDescription =
  'Deletes the Postiz posts of a `draft` or `scheduled` publication (`DELETE /posts/group/{group}`) and marks it `cancelled`; a second call answers the cancelled publication. 409 `conflict` (`details.reason`) once it was published (checked against Postiz first), while it is still being sent, or when it failed.';

/** `/cancel` and DELETE: two spellings of one withdrawal. */
const withdrawRoute = <M extends 'post' | 'delete', P extends string>(
  method: M,
  operationId: string,
  path: P,
  summary: string,
  description: string,
) =>
  createRoute({
    method,
    operationId,
    path,
    tags,
    security,
    summary,
    description,
    request: { params: PublicationIdParam },
    responses: { 200: jsonContent(PublicationResponse, 'Cancelled'), ...conflictResponse, ...errorResponses },
  });

export function postizPublicationActionRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'approvePublication',
        path: '/publications/{publication_id}/approve',
        tags,
        security,
        summary: 'Approve a draft publication (sends it once)',
        description:
          'Moves the Postiz drafts to the queue (`PUT /posts/{id}/status {"status":"schedule"}`): they go out at their date, or at once when it has passed. Any member of the profile may approve. Only the first approve sends anything (`sent: true`); later ones answer the publication as it is (`sent: false`). 409 `conflict` for a publication that never was a draft.',
        request: { params: PublicationIdParam },
        responses: { 200: jsonContent(ApprovalResponse, 'Approved'), ...conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const { publication, sent } = await approvePublication(
          c.env,
          c.get('scope'),
          c.req.valid('param').publication_id,
        );
        return c.json({ sent, publication: toPublicationResponse(publication) }, 200);
      },
    )
    .openapi(
      withdrawRoute(
        'post',
        'cancelPublication',
        '/publications/{publication_id}/cancel',
        'Withdraw a draft or scheduled publication',
        withdrawDescription,
      ),
      async (c) => {
        const row = await withdrawPublication(c.env, c.get('scope'), c.req.valid('param').publication_id);
        return c.json(toPublicationResponse(row), 200);
      },
    )
    .openapi(
      withdrawRoute(
        'delete',
        'deletePublication',
        '/publications/{publication_id}',
        'Withdraw a draft or scheduled publication (same as /cancel)',
        `${withdrawDescription} The publication stays listed, as \`cancelled\`.`,
      ),
      async (c) => {
        const row = await withdrawPublication(c.env, c.get('scope'), c.req.valid('param').publication_id);
        return c.json(toPublicationResponse(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getPublicationAnalytics',
        path: '/publications/{publication_id}/analytics',
        tags,
        security,
        summary: "A published publication's analytics per channel",
        description: `Postiz's \`GET /analytics/post/{id}?date=${ANALYTICS_DAYS}\` for each channel post, kept ${ANALYTICS_TTL_MS / 60_000} minutes (\`refresh=true\` asks again). Metrics and labels are the platform's; a platform without post analytics gives an empty list. 409 \`conflict\` before the publication is published.`,
        request: {
          params: PublicationIdParam,
          query: z.object({ refresh: z.enum(['true', 'false']).optional() }),
        },
        responses: { 200: jsonContent(AnalyticsResponse, 'Analytics'), ...conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const id = c.req.valid('param').publication_id;
        const result = await publicationAnalytics(c.env, c.get('scope'), id, {
          refresh: c.req.valid('query').refresh === 'true',
        });
        return c.json(
          {
            publication_id: id,
            fetched_at: result.fetchedAt,
            cached: result.cached,
            days: ANALYTICS_DAYS,
            posts: result.analytics.posts.map((p) => ({ ...p, metrics: p.metrics as z.infer<typeof Metric>[] })),
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'findPostizSlot',
        path: '/find-slot',
        tags,
        security,
        summary: 'The next free posting slot of each channel',
        description:
          "Postiz's `GET /find-slot/{id}` per channel (its own time table of the channel's posting times). 404 for a channel the profile's Postiz organisation does not have.",
        request: { query: SlotQuery },
        responses: { 200: jsonContent(SlotsResponse, 'Slots'), ...conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const raw = c.req.valid('query').integration_id;
        const ids = raw === undefined ? undefined : Array.isArray(raw) ? raw : [raw];
        return c.json({ slots: await nextFreeSlots(c.env, c.get('scope'), ids) }, 200);
      },
    );
}
