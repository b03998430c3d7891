/**
 * Where processor operations run (src/processor/placement.ts), by its decisions on the real local
 * D1: the least loaded instance first, never more than the bounds, a slot freed when its operation
 * ends or fails and when its lease expires; and wrangler.toml's `max_instances` is the bound used.
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import wranglerToml from '../../wrangler.toml?raw';
import {
  MAX_VIDEO_OUTPUT_BYTES,
  PROCESSOR_INSTANCE_TYPE,
  PROCESSOR_LEASE_GRACE_SECONDS,
  PROCESSOR_MAX_INSTANCES,
  PROCESSOR_OPS_PER_INSTANCE,
} from '../../src/core/limits.ts';
import { Timings } from '../../src/core/timings.ts';
import { newId } from '../../src/core/ids.ts';
import { instanceLoads } from '../../src/db/repos/processor-leases.ts';
import { jobs } from '../../src/db/schema.ts';
import { JobDeferredError } from '../../src/jobs/errors.ts';
import { jobProcessor } from '../../src/jobs/job-processor.ts';
import { ProcessorError } from '../../src/processor/errors.ts';
import {
  PLACEMENT_BOUNDS,
  placeOperation,
  releaseJobPlacements,
  releasePlacement,
} from '../../src/processor/placement.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { type Tenant, seedUser } from '../helpers/worker/tenants.ts';

const bounds = { maxInstances: 3, perInstance: 2 };
let tenant: Tenant;

/** A job row to hang leases on (no message is sent: nothing runs it). */
async function jobRow() {
  const [job] = await scopeOf(tenant)
    .db.insert(jobs)
    .values({ id: newId('job'), profileId: tenant.profileId, type: 'echo', input: { message: 'x' } })
    .returning();
  return job!;
}

async function place(jobId: string, operationId = newId('job'), now = Date.now()) {
  return placeOperation(env.DB, { operationId, jobId, followUntil: now }, now, bounds);
}

beforeEach(async () => {
  tenant ??= await seedUser('placement');
  await env.DB.prepare('DELETE FROM processor_leases').run();
});

describe('processor placement', () => {
  it('places each operation on the least loaded instance', async () => {
    const job = await jobRow();
    const first = [await place(job.id), await place(job.id), await place(job.id)];
    expect(first).toEqual(['instance-0', 'instance-1', 'instance-2']);
    const freed = newId('job');
    expect(await place(job.id, freed)).toBe('instance-0');
    expect(await place(job.id)).toBe('instance-1');
    // Freeing a slot on instance-0 ties it with instance-2 (one each): the lowest numbered wins.
    await releasePlacement(env.DB, freed);
    expect(await place(job.id)).toBe('instance-0');
    expect(await instanceLoads(env.DB, Date.now())).toEqual({ 'instance-0': 2, 'instance-1': 2, 'instance-2': 1 });
  });

  it('never places more than the bounds allow, even when asked at the same moment', async () => {
    const job = await jobRow();
    const placed = await Promise.all(Array.from({ length: 10 }, () => place(job.id)));
    expect(placed.filter((p) => p !== null)).toHaveLength(bounds.maxInstances * bounds.perInstance);
    expect(placed.filter((p) => p === null)).toHaveLength(4);
    const loads = await instanceLoads(env.DB, Date.now());
    expect(Object.keys(loads).sort()).toEqual(['instance-0', 'instance-1', 'instance-2']);
    expect(Math.max(...Object.values(loads))).toBe(bounds.perInstance);
  });

  it('gives an operation placed again its own instance, holding one slot', async () => {
    const job = await jobRow();
    const op = newId('job');
    const at = await place(job.id, op);
    await place(job.id);
    expect(await place(job.id, op)).toBe(at);
    expect(Object.values(await instanceLoads(env.DB, Date.now())).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('frees the slot of a lease nobody renewed once it expired', async () => {
    const job = await jobRow();
    const t0 = Date.now();
    for (let i = 0; i < bounds.maxInstances * bounds.perInstance; i++) await place(job.id, newId('job'), t0);
    expect(await place(job.id, newId('job'), t0 + 1000)).toBeNull();
    // The leases ran until followUntil (t0) + the grace: just after, their slots are free.
    const later = t0 + PROCESSOR_LEASE_GRACE_SECONDS * 1000 + 1;
    expect(await place(job.id, newId('job'), later)).toBe('instance-0');
    expect(await instanceLoads(env.DB, later)).toEqual({ 'instance-0': 1 });
  });

  it('frees every slot of a job that ended', async () => {
    const [a, b] = [await jobRow(), await jobRow()];
    await place(a.id);
    await place(a.id);
    await place(b.id);
    await releaseJobPlacements(env.DB, a.id);
    expect(await instanceLoads(env.DB, Date.now())).toEqual({ 'instance-2': 1 });
  });

  it('uses max_instances of wrangler.toml as its bound', () => {
    const containers = wranglerToml.slice(wranglerToml.indexOf('[[containers]]'));
    const configured = Number(/^max_instances\s*=\s*(\d+)/m.exec(containers)?.[1]);
    expect(configured).toBe(PROCESSOR_MAX_INSTANCES);
    expect(PLACEMENT_BOUNDS.maxInstances).toBe(PROCESSOR_MAX_INSTANCES);
  });

  it("runs on wrangler.toml's instance type, whose disk holds every operation's largest output at once", () => {
    const containers = wranglerToml.slice(wranglerToml.indexOf('[[containers]]'));
    expect(/^instance_type\s*=\s*"([^"]+)"/m.exec(containers)?.[1]).toBe(PROCESSOR_INSTANCE_TYPE.name);
    expect(PROCESSOR_OPS_PER_INSTANCE * MAX_VIDEO_OUTPUT_BYTES).toBeLessThan(PROCESSOR_INSTANCE_TYPE.diskBytes);
  });
});

describe('a job operation and its slot', () => {
  const probe = { input: { url: 'https://storage.invalid/x' } } as never;

  async function contextFor() {
    const job = await jobRow();
    return {
      env,
      scope: scopeOf(tenant),
      job,
      deadline: Date.now() + 30_000,
      throwIfCancelled: async () => {},
      timings: new Timings(),
    };
  }

  it('waits while every instance is full, and frees its slot when the processor fails it', async () => {
    const filler = await jobRow();
    const fill = PLACEMENT_BOUNDS.maxInstances * PLACEMENT_BOUNDS.perInstance;
    const fillers = Array.from({ length: fill }, () => newId('job'));
    for (const op of fillers)
      await placeOperation(env.DB, { operationId: op, jobId: filler.id, followUntil: Date.now() });

    const ctx = await contextFor();
    const full = await jobProcessor(ctx)
      .run('probe', probe)
      .catch((err: unknown) => err);
    expect(full).toBeInstanceOf(JobDeferredError);
    expect(full).toMatchObject({ code: 'processor_busy' });

    // One slot frees: the operation is placed there, and the test processor refuses it (503).
    await releasePlacement(env.DB, fillers[0]!);
    const failed = await jobProcessor(ctx)
      .run('probe', probe)
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(ProcessorError);
    const loads = await instanceLoads(env.DB, Date.now());
    expect(Object.values(loads).reduce((a, b) => a + b, 0)).toBe(fill - 1);
    const mine = await env.DB.prepare('SELECT count(*) AS n FROM processor_leases WHERE job_id = ?1')
      .bind(ctx.job.id)
      .first<{ n: number }>();
    expect(mine?.n).toBe(0);
  });
});
