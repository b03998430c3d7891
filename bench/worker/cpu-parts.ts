/**
 * The CPU side of a list request, part by part, timed inside workerd (bench/worker/api-worker.ts runs
 * one part `n` times per request; bench/api.ts times requests of n and of 0 and divides). The
 * Workers clock does not move during computation, so this is how its CPU shows. Each part runs the
 * way the Worker did it before (naive) where that differed, and the way it does now (labels in
 * bench-paths.ts).
 */
import { drizzle } from 'drizzle-orm/d1';
import { jwtVerify } from 'jose';
import { verifyToken, verifyTokenNow } from '../../src/auth/verify-token.ts';
import type { Bindings } from '../../src/core/env.ts';
import { createDb } from '../../src/db/client.ts';
import { pageQuery } from '../../src/db/pagination.ts';
import type { ProjectRow } from '../../src/db/repos/projects.ts';
import * as schema from '../../src/db/schema.ts';
import { toProjectResponse } from '../../src/routes/projects/presenter.ts';
import type { CpuPartName } from './bench-paths.ts';

export interface CpuPartInput {
  env: Bindings;
  /** The request's bearer token. */
  token: string;
}

type Run = (input: CpuPartInput) => unknown;

/** Each part's code, as the Worker ran it before (`naive`, when that differed) and as it runs now. */
export type CpuPart = { naive?: Run; now: Run };

const project = (i: number): ProjectRow => ({
  id: `prj_01jd2v4m8r00000000000000${String(i).padStart(2, '0')}`,
  profileId: 'prf_01jd2v4m8r0000000000000000',
  name: `Bench project ${i}`,
  description: 'A project of the API benchmark',
  status: 'draft',
  targetDuration: 30,
  contextText: null,
  sourceVideoId: null,
  variantsCount: 0,
  selectedCount: 0,
  exportedCount: 0,
  progress: 0,
  progressStep: null,
  generationJobId: null,
  createdAt: '2026-12-02T00:00:00.000Z',
  updatedAt: '2026-12-02T00:00:00.000Z',
});
const rows = Array.from({ length: 20 }, (_, i) => project(i));

const verifyOptions = { requiredClaims: ['exp', 'sub'], clockTolerance: 30, algorithms: ['HS256'] };

export const CPU_PARTS: Record<CpuPartName, CpuPart> = {
  token: {
    naive: ({ env, token }) => jwtVerify(token, new TextEncoder().encode(env.JWT_SECRET ?? ''), verifyOptions),
    now: ({ env, token }) => verifyTokenNow(token, { secret: env.JWT_SECRET }),
  },
  tokenRemembered: {
    naive: ({ env, token }) => verifyTokenNow(token, { secret: env.JWT_SECRET }),
    now: ({ env, token }) => verifyToken(token, { secret: env.JWT_SECRET }),
  },
  db: { naive: ({ env }) => drizzle(env.DB, { schema }), now: ({ env }) => createDb(env.DB) },
  query: { now: () => pageQuery.parse({ limit: '20' }) },
  present: { now: () => JSON.stringify({ projects: rows.map((r) => toProjectResponse(r)), next_cursor: null }) },
};
