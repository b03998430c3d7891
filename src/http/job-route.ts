/**
 * The shape every job-creating processing route shares:
 * 1. read the body (multipart files streamed to R2, or JSON/form fields; see media/job-request.ts);
 * 2. validate the fields with zod (400 with field paths);
 * 3. under the request's Idempotency-Key (fingerprint: the validated fields and the files'
 *    SHA-256): check ownership of every id, the budget and the limits, start the probes of
 *    uploaded videos, and enqueue the job (its id fixed before the upload, so its inputs live under
 *    it);
 * 4. whatever did not become part of a job (a replayed or refused request's uploads) is removed.
 */
import type { z } from 'zod';
import { validationError } from '../core/errors.ts';
import { type JobRequest, type JobRequestSpec, readJobRequest } from './job-request.ts';
import { deletePrefix, storageKeys } from '../storage/keys.ts';
import { idempotentJson } from './idempotency.ts';
import { newId } from '../core/ids.ts';
import type { TenantContext } from './context.ts';

export interface JobRouteContext<F> {
  c: TenantContext;
  fields: F;
  request: JobRequest;
  /** The id the job must be created with (`enqueueJob(…, { id: jobId })`). */
  jobId: string;
}

export async function handleJobRoute<S extends z.ZodType>(
  c: TenantContext,
  spec: JobRequestSpec,
  schema: S,
  run: (ctx: JobRouteContext<z.infer<S>>) => Promise<{ status: number; body: unknown }>,
): Promise<Response> {
  const jobId = newId('job');
  const request = await readJobRequest(c, jobId, spec);
  let used = false;
  let entered = false;
  try {
    const parsed = schema.safeParse(request.fields);
    if (!parsed.success) throw validationError(parsed.error, request.fileCount ? 'form data' : 'request body');
    const response = await idempotentJson(c, { fields: parsed.data, files: request.fingerprint() }, async () => {
      entered = true;
      const result = await run({ c, fields: parsed.data, request, jobId });
      used = result.status >= 200 && result.status < 300;
      return result;
    });
    return response;
  } finally {
    // Replayed, refused or answered without a job: the uploads (and anything written under the
    // job id, e.g. a stored SRT) belong to nothing.
    if (!used) {
      if (request.fileCount) await request.discard();
      if (request.fileCount || entered) await deletePrefix(c.env.MEDIA, storageKeys.jobPrefix(c.get('scope'), jobId));
    }
  }
}
