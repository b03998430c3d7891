/**
 * Webhook delivery through the real queue (workerd, D1, Queues) to a local receiver: events are
 * recorded with the state change they report (and only then), fanned out, signed, retried on
 * failure, never repeated after a success, refused at delivery when the URL turned bad, and
 * replayed on request. Retries wait 1 s, 3 s, … here (WEBHOOK_RETRY_BASE_SECONDS in the test
 * project), so a retry arrives within a test.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { getJob, insertJobStatement } from '../../src/db/repos/jobs.ts';
import { markSourceVideoReady } from '../../src/db/repos/source-videos.ts';
import { dispatchEvent, getDelivery } from '../../src/db/repos/webhooks.ts';
import type { ProfileScope } from '../../src/db/scope.ts';
import { deliverOnce } from '../../src/webhooks/deliver.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { renderEventData } from '../../src/routes/webhooks/events.ts';
import { dispatchProfileEvents } from '../../src/webhooks/dispatch.ts';
import { enqueueJob } from '../helpers/worker/jobs.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { fakeMp4, uploadVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';
import { createReceiverEndpoint, receiver } from '../helpers/worker/webhooks.ts';

const eventsOf = async (profileId: string) =>
  (
    await env.DB.prepare('SELECT type, resource_id, dispatched_at FROM webhook_events WHERE profile_id = ? ORDER BY id')
      .bind(profileId)
      .all<{ type: string; resource_id: string; dispatched_at: string | null }>()
  ).results;

const deliveriesOf = async (t: Tenant, endpointId: string) =>
  (await as(t)(`/api/v1/webhooks/${endpointId}/deliveries`)).body.deliveries as any[];

/** A job row with no queue message behind it (so nothing runs it unless the test does). */
async function idleJob(scope: ProfileScope, input: Record<string, unknown> = { message: 'idle' }) {
  const [[row]] = await scope.db.batch([insertJobStatement(scope, { id: newId('job'), type: 'echo', input })]);
  return row!;
}

/** An event recorded as the outbox records it, not dispatched, with no message sent. */
async function recordedEvent(t: Tenant, resourceId: string): Promise<string> {
  const eventId = newId('webhookEvent');
  await env.DB.prepare(
    'INSERT INTO webhook_events (id, profile_id, type, resource_id, occurrence) VALUES (?, ?, ?, ?, ?)',
  )
    .bind(eventId, t.profileId, 'job.completed', resourceId, resourceId)
    .run();
  return eventId;
}

/** An event with one delivery to `endpointId`, fanned out by hand: nothing runs it unless the test does. */
async function handMadeDelivery(t: Tenant, endpointId: string): Promise<string> {
  const scope = scopeOf(t);
  const job = await idleJob(scope);
  const eventId = await recordedEvent(t, job.id);
  const payload = JSON.stringify({
    id: eventId,
    type: 'job.completed',
    created_at: new Date().toISOString(),
    profile_id: t.profileId,
    data: { id: job.id },
  });
  const [delivery] = await dispatchEvent(scope, eventId, payload, [{ id: newId('webhookDelivery'), endpointId }]);
  return delivery!.id;
}

