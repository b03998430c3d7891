/** GET /api/v1/jobs/{job_id}/download: a completed job's main output. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import type { JobRow } from '../../db/repos/jobs.ts';
import { JOB_DOWNLOAD_URL_TTL_SECONDS } from '../../core/limits.ts';
import type { TenantContext } from '../../http/context.ts';
import { errorResponses, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { serveObject } from '../../storage/serve-object.ts';
import { storageKeys } from '../../storage/keys.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';
import { mainOutputOf } from './presenter.ts';

export function jobDownloadRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'downloadJobOutput',
      path: '/{job_id}/download',
      tags: ['Jobs'],
      security,
      summary: "Download a job's main output",
      description:
        "Redirects (302) to a short-lived signed URL of the job's main output (the first variant's final video, the muted video, …), served as an attachment named like the original (`{output_name}_final.mp4`). `?redirect=false` streams it instead. 400 while the job is not completed or when it has no downloadable output.",
      request: {
        params: idParam('job_id', 'job'),
        query: z.object({ redirect: z.enum(['true', 'false']).optional() }),
      },
      responses: {
        302: { description: 'Redirect to the signed URL' },
        200: { description: 'The file (redirect=false)' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (job.status !== 'completed') throw new ApiError(400, 'bad_request', `Job is ${job.status}, not completed`);
      const main = mainOutputOf(job);
      if (!main) throw new ApiError(400, 'bad_request', 'This job has no downloadable output');
      return jobOutputResponse(c, job, main, {
        redirect: c.req.valid('query').redirect !== 'false',
        what: 'Job output',
      });
    },
  );
}

/**
 * A job output as a download: a 302 to a short-lived signed URL, or (`redirect: false`) the file
 * streamed, as an attachment named `output.filename` either way.
 */
export async function jobOutputResponse(
  c: TenantContext,
  job: JobRow,
  output: { name: string; filename: string },
  options: { redirect: boolean; what: string },
): Promise<Response> {
  const scope = c.get('scope');
  if (!options.redirect) {
    return serveObject(c.env.MEDIA, storageKeys.jobOutput(scope, job.id, output.name), c.req.raw, {
      what: options.what,
      attachmentFilename: output.filename,
    });
  }
  const signed = await signedMediaUrl(
    c.env,
    scope,
    { kind: 'job_output', id: job.id, name: output.name },
    { filename: output.filename, ttlSeconds: JOB_DOWNLOAD_URL_TTL_SECONDS },
  );
  return c.redirect(signed.url, 302);
}
