/** The SRT and subtitle settings both pipelines take: checked, then stored under the job. */
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { idSchema } from '../../core/ids.ts';
import { parseSrt } from '../../core/srt.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { formJson } from '../../http/form-fields.ts';
import type { JobRequest } from '../../http/job-request.ts';
import { SubtitleSettingsSchema } from '../../library/subtitle-settings.ts';
import { transcriptSrt } from '../../library/transcripts.ts';
import { jobOutputKey } from '../../storage/job-outputs.ts';

/** The job input name the SRT is stored under. */
export const SRT_INPUT = 'input-srt.srt';

export const subtitleSettingsField = formJson(SubtitleSettingsSchema.nullable().optional()).optional();

/** A transcript of the profile whose SRT stands in for the `srt` file (POST …/transcribe makes one). */
export const transcriptIdField = idSchema('transcript')
  .optional()
  .openapi({ description: "Use this transcript's SRT as the `srt` (instead of a file or `srt_content`)" });

/**
 * The SRT of a request (file, `srt_content`, or a transcript's SRT via `transcript_id`), checked
 * to hold at least one cue. An unknown transcript id is a 404 (the transcript is the profile's or
 * does not exist).
 */
export async function srtOf(
  scope: ProfileScope,
  request: JobRequest,
  content: string | null,
  transcriptId?: string | null,
): Promise<string | null> {
  const file = request.texts.get('srt');
  if ([file, content, transcriptId].filter((v) => v !== undefined && v !== null).length > 1)
    throw new ApiError(
      400,
      'validation_failed',
      'Send one of the `srt` file, `srt_content` or `transcript_id`, not several',
    );
  const text = transcriptId ? await transcriptSrt(scope, transcriptId) : (file?.text ?? content);
  if (text === null || text === undefined) return null;
  const parsed = parseSrt(text);
  if (!parsed.cues.length) {
    const first = parsed.problems[0];
    throw new ApiError(
      400,
      'validation_failed',
      `The SRT has no valid cue${first ? ` (block ${first.block}: ${first.reason})` : ''}`,
      {
        details: [{ path: 'srt', message: 'no valid cue' }],
      },
    );
  }
  return text;
}

export async function storeSrt(env: Bindings, scope: ProfileScope, jobId: string, srt: string) {
  await env.MEDIA.put(jobOutputKey(scope, jobId, SRT_INPUT), srt, {
    httpMetadata: { contentType: 'application/x-subrip' },
  });
}
