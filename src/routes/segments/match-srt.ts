/** POST /api/v1/segments/match-srt: this profile's segments whose keywords occur in an SRT. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { idSchema } from '../../core/ids.ts';
import { parseSrt } from '../../core/srt.ts';
import { transcriptSrt } from '../../library/transcripts.ts';
import { keywordSources } from '../../db/repos/segments.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { type KeywordMatch, MatchWorkExceeded, matchKeywords, matchWorkError } from '../../library/keyword-matcher.ts';
import { MAX_MATCH_SEGMENTS } from '../../core/limits.ts';
import { tags } from './segment-input.ts';

const MatchSrtRequest = z
  .object({
    srt_content: z.string().min(1).max(500_000).optional(),
    /** Match a transcript's SRT (POST …/transcribe) instead of `srt_content`. */
    transcript_id: idSchema('transcript')
      .optional()
      .openapi({ description: "Match this transcript's SRT instead of `srt_content`" }),
    min_confidence: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .refine((v) => (v.srt_content === undefined) !== (v.transcript_id === undefined), {
    error: 'Send exactly one of `srt_content` or `transcript_id`',
  })
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
        'Keywords and subtitle text are compared with diacritics folded and punctuation removed: exact word 1.0, word starting with the keyword 0.95, keyword inside a word 0.9, otherwise a similarity ratio kept when ≥ `min_confidence`; the same keyword again within 1 s is dropped. Sorted by time. Broken SRT blocks are skipped and reported: their count in `X-SRT-Problems`, and with `?format=full` the body is `{matches, problems}`. An SRT with no readable cue is a 400. Send `transcript_id` instead of `srt_content` to match a transcript of this profile (404 otherwise). The matching work is bounded: an SRT and keyword set that would need more (about an hour of subtitles against 500 distinct keywords fits) answers 422 `too_much_work` saying what to reduce (docs/api.md#bounded-work).',
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
      const srt = input.transcript_id ? await transcriptSrt(scope, input.transcript_id) : input.srt_content!;
      const { cues, problems } = parseSrt(srt);
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
      const sources = await keywordSources(scope, MAX_MATCH_SEGMENTS + 1);
      if (sources.length > MAX_MATCH_SEGMENTS) {
        throw new ApiError(
          422,
          'too_much_work',
          `This profile has more than ${MAX_MATCH_SEGMENTS} segments with keywords; matching searches at most that many`,
        );
      }
      const videoOf = new Map(sources.map((s) => [s.id, s.sourceVideoId]));
      let found: KeywordMatch[];
      try {
        found = matchKeywords(
          cues,
          sources.map((s) => ({ segment_id: s.id, keywords: s.keywords })),
          input.min_confidence,
        );
      } catch (err) {
        if (err instanceof MatchWorkExceeded) throw matchWorkError(err);
        throw err;
      }
      const matches = found.map((m) => ({
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
