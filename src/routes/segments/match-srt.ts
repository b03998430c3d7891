/** POST /api/v1/segments/match-srt: this profile's segments whose keywords occur in an SRT. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { parseSrt } from '../../core/srt.ts';
import { keywordSources } from '../../db/repos/segments.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { matchKeywords } from '../../library/keyword-matcher.ts';
import { tags } from './segment-input.ts';

const MatchSrtRequest = z
  .object({
    srt_content: z.string().min(1).max(500_000),
    min_confidence: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .openapi('SrtMatchRequest');

const SegmentMatch = z
  .object({
    segment_id: z.string(),
    source_video_id: z.string(),
    keyword: z.string(),
    srt_timestamp: z.number().openapi({ description: 'Start of the subtitle, seconds' }),
    srt_end: z.number(),
    text: z.string(),
    confidence: z.number(),
  })
  .openapi('SegmentMatch');

const SrtProblem = z
  .object({ block: z.number().int(), line: z.number().int(), reason: z.string() })
  .openapi('SrtProblem');

export function segmentMatchSrtRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'matchSegmentsToSrt',
      path: '/match-srt',
      tags,
      security,
      summary: "Find this profile's segments whose keywords occur in an SRT",
      description:
        'Keywords and subtitle text are compared with diacritics folded and punctuation removed: exact word 1.0, word starting with the keyword 0.95, keyword inside a word 0.9, otherwise a similarity ratio kept when ≥ `min_confidence`; the same keyword again within 1 s is dropped. Sorted by time. Broken SRT blocks are skipped and reported: their count in `X-SRT-Problems`, and with `?format=full` the body is `{matches, problems}`. An SRT with no readable cue is a 400.',
      request: {
        body: jsonBody(MatchSrtRequest),
        query: z.object({ format: z.enum(['array', 'full']).default('array') }),
      },
      responses: {
        200: jsonContent(
          z.union([z.array(SegmentMatch), z.object({ matches: z.array(SegmentMatch), problems: z.array(SrtProblem) })]),
          'Matches',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const input = c.req.valid('json');
      const { cues, problems } = parseSrt(input.srt_content);
      if (!cues.length) {
        throw new ApiError(
          400,
          'validation_failed',
          problems.length ? `The SRT has no readable cue (${problems.length} broken block(s))` : 'The SRT has no cues',
          {
            details: problems.map((p) => ({
              path: 'srt_content',
              message: `block ${p.block} (line ${p.line}): ${p.reason}`,
            })),
          },
        );
      }
      const sources = await keywordSources(scope);
      const videoOf = new Map(sources.map((s) => [s.id, s.sourceVideoId]));
      const matches = matchKeywords(
        cues,
        sources.map((s) => ({ segment_id: s.id, keywords: s.keywords })),
        input.min_confidence,
      ).map((m) => ({
        segment_id: m.segment_id,
        source_video_id: videoOf.get(m.segment_id)!,
        keyword: m.keyword,
        srt_timestamp: m.srt_timestamp,
        srt_end: m.srt_end,
        text: m.text,
        confidence: m.confidence,
      }));
      c.header('X-SRT-Problems', String(problems.length));
      if (c.req.valid('query').format === 'full') return c.json({ matches, problems }, 200);
      return c.json(matches, 200);
    },
  );
}
