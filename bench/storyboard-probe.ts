/**
 * The storyboard made at probe time against the naive way (made by the first storyboard request),
 * through the whole local stack (Worker + real processor), on a 60 s 1280×720 30 fps H.264 upload:
 *
 *   npm run bench:storyboard:probe [-- --rounds 3]
 *
 * For each way: the probe job's own time (`started_at` → `finished_at` of `probe_source_video`)
 * and the first `GET …/storyboard.jpg` after the upload is ready. The naive way is staged by
 * holding the sprite's claim while the upload is probed (the probe then leaves the sprite to a
 * request, as before this change), then letting it go. Median of the rounds; figures go to
 * docs/api.md#posters-and-storyboards.
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { fileSize, makeVideo, readWhole } from '../test/helpers/node/media-fixtures.ts';
import { type Stack, type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const BASE = '/api/v1/segments/source-videos';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  probeMs: number;
  firstRequestMs: number;
  served: string | null;
}

async function round(stack: Stack, tenant: Tenant, path: string, naive: boolean): Promise<Round> {
  const api = stack.api(tenant);
  const bytes = await readWhole(path);
  const created = await api(`${BASE}/uploads`, {
    json: { content_type: 'video/mp4', name: 'bench', size_bytes: bytes.length, filename: 'bench.mp4' },
  });
  if (created.status !== 201) throw new Error(`upload: ${created.status} ${created.text}`);
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
  const id = created.body.source_video.id as string;
  const key = `p/${tenant.profileId}/videos/${id}/storyboard.jpg`;
  if (naive) {
    stack.d1(
      'INSERT INTO media_claims (key, profile_id, holder, expires_at) VALUES (?, ?, ?, ?)',
      key,
      tenant.profileId,
      'bench',
      Date.now() + 600_000,
    );
  }
  const done = await api(`${BASE}/${id}/complete`, { method: 'POST' });
  const job = await stack.waitForJob(tenant, done.body.job_id, { timeoutMs: 600_000 });
  if (job.status !== 'completed') throw new Error(`probe: ${JSON.stringify(job.error)}`);
  const probeMs = Date.parse(String(job.finished_at)) - Date.parse(String(job.started_at));
  if (naive) stack.d1('DELETE FROM media_claims WHERE key = ?', key);
  const started = performance.now();
  const sprite = await api(`${BASE}/${id}/storyboard.jpg`);
  const firstRequestMs = performance.now() - started;
  if (sprite.status !== 200) throw new Error(`storyboard: ${sprite.status} ${sprite.text}`);
  return { probeMs, firstRequestMs, served: sprite.headers.get('x-storyboard') };
}

const video = await makeVideo({ width: 1280, height: 720, duration: 60, fps: 30 });
const stack = await startStack({ logLevel: 'error' });
try {
  const tenant = await stack.newTenant('bench');
  // One upload first, so neither way pays for the processor's and the isolate's first start.
  await round(stack, tenant, video, false);
  const ways = { 'made by the first request (naive)': true, 'made at probe': false };
  const results: Record<string, Round[]> = {};
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, naive] of Object.entries(ways)) {
      results[name] = [...(results[name] ?? []), await round(stack, tenant, video, naive)];
    }
  }
  console.log(
    `60 s 1280×720 30 fps H.264 (${((await fileSize(video)) / 1e6).toFixed(1)} MB), ${cpus().length} × ${cpus()[0]?.model}, median of ${ROUNDS}`,
  );
  console.log('| way | probe job | first storyboard.jpg | X-Storyboard |');
  console.log('|---|---|---|---|');
  for (const [name, rounds] of Object.entries(results)) {
    const probe = median(rounds.map((r) => r.probeMs));
    const first = median(rounds.map((r) => r.firstRequestMs));
    console.log(
      `| ${name} | ${(probe / 1000).toFixed(2)} s | ${(first / 1000).toFixed(2)} s | ${rounds.map((r) => r.served).join(', ')} |`,
    );
  }
} finally {
  await stack.stop();
}
