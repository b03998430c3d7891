/**
 * Bench-only Worker entry (npm run bench:scale): the production Worker, unchanged, plus
 * - a `bench_probe` job type: one processor operation (a probe) through the production job
 *   processor, so each job goes through the queue, the consumer, the fair share, the placement and
 *   the processor protocol like a real one (the processor is bench/scale.ts's fixed-delay stub);
 * - `POST /__bench/scale/profiles` `{count}`: that many users with their default profile, made in
 *   the database directly (the API's profile bootstrap is not what this bench measures);
 * - `POST /__bench/scale/enqueue` `{profile_id, count}`: that many jobs for the profile through the
 *   production producer (admission, D1 row, queue message);
 * - `POST /__bench/scale/fair-share` `{mode}`: "on" or "off" for the consumer of this isolate.
 * It is never deployed: only the bench starts this file (`startStack({ entrypoint })`).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Bindings } from '../../src/core/env.ts';
import { createDb } from '../../src/db/client.ts';
import { ensureDefaultProfile } from '../../src/db/repos/profiles.ts';
import { scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { productionJobs } from '../../src/job-handlers/index.ts';
import type { JobHandlerOf } from '../../src/jobs/context.ts';
import { jobProcessor } from '../../src/jobs/job-processor.ts';
import { enqueueParsedJob } from '../../src/jobs/producer.ts';
import type { JobRegistry } from '../../src/jobs/registry.ts';
import { createWorker } from '../../src/worker.ts';

export { JobEventsHub } from '../../src/jobs/job-events.ts';
export { MediaProcessor } from '../../src/processor/container.ts';

const benchInput = z.object({ n: z.number().int().min(0) });
const benchProbe: JobHandlerOf<z.infer<typeof benchInput>> = {
  async run(ctx) {
    // Nothing is fetched: the stub answers every probe after its fixed delay.
    const url = `https://storage.invalid/bench/${ctx.job.id}/${ctx.input.n}`;
    const result = await jobProcessor(ctx).run('probe', { input: { url } });
    return { result: { duration: result.duration } };
  },
};
const jobs: JobRegistry = { ...productionJobs, bench_probe: { input: benchInput, handler: benchProbe } };
const production = createWorker(jobs);

let fairShare: 'on' | 'off' = 'on';

const bench = new Hono<{ Bindings: Bindings }>()
  .post('/__bench/scale/profiles', async (c) => {
    const { count, prefix } = z
      .object({ count: z.number().int().min(1).max(5000), prefix: z.string() })
      .parse(await c.req.json());
    const db = createDb(c.env.DB);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await ensureDefaultProfile(db, `${prefix}-${i}`)).id);
    return c.json({ profile_ids: ids });
  })
  .post('/__bench/scale/enqueue', async (c) => {
    const { profile_id, count } = z
      .object({ profile_id: z.string(), count: z.number().int().min(1).max(1000) })
      .parse(await c.req.json());
    const scope = scopeForVerifiedProfile(createDb(c.env.DB), { profileId: profile_id });
    const ids: string[] = [];
    for (let n = 0; n < count; n++) ids.push((await enqueueParsedJob(scope, c.env, 'bench_probe', { n })).id);
    return c.json({ job_ids: ids });
  })
  .post('/__bench/scale/fair-share', async (c) => {
    fairShare = z.object({ mode: z.enum(['on', 'off']) }).parse(await c.req.json()).mode;
    return c.json({ mode: fairShare });
  });

export default {
  ...production,
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname.startsWith('/__bench/scale/')) return bench.fetch(request, env, ctx);
    return production.fetch(request, env, ctx);
  },
  queue(batch, env) {
    return production.queue(batch, { ...env, JOB_FAIR_SHARE: fairShare });
  },
} satisfies ExportedHandler<Bindings>;
