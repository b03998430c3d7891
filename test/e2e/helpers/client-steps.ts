/**
 * Steps a client takes in several e2e files, with the checks a user would make on the way: a job
 * that must complete, and a source video uploaded through its signed URL until it is ready.
 */
import { expect } from 'vitest';
import { readWhole } from '../../helpers/node/media-fixtures.ts';
import type { JobBody, Stack, Tenant } from './stack.ts';

const VIDEOS = '/api/v1/segments/source-videos';

/** Waits for a job to finish and expects it completed (its type and error in the failure message). */
export async function jobCompleted(stack: Stack, tenant: Tenant, jobId: string, timeoutMs = 170_000): Promise<JobBody> {
  const job = await stack.waitForJob(tenant, jobId, { timeoutMs });
  expect(job.status, `${job.type}: ${JSON.stringify(job.error)}`).toBe('completed');
  return job;
}

/** Uploads a file as a source video (signed PUT, then `complete`) and waits until it is probed: its id. */
export async function readySourceVideo(stack: Stack, tenant: Tenant, path: string, name: string): Promise<string> {
  const api = stack.api(tenant);
  const bytes = await readWhole(path);
  const created = await api(`${VIDEOS}/uploads`, {
    json: { name, content_type: 'video/mp4', size_bytes: bytes.length },
  });
  expect(created.status, created.text).toBe(201);
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  expect(put.status, put.text).toBe(200);
  const id = created.body.source_video.id as string;
  const done = await api(`${VIDEOS}/${id}/complete`, { method: 'POST' });
  await jobCompleted(stack, tenant, done.body.job_id);
  return id;
}
