/** The SRT and subtitle settings both pipelines take: checked, then stored under the job. */
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { parseSrt } from '../../core/srt.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { formJson } from '../../http/form-fields.ts';
import type { JobRequest } from '../../http/job-request.ts';
import { SubtitleSettingsSchema } from '../../library/subtitle-settings.ts';
import { jobOutputKey } from '../../storage/job-outputs.ts';

/** The job input name the SRT is stored under. */
export const SRT_INPUT = 'input-srt.srt';

export const subtitleSettingsField = formJson(SubtitleSettingsSchema.nullable().optional()).optional();

/** The SRT of a request (file or `srt_content`), checked to hold at least one cue. */
export function srtOf(request: JobRequest, content: string | null): string | null {
  const file = request.texts.get('srt');
  if (file && content)
    throw new ApiError(400, 'validation_failed', 'Send either the `srt` file or `srt_content`, not both');
  const text = file?.text ?? content;
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
