/**
 * Webhooks end to end, as an integrator sees them: a local receiver (a Node HTTP server) registered
 * for every event gets signed deliveries while a client uploads a video (probe), makes segments,
 * extracts one, generates a clip, renders it and publishes it through the fake Postiz, on the real
 * Worker, queue and media processor. The receiver verifies every signature, answers 500 to the first
 * delivery (which is then retried) and 200 to the rest (none of which comes twice), and a replay it
 * asks for arrives.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostizFake } from '../fakes/postiz-server.ts';
import type { FakeServer, RecordedRequest } from '../fakes/fake-server.ts';
import { makeVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { startWebhookReceiver } from '../helpers/node/webhook-receiver.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const VIDEOS = '/api/v1/segments/source-videos';
const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';
const HOOK = '/hooks/integrator';

let stack: Stack;
let receiver: FakeServer;
let postiz: PostizFake;
let alice: Tenant;
let sourcePath: string;

beforeAll(async () => {
  [stack, receiver, postiz, sourcePath] = await Promise.all([
    // Retries after 1 s, 3 s, … so the retry is seen within the test.
    startStack({ vars: { WEBHOOK_RETRY_BASE_SECONDS: '1' } }),
    startWebhookReceiver(),
    PostizFake.start(),
    makeVideo({ width: 320, height: 240, duration: 12, fps: 25, gop: 25 }),
  ]);
  alice = await stack.newTenant('integrator');
});
afterAll(async () => {
  await Promise.all([stack?.stop(), receiver?.close(), postiz?.close()]);
});

const api = () => stack.api(alice);
const deliveries = () => receiver.requestsFor({ method: 'POST', path: HOOK });
const eventOf = (r: RecordedRequest) => JSON.parse(String(r.extra.raw));

async function done(jobId: string) {
  const job = await stack.waitForJob(alice, jobId, { timeoutMs: 170_000 });
  expect(job.status, `${job.type}: ${JSON.stringify(job.error)}`).toBe('completed');
  return job;
}

/** Waits until the receiver has acknowledged (2xx) an event matching `match`; returns it. */
async function acknowledged(match: (event: any) => boolean): Promise<any> {
  let found: any;
  await expect
    .poll(
      () => {
        found = deliveries()
          .filter((r) => r.status === 200)
          .map(eventOf)
          .find(match);
        return Boolean(found);
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe(true);
  return found;
}

it('delivers signed events for upload → probe → extract → render → publish, retried once, never twice', async () => {
  const created = await api()('/api/v1/webhooks', {
    json: { url: `${receiver.url}${HOOK}`, event_types: ['*'], description: 'integration test' },
  });
  expect(created.status, created.text).toBe(201);
  const { id: endpointId, secret } = created.body;
  await stack.fetchUrl(`${receiver.url}/__fake/answer-next`, {
    method: 'POST',
    body: JSON.stringify({ path: HOOK, status: 500, times: 1 }),
  });

  // Upload and probe.
  const bytes = await readWhole(sourcePath);
  const upload = await api()(`${VIDEOS}/uploads`, {
    json: { name: 'Webhook reel', content_type: 'video/mp4', size_bytes: bytes.length },
  });
  expect(upload.status, upload.text).toBe(201);
  const put = await stack.fetchUrl(upload.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  expect(put.status).toBe(200);
  const videoId = upload.body.source_video.id as string;
  const probe = await api()(`${VIDEOS}/${videoId}/complete`, { method: 'POST' });
  await done(probe.body.job_id);
  const ready = await acknowledged((e) => e.type === 'source_video.ready');
  expect(ready.data).toMatchObject({ id: videoId, status: 'ready', width: 320, height: 240 });

  // Segments, one extracted.
  const segmentIds: string[] = [];
  for (const [start, end] of [
    [0.5, 4.5],
    [5, 10],
  ]) {
    const res = await api()(`${SEG}/source-videos/${videoId}/segments`, { json: { start_time: start, end_time: end } });
    expect(res.status, res.text).toBe(201);
    segmentIds.push(res.body.id);
  }
  const extract = await api()(`${SEG}/${segmentIds[0]}/extract`, { method: 'POST', json: { mode: 'smart' } });
  const extracted = await done(extract.body.job_id);
  expect((await acknowledged((e) => e.type === 'job.completed' && e.data.id === extracted.id)).data).toMatchObject({
    type: 'extract_segment',
    status: 'completed',
  });

  // A clip, rendered.
  const project = (await api()(`${LIB}/projects`, { json: { name: 'Hooks', target_duration: 6 } })).body.id;
  const form = new FormData();
  for (const id of segmentIds) form.append('segment_ids', id);
  await api()(`${SEG}/projects/${project}/assign`, { body: form });
  const generate = await api()(`${LIB}/projects/${project}/generate-from-segments`, {
    json: { variant_count: 1, selection_mode: 'random', target_duration: 6 },
  });
  expect(generate.status, generate.text).toBe(202);
  await done(generate.body.job_id);
  const [clip] = (await api()(`${LIB}/projects/${project}/clips`)).body.clips;
  const render = await api()(`${LIB}/clips/${clip.id}/render`, { json: { preset_name: 'tiktok' } });
  expect(render.status, render.text).toBe(202);
  await done(render.body.job_id);
  const rendered = await acknowledged((e) => e.type === 'clip.rendered');
  expect(rendered.data).toMatchObject({ id: clip.id, final_status: 'completed', final_preset: 'tiktok' });

  // Published through Postiz.
  const apiKey = `pz_test_${crypto.randomUUID().replace(/-/g, '')}`;
  const config = await api()('/api/v1/postiz/config', {
    method: 'PUT',
    json: { api_url: postiz.baseUrl, api_key: apiKey, integration_ids: ['int-x'] },
  });
  expect(config.status, config.text).toBe(200);
  const publish = await api()('/api/v1/postiz/publish', {
    json: { clip_id: clip.id, caption: 'Out now', integration_ids: ['int-x'] },
  });
  expect(publish.status, publish.text).toBe(202);
  await done(publish.body.job_id);
  const published = await acknowledged((e) => e.type === 'publication.published');
  expect(published.data).toMatchObject({ clip_id: clip.id, status: 'published' });

  // Let everything settle: no job left running, no delivery left waiting.
  await expect
    .poll(
      async () =>
        (await api()('/api/v1/jobs?limit=100')).body.jobs.filter(
          (j: any) => j.status === 'pending' || j.status === 'running',
        ).length,
      { timeout: 120_000 },
    )
    .toBe(0);
  const settled = async () =>
    ((await api()(`/api/v1/webhooks/${endpointId}/deliveries?limit=100`)).body.deliveries as any[]).filter(
      (d) => d.status !== 'succeeded' && d.status !== 'failed',
    ).length;
  await expect.poll(settled, { timeout: 60_000 }).toBe(0);

  // Every delivery is signed with the endpoint's secret over the exact bytes received.
  const all = deliveries();
  for (const r of all) {
    expect(await verifyWebhookSignature(r.headers['cutroom-signature'], String(r.extra.raw), secret)).toBe(true);
    expect(eventOf(r).profile_id).toBe(alice.profileId);
  }
  // The first delivery was answered 500 and came again (the same event, attempt 2), then was acknowledged.
  const first = all[0]!;
  expect(first.status).toBe(500);
  const again = all.filter((r) => r.headers['cutroom-event-id'] === first.headers['cutroom-event-id']);
  expect(again.map((r) => [r.status, r.headers['cutroom-delivery-attempt']])).toEqual([
    [500, '1'],
    [200, '2'],
  ]);
  // No event came again after it was acknowledged.
  const acked = all.filter((r) => r.status === 200).map((r) => r.headers['cutroom-event-id']);
  expect(new Set(acked).size).toBe(acked.length);
  const types = new Set(all.map((r) => r.headers['cutroom-event-type']));
  for (const type of ['source_video.ready', 'job.completed', 'clip.rendered', 'publication.published'])
    expect(types).toContain(type);

  // The delivery log says the same.
  const log = (await api()(`/api/v1/webhooks/${endpointId}/deliveries?limit=100`)).body.deliveries as any[];
  const retried = log.find((d) => d.event_id === first.headers['cutroom-event-id']);
  expect(retried).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 200 });

  // A replay asked for arrives: the same event again, freshly signed.
  const renderDelivery = all.find((r) => eventOf(r).type === 'clip.rendered')!;
  const replay = await api()(
    `/api/v1/webhooks/${endpointId}/deliveries/${renderDelivery.headers['cutroom-delivery-id']}/replay`,
    { method: 'POST' },
  );
  expect(replay.status, replay.text).toBe(202);
  await expect
    .poll(() => deliveries().filter((r) => r.headers['cutroom-delivery-id'] === replay.body.id).length, {
      timeout: 30_000,
    })
    .toBe(1);
  const replayed = deliveries().find((r) => r.headers['cutroom-delivery-id'] === replay.body.id)!;
  expect(replayed.extra.raw).toBe(renderDelivery.extra.raw);
  expect(await verifyWebhookSignature(replayed.headers['cutroom-signature'], String(replayed.extra.raw), secret)).toBe(
    true,
  );
  expect(deliveries()).toHaveLength(all.length + 1);
});