describe('webhook events', () => {
  it('delivers a signed job.completed event whose data is the job as the API returns it', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const scope = scopeOf(owner);
    const job = await enqueueJob(scope, env, 'echo', { message: 'hello hooks' });
    const [request] = await receiver.waitFor(endpoint.path, 1);
    const raw = request!.extra.raw!;
    expect(await verifyWebhookSignature(request!.headers['cutroom-signature'], raw, endpoint.secret)).toBe(true);
    expect(await verifyWebhookSignature(request!.headers['cutroom-signature'], raw, 'whsec_wrong')).toBe(false);
    const event = JSON.parse(raw);
    expect(Object.keys(event).sort()).toEqual(['created_at', 'data', 'id', 'profile_id', 'type']);
    expect(event).toMatchObject({ type: 'job.completed', profile_id: owner.profileId });
    expect(event.id).toMatch(/^evt_/);
    const api = await as(owner)(`/api/v1/jobs/${job.id}`);
    expect(event.data).toEqual(api.body);
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'cutroom-event-id': event.id,
      'cutroom-event-type': 'job.completed',
      'cutroom-delivery-attempt': '1',
    });
    const [log] = await deliveriesOf(owner, endpoint.id);
    expect(log).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200, event_id: event.id });
    expect(log.last_latency_ms).toEqual(expect.any(Number));
  });

  it('records an event only for subscribed types, only when the state really changed, and once', async () => {
    const owner = await seedUser('hooks');
    const scope = scopeOf(owner);
    // No endpoint: a completed job records nothing.
    const before = await enqueueJob(scope, env, 'echo', { message: 'nobody listens' });
    await expect.poll(async () => (await getJob(scope, before.id))?.status).toBe('completed');
    expect(await eventsOf(owner.profileId)).toEqual([]);

    // Subscribed to source videos only: jobs still record nothing.
    await createReceiverEndpoint(owner, ['source_video.ready']);
    const other = await enqueueJob(scope, env, 'echo', { message: 'not subscribed' });
    await expect.poll(async () => (await getJob(scope, other.id))?.status).toBe('completed');
    expect(await eventsOf(owner.profileId)).toEqual([]);

    // A video that becomes ready records one event; a repeated transition records nothing more.
    const { id: video } = await uploadVideo(owner, fakeMp4(64 * 1024));
    const meta = {
      duration: 2,
      width: 64,
      height: 36,
      fps: 25,
      rotation: 0,
      videoCodec: 'h264',
      audioCodec: null,
      hasAudio: false,
      bitRate: null,
      fileSizeBytes: 1000,
      thumbnailKey: null,
      waveform: [],
    };
    expect(await markSourceVideoReady(scope, video, meta)).toBeTruthy();
    expect(await markSourceVideoReady(scope, video, meta)).toBeUndefined();
    expect(scope.outbox.recorded).toBe(1);
    expect((await eventsOf(owner.profileId)).map((e) => [e.type, e.resource_id])).toEqual([
      ['source_video.ready', video],
    ]);
  });

  it('reports failed and cancelled jobs', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.failed', 'job.canceled']);
    const scope = scopeOf(owner);
    const failing = await enqueueJob(scope, env, 'echo', { message: 'x', fail_with: 'permanent' });
    const pending = await idleJob(scope);
    const cancel = await as(owner)(`/api/v1/jobs/${pending.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    const requests = await receiver.waitFor(endpoint.path, 2);
    const events = requests.map((r) => JSON.parse(r.extra.raw!));
    expect(events.map((e) => [e.type, e.data.id, e.data.status]).sort()).toEqual(
      [
        ['job.canceled', pending.id, 'cancelled'],
        ['job.failed', failing.id, 'failed'],
      ].sort(),
    );
    expect(events.find((e) => e.type === 'job.failed').data.error).toMatchObject({ code: 'echo_failed' });
  });

  it('retries after a 500, succeeds once, and never delivers again after the success', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    await receiver.failNext(endpoint.path, 500, 1);
    await enqueueJob(scopeOf(owner), env, 'echo', { message: 'retry me' });
    const [first, second] = await receiver.waitFor(endpoint.path, 2);
    expect(first!.status).toBe(500);
    expect(second!.status).toBe(200);
    expect(second!.extra.raw).toBe(first!.extra.raw); // the same event, byte for byte
    expect(second!.headers['cutroom-delivery-id']).toBe(first!.headers['cutroom-delivery-id']);
    expect([first!.headers['cutroom-delivery-attempt'], second!.headers['cutroom-delivery-attempt']]).toEqual([
      '1',
      '2',
    ]);
    for (const r of [first!, second!])
      expect(await verifyWebhookSignature(r.headers['cutroom-signature'], r.extra.raw!, endpoint.secret)).toBe(true);

    const deliveryId = second!.headers['cutroom-delivery-id']!;
    await expect.poll(async () => (await deliveriesOf(owner, endpoint.id))[0]?.status).toBe('succeeded');
    const [log] = await deliveriesOf(owner, endpoint.id);
    expect(log).toMatchObject({ id: deliveryId, attempts: 2, last_status_code: 200, last_error: null });

    // The queue may bring the message again: a delivery that succeeded is not sent again.
    expect(await deliverOnce(env, { profile_id: owner.profileId, delivery_id: deliveryId })).toEqual({});
    await new Promise((r) => setTimeout(r, 300));
    expect(await receiver.requests(endpoint.path)).toHaveLength(2);
  });

  it('lets only one of several concurrent attempts of a delivery call the endpoint', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const deliveryId = await handMadeDelivery(owner, endpoint.id);
    await Promise.all(
      Array.from({ length: 4 }, () => deliverOnce(env, { profile_id: owner.profileId, delivery_id: deliveryId })),
    );
    expect(await receiver.requests(endpoint.path)).toHaveLength(1);
    expect(await getDelivery(scopeOf(owner), deliveryId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('fails a delivery whose retry window (24 h) is over instead of retrying it', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const deliveryId = await handMadeDelivery(owner, endpoint.id);
    const dayAgo = new Date(Date.now() - 24 * 3600_000 - 60_000).toISOString();
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'retrying', attempts = 10, first_attempt_at = ? WHERE id = ?",
    )
      .bind(dayAgo, deliveryId)
      .run();
    await receiver.failNext(endpoint.path, 503, 1);
    expect(await deliverOnce(env, { profile_id: owner.profileId, delivery_id: deliveryId })).toEqual({});
    expect(await getDelivery(scopeOf(owner), deliveryId)).toMatchObject({
      status: 'failed',
      attempts: 11,
      lastStatusCode: 503,
    });
  });

  it('checks the endpoint again at delivery: disabled, or a URL that became a private target, is not called', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);

    const metadata = await handMadeDelivery(owner, endpoint.id);
    await env.DB.prepare('UPDATE webhook_endpoints SET url = ? WHERE id = ?')
      .bind('http://169.254.169.254/latest/meta-data', endpoint.id)
      .run();
    await deliverOnce(env, { profile_id: owner.profileId, delivery_id: metadata });
    expect(await getDelivery(scopeOf(owner), metadata)).toMatchObject({ status: 'failed', lastStatusCode: null });
    expect((await getDelivery(scopeOf(owner), metadata))?.lastError).toMatch(/metadata/);

    // Loopback is refused too where the deployment allows no private targets (production).
    await env.DB.prepare('UPDATE webhook_endpoints SET url = ? WHERE id = ?').bind(endpoint.url, endpoint.id).run();
    const loopback = await handMadeDelivery(owner, endpoint.id);
    const production = { ...env, OUTBOUND_ALLOW_PRIVATE: 'false' };
    await deliverOnce(production, { profile_id: owner.profileId, delivery_id: loopback });
    expect(await getDelivery(scopeOf(owner), loopback)).toMatchObject({ status: 'failed' });

    const disabled = await handMadeDelivery(owner, endpoint.id);
    await as(owner)(`/api/v1/webhooks/${endpoint.id}`, { method: 'PATCH', json: { enabled: false } });
    await deliverOnce(env, { profile_id: owner.profileId, delivery_id: disabled });
    expect(await getDelivery(scopeOf(owner), disabled)).toMatchObject({
      status: 'failed',
      lastError: 'The endpoint is disabled',
    });
    expect(await receiver.requests(endpoint.path)).toEqual([]);
  });

  it('ignores a delivery message naming another profile', async () => {
    const owner = await seedUser('hooks');
    const intruder = await seedUser('intruder');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const deliveryId = await handMadeDelivery(owner, endpoint.id);
    expect(await deliverOnce(env, { profile_id: intruder.profileId, delivery_id: deliveryId })).toEqual({});
    expect(await getDelivery(scopeOf(owner), deliveryId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await receiver.requests(endpoint.path)).toEqual([]);
  });

  it('replays a delivery on request: the same event again, freshly signed', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    await enqueueJob(scopeOf(owner), env, 'echo', { message: 'replay me' });
    const [original] = await receiver.waitFor(endpoint.path, 1);
    const originalId = original!.headers['cutroom-delivery-id']!;
    await expect.poll(async () => (await deliveriesOf(owner, endpoint.id))[0]?.status).toBe('succeeded');

    const replay = await as(owner)(`/api/v1/webhooks/${endpoint.id}/deliveries/${originalId}/replay`, {
      method: 'POST',
    });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ replay_of: originalId, status: 'pending', event_type: 'job.completed' });
    const [, again] = await receiver.waitFor(endpoint.path, 2);
    expect(again!.extra.raw).toBe(original!.extra.raw);
    expect(again!.headers['cutroom-delivery-id']).toBe(replay.body.id);
    expect(await verifyWebhookSignature(again!.headers['cutroom-signature'], again!.extra.raw!, endpoint.secret)).toBe(
      true,
    );
    await expect
      .poll(async () => (await as(owner)(`/api/v1/webhooks/${endpoint.id}/deliveries/${replay.body.id}`)).body.status)
      .toBe('succeeded');
  });

  it('signs with both secrets while a rotation overlaps, then with the new one only', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const rotated = await as(owner)(`/api/v1/webhooks/${endpoint.id}/rotate-secret`, {
      json: { overlap_seconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    const overlapping = await handMadeDelivery(owner, endpoint.id);
    await deliverOnce(env, { profile_id: owner.profileId, delivery_id: overlapping });
    const [during] = await receiver.waitFor(endpoint.path, 1);
    expect(during!.headers['cutroom-signature']!.match(/v1=/g)).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret])
      expect(await verifyWebhookSignature(during!.headers['cutroom-signature'], during!.extra.raw!, secret)).toBe(true);

    const retired = await as(owner)(`/api/v1/webhooks/${endpoint.id}/rotate-secret`, { json: { overlap_seconds: 0 } });
    const after = await handMadeDelivery(owner, endpoint.id);
    await deliverOnce(env, { profile_id: owner.profileId, delivery_id: after });
    const [, last] = await receiver.waitFor(endpoint.path, 2);
    expect(
      await verifyWebhookSignature(last!.headers['cutroom-signature'], last!.extra.raw!, retired.body.secret),
    ).toBe(true);
    expect(
      await verifyWebhookSignature(last!.headers['cutroom-signature'], last!.extra.raw!, rotated.body.secret),
    ).toBe(false);
  });

  it('drops an event whose resource was deleted before it was dispatched', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    await recordedEvent(owner, newId('job'));
    await dispatchProfileEvents(env, owner.profileId, renderEventData);
    expect((await eventsOf(owner.profileId))[0]?.dispatched_at).toEqual(expect.any(String));
    expect(await deliveriesOf(owner, endpoint.id)).toEqual([]);
    expect(await receiver.requests(endpoint.path)).toEqual([]);
  });
});
