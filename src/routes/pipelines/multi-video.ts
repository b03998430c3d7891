/**
 * POST /api/v1/jobs/multi-video (docs/compatibility.md#multi-video): variants with keyword-timed inserts from secondary
 * videos, as a job. Inputs are files or ids of owned source videos; never paths.
 */
import { z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { parseSrt } from '../../core/srt.ts';
import { assertMatchWorkFits } from '../../library/keyword-matcher.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { formList, optionalText } from '../../http/form-fields.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { clampedNumber, jobVideo, numberField, outputNameField, sourceVideoIdField } from '../processing/inputs.ts';
import { SRT_INPUT, srtOf, storeSrt, subtitleSettingsField, transcriptIdField } from './srt-input.ts';

const tags = ['Pipelines'];

const secondaryFields = {
  secondary_keywords_1: formList.optional(),
  secondary_keywords_2: formList.optional(),
  secondary_keywords_3: formList.optional(),
  secondary_source_video_id_1: sourceVideoIdField.optional(),
  secondary_source_video_id_2: sourceVideoIdField.optional(),
  secondary_source_video_id_3: sourceVideoIdField.optional(),
};

const MultiFields = z.object({
  main_source_video_id: sourceVideoIdField.optional(),
  source_video_id: sourceVideoIdField.optional(),
  output_name: outputNameField,
  target_duration: numberField(20, 1, 600),
  subtitle_settings: subtitleSettingsField,
  variant_count: clampedNumber(1, 1, 10, true),
  secondary_segment_duration: clampedNumber(2, 0.5, 5),
  srt_content: optionalText(1_000_000),
  /** A transcript's SRT instead of a file (POST …/transcribe). */
  transcript_id: transcriptIdField,
  ...secondaryFields,
});

export function multiVideoRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'processMultiVideo',
      path: '/multi-video',
      tags,
      summary: 'Variants with keyword-timed inserts from secondary videos (job)',
      description:
        'Upload `main_video` (or `main_source_video_id`), an `srt` (required: it times the inserts and is burned in; or `srt_content`, or the `transcript_id` of a transcript), up to three `secondary_video_N` files or `secondary_source_video_id_N` ids each with `secondary_keywords_N` (comma-separated), and optionally an `audio` voice-over. Where the SRT mentions a keyword, a `secondary_segment_duration`-second moment of that secondary video is inserted.',
      fields: MultiFields,
      files: {
        main_video: 'Main video',
        secondary_video_1: 'Secondary video 1',
        secondary_video_2: 'Secondary video 2',
        secondary_video_3: 'Secondary video 3',
        audio: 'Voice-over',
        srt: 'Subtitles (SRT)',
      },
      responses: {
        202: {
          description: 'Queued',
          schema: JobResponse.extend({ source_video_id: z.string(), secondary_source_video_ids: z.array(z.string()) }),
        },
      },
    },
    (c) =>
      handleJobRoute(
        c,
        {
          videos: ['main_video', 'secondary_video_1', 'secondary_video_2', 'secondary_video_3'],
          audio: ['audio'],
          texts: ['srt'],
        },
        MultiFields,
        async ({ c, fields, request, jobId }) => {
          const scope = c.get('scope');
          const env = c.env;
          if (
            fields.main_source_video_id &&
            fields.source_video_id &&
            fields.main_source_video_id !== fields.source_video_id
          ) {
            throw new ApiError(400, 'validation_failed', 'main_source_video_id and source_video_id disagree');
          }
          const main = await jobVideo(
            scope,
            request,
            'main_video',
            fields.main_source_video_id ?? fields.source_video_id,
            'main_source_video_id',
          );
          const srt = await srtOf(scope, request, fields.srt_content, fields.transcript_id);
          if (!srt)
            throw new ApiError(
              400,
              'validation_failed',
              'An `srt` file (or `srt_content`, or `transcript_id`) is required',
              {
                details: [{ path: 'srt', message: 'Required' }],
              },
            );
          const secondaries: { source_video_id: string; keywords: string[] }[] = [];
          for (const n of [1, 2, 3] as const) {
            const keywords = fields[`secondary_keywords_${n}`] ?? [];
            const file = request.videos.get(`secondary_video_${n}`);
            const id = fields[`secondary_source_video_id_${n}`];
            if (!file && !id) continue;
            // As the original: a secondary counts only with both a video and keywords.
            if (!keywords.length)
              throw new ApiError(400, 'validation_failed', `secondary_video_${n} needs secondary_keywords_${n}`, {
                details: [{ path: `secondary_keywords_${n}`, message: 'Required' }],
              });
            const video = await jobVideo(scope, request, `secondary_video_${n}`, id, `secondary_source_video_id_${n}`);
            secondaries.push({
              source_video_id: video.id,
              keywords: keywords.slice(0, 50).map((k) => k.slice(0, 100)),
            });
          }
          assertMatchWorkFits(
            parseSrt(srt).cues,
            secondaries.flatMap((s) => s.keywords),
          );
          const audio = request.audio.get('audio');
          await request.startProbes();
          await storeSrt(env, scope, jobId, srt);
          const job = await enqueueJob(
            scope,
            env,
            'multi_video',
            {
              source_video_id: main.id,
              secondaries,
              srt_input: SRT_INPUT,
              audio_input: audio?.name ?? null,
              output_name: fields.output_name ?? `multi_${jobId}`,
              target_duration: fields.target_duration,
              variant_count: fields.variant_count,
              subtitle_settings: (fields.subtitle_settings ?? null) as Record<string, unknown> | null,
              secondary_segment_duration: fields.secondary_segment_duration,
            },
            { id: jobId, resourceType: 'source_video', resourceId: main.id, step: 'Queued for multi-video processing' },
          );
          return jobCreated(job, {
            source_video_id: main.id,
            secondary_source_video_ids: secondaries.map((s) => s.source_video_id),
          });
        },
      ),
  );
}
