/** GET /health: liveness of every dependency, without authentication and without secrets. */
import { createRoute, z } from '@hono/zod-openapi';
import { pingDatabase } from '../db/client.ts';
import type { Bindings } from '../core/env.ts';
import { jsonContent } from '../http/openapi.ts';
import { createPublicRouter } from '../http/router.ts';
import { processorClient } from '../processor/connect.ts';

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

/**
 * The processor through the same client the jobs use. A Container instance is only woken when
 * asked (`?deep=1`): an uptime monitor polling /health must not keep it from sleeping.
 */
async function processorCheck(
  env: Bindings,
  deep: boolean,
): Promise<{ check: z.infer<typeof Check>; ffmpeg: boolean | null }> {
  if (!env.PROCESSOR_URL && !deep)
    return { check: { ok: true, detail: 'container binding (checked with ?deep=1)' }, ffmpeg: null };
  const start = Date.now();
  const health = await processorClient(env).health();
  return {
    check: { ok: health.ok, latency_ms: Date.now() - start, ...(health.detail ? { detail: health.detail } : {}) },
    ffmpeg: health.ffmpeg,
  };
}

export function healthRoutes() {
  return createPublicRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getHealth',
      path: '/health',
      tags: ['System'],
      summary: 'Health of the API and its dependencies',
      request: { query: z.object({ deep: z.enum(['0', '1']).optional() }) },
      responses: {
        200: jsonContent(HealthResponse, 'Healthy or degraded (optional parts down)'),
        503: jsonContent(HealthResponse, 'Unhealthy: the database or storage is down'),
      },
    }),
    async (c) => {
      const [database, storage, processor] = await Promise.all([
        timed(async () => {
          await pingDatabase(c.env.DB);
          return undefined;
        }),
        timed(async () => {
          await c.env.MEDIA.head('health/probe');
          return undefined;
        }),
        processorCheck(c.env, c.req.query('deep') === '1'),
      ]);
      const queue = { ok: typeof c.env.JOBS?.send === 'function' };
      const core = database.ok && storage.ok && queue.ok;
      const status = !core ? 'unhealthy' : processor.check.ok ? 'healthy' : 'degraded';
      return c.json(
        {
          status,
          version: VERSION,
          checks: { database, storage, queue, processor: processor.check },
          ffmpeg_available: processor.ffmpeg,
        } as const,
        core ? 200 : 503,
      );
    },
  );
}
