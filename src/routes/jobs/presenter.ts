/** The API shape of a job (the original's JobResponse), shared by every route that answers with one. */
import { z } from '@hono/zod-openapi';
import { deleteAfterOutput } from '../../http/retention-fields.ts';
import type { Bindings } from '../../core/env.ts';
import type { JobRow } from '../../db/repos/jobs.ts';
import { jobStatuses } from '../../db/schema.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { withOutputUrls } from '../../storage/job-outputs.ts';

export const JobResponse = z
  .object({
    job_id: z.string().openapi({ example: 'job_01jd2v4m8r0000000000000000' }),
    id: z.string(),
    type: z.string(),
    status: z.enum(jobStatuses),
    progress: z.number().int().min(0).max(100),
    step: z.string().nullable(),
    resource_type: z.string().nullable(),
    resource_id: z.string().nullable(),
    input: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    delete_after: deleteAfterOutput,
    video_info: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Lifted from `result` when present (the original JobResponse).' }),
    segments: z
      .array(z.unknown())
      .optional()
      .openapi({ description: 'Lifted from `result` when present (the original JobResponse).' }),
  })
  .openapi('Job');
export type JobResponseBody = z.infer<typeof JobResponse>;

export function toJobResponse(job: JobRow): JobResponseBody {
  return {
    job_id: job.id,
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    step: job.step,
    resource_type: job.resourceType,
    resource_id: job.resourceId,
    input: job.input,
    result: job.result,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    attempts: job.attempts,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    delete_after: job.deleteAfter,
  };
}

/** The response with signed URLs for the job's outputs (`*_output` → `*_url` in `result`). */
export async function toJobResponseWithUrls(env: Bindings, scope: ProfileScope, job: JobRow): Promise<JobResponseBody> {
  const result = await withOutputUrls(env, scope, job);
  // The original's JobResponse lifted these two out of the result.
  const lifted = result as { video_info?: Record<string, unknown>; segments?: unknown[] } | null;
  return {
    ...toJobResponse(job),
    result,
    ...(lifted?.video_info && typeof lifted.video_info === 'object' ? { video_info: lifted.video_info } : {}),
    ...(Array.isArray(lifted?.segments) ? { segments: lifted.segments } : {}),
  };
}

/** The answer of every job-creating route: 202 with the job (the original's JobResponse fields). */
export function jobCreated(job: JobRow, extra: Record<string, unknown> = {}) {
  return { status: 202, body: { ...toJobResponse(job), ...extra } };
}

/** `result.main_output` (a job output name) and `result.download_filename`, set by handlers. */
export function mainOutputOf(job: JobRow): { name: string; filename: string } | null {
  const result = job.result as { main_output?: unknown; download_filename?: unknown } | null;
  if (!result || typeof result.main_output !== 'string') return null;
  const filename = typeof result.download_filename === 'string' ? result.download_filename : result.main_output;
  return { name: result.main_output, filename };
}
