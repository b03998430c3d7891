/**
 * Health without authentication and without secrets (docs/api.md#health):
 * - GET /health: liveness. 200 while the API can serve (database, storage, queue), `degraded` when
 *   only the processor is down; 503 when a core dependency is down.
 * - GET /health/ready: readiness for monitors and load balancers. 503 when any dependency, the
 *   processor included, is down.
 * The processor is really asked (through the client the jobs use), and its answer is kept for
 * PROCESSOR_HEALTH_CACHE_SECONDS per isolate, so frequent polling costs one processor call per
 * period and wakes a sleeping Container at most that often; `?deep=1` asks it now.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { pingDatabase } from '../db/client.ts';
import type { Bindings } from '../core/env.ts';
import { jsonContent } from '../http/openapi.ts';
import { createPublicRouter } from '../http/router.ts';
import { processorClient } from '../processor/connect.ts';
import { PROCESSOR_HEALTH_CACHE_SECONDS } from '../core/limits.ts';

export const VERSION = '0.1.0';

const Check = z.object({ ok: z.boolean(), detail: z.string().optional(), latency_ms: z.number().optional() });
const HealthResponse = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    version: z.string(),
    checks: z.object({ database: Check, storage: Check, queue: Check, processor: Check }),
    ffmpeg_available: z.boolean().nullable(),
  })
  .openapi('Health');

async function timed(fn: () => Promise<string | undefined>): Promise<z.infer<typeof Check>> {
  const start = Date.now();
  try {
    const detail = await fn();
    return { ok: true, latency_ms: Date.now() - start, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { ok: false, latency_ms: Date.now() - start, detail: err instanceof Error ? err.message : String(err) };
  }
}

type ProcessorHealth = { check: z.infer<typeof Check>; ffmpeg: boolean | null };

const processorHealthCache = new Map<string, { at: number; result: Promise<ProcessorHealth> }>();

async function askProcessor(env: Bindings): Promise<ProcessorHealth> {
  const start = Date.now();
  const health = await processorClient(env).health();
  return {
    check: { ok: health.ok, latency_ms: Date.now() - start, ...(health.detail ? { detail: health.detail } : {}) },
    ffmpeg: health.ffmpeg,
  };
}

/** The processor's health, asked at most once per cache period per processor (unless `deep`). */
function processorCheck(env: Bindings, deep: boolean): Promise<ProcessorHealth> {
  const key = env.PROCESSOR_URL || 'container';
  const cached = processorHealthCache.get(key);
  if (!deep && cached && Date.now() - cached.at < PROCESSOR_HEALTH_CACHE_SECONDS * 1000) return cached.result;
  const result = askProcessor(env);
  processorHealthCache.set(key, { at: Date.now(), result });
  return result;
}

async function healthReport(env: Bindings, deep: boolean) {
  const [database, storage, processor] = await Promise.all([
    timed(async () => {
      await pingDatabase(env.DB);
      return undefined;
    }),
    timed(async () => {
      await env.MEDIA.head('health/probe');
      return undefined;
    }),
    processorCheck(env, deep),
  ]);
  const queue = { ok: typeof env.JOBS?.send === 'function' };
  const core = database.ok && storage.ok && queue.ok;
  return {
    core,
    ready: core && processor.check.ok,
    body: {
      status: !core ? 'unhealthy' : processor.check.ok ? 'healthy' : 'degraded',
      version: VERSION,
      checks: { database, storage, queue, processor: processor.check },
      ffmpeg_available: processor.ffmpeg,
    } as const,
  };
}

const HealthQuery = z.object({ deep: z.enum(['0', '1']).optional() });

export function healthRoutes() {
  return createPublicRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getHealth',
        path: '/health',
        tags: ['System'],
        summary: 'Liveness: can the API serve requests',
        description:
          '200 while the database, storage and queue work (`degraded` when only the media processor is down), 503 when one of them is down. For monitors that must alert on the processor too, use `/health/ready`. The processor answer is cached for a short while; `?deep=1` asks it now.',
        request: { query: HealthQuery },
        responses: {
          200: jsonContent(HealthResponse, 'Healthy or degraded (the processor is down)'),
          503: jsonContent(HealthResponse, 'Unhealthy: the database, storage or queue is down'),
        },
      }),
      async (c) => {
        const report = await healthReport(c.env, c.req.query('deep') === '1');
        return c.json(report.body, report.core ? 200 : 503);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getReadiness',
        path: '/health/ready',
        tags: ['System'],
        summary: 'Readiness: is every dependency up, the media processor included',
        description:
          '200 only when the database, storage, queue and media processor all answer; 503 otherwise (same body as `/health`). The processor answer is cached for a short while; `?deep=1` asks it now.',
        request: { query: HealthQuery },
        responses: {
          200: jsonContent(HealthResponse, 'Every dependency is up'),
          503: jsonContent(HealthResponse, 'A dependency is down (see `checks`)'),
        },
      }),
      async (c) => {
        const report = await healthReport(c.env, c.req.query('deep') === '1');
        return c.json(report.body, report.ready ? 200 : 503);
      },
    );
}
