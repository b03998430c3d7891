/**
 * Node-side servers the workerd attack cases reach over loopback (besides the ones of
 * test/global-setup-worker.ts): a canary standing for an internal service a user-supplied URL might
 * point at. It counts requests per tag (the first path segment after `/t/`) and answers every
 * request with 401 and a secret body, so a case can tell whether the Worker called it and whether
 * the answer was reflected.
 *
 *   GET {canaryUrl}/__hits/<tag>   → {"hits": n}
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';

const CANARY_SECRET = `canary-${crypto.randomUUID()}`;

export default async function setup(project: TestProject) {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://canary');
    const counted = /^\/__hits\/([^/]+)$/.exec(url.pathname);
    res.setHeader('content-type', 'application/json');
    if (counted) {
      res.end(JSON.stringify({ hits: hits.get(counted[1]!) ?? 0 }));
      return;
    }
    const tag = /^\/t\/([^/]+)/.exec(url.pathname)?.[1] ?? 'untagged';
    hits.set(tag, (hits.get(tag) ?? 0) + 1);
    res.statusCode = 401;
    res.end(JSON.stringify({ message: `${CANARY_SECRET} internal admin console`, tag }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('canaryUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  project.provide('canarySecret', CANARY_SECRET);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
