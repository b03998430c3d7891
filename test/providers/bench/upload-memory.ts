/**
 * Benchmark: memory and throughput of the streamed Postiz upload versus buffering the file first.
 * The Postiz fake runs in its own process (it only hashes what it receives); each upload variant
 * runs in a fresh child process, so one variant's heap growth cannot hide another's. Peak RSS of
 * the uploading process is sampled every 20 ms.
 *
 *   node test/providers/bench/upload-memory.ts [sizeMiB=512]
 *
 * Figures go into docs/providers.md.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createPostizClient } from '../../../src/providers/postiz.ts';
import { PostizFake } from '../../fakes/postiz-server.ts';

const self = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const role = argv[0] === 'fake' || argv[0] === 'client' ? argv[0] : 'driver';
const args = (role === 'driver' ? argv : argv.slice(1)).filter((a) => a !== '--live');
const sizeMiB = Number((role === 'client' ? args[4] : args[0]) ?? 512);

/** A pull-based file stream: reads 256 KiB only when the consumer asks (as an R2 object body does). */
function pullStream(file: string): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      handle ??= await open(file, 'r');
      const buffer = new Uint8Array(256 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
      } else controller.enqueue(buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
    },
  });
}

async function upload(mode: string, baseUrl: string, apiKey: string, path: string, size: number): Promise<void> {
  const client = createPostizClient({ baseUrl, apiKey });
  if (mode === 'streamed') {
    await client.uploadMedia({ filename: 'big.mp4', contentType: 'video/mp4', body: pullStream(path), size });
  } else if (mode === 'node-stream') {
    const body = Readable.toWeb(createReadStream(path, { highWaterMark: 256 * 1024 })) as ReadableStream<Uint8Array>;
    await client.uploadMedia({ filename: 'big.mp4', contentType: 'video/mp4', body, size });
  } else {
    // The naive way: read the whole file, then let FormData encode it.
    const form = new FormData();
    form.append('file', new Blob([await readFile(path)], { type: 'video/mp4' }), 'big.mp4');
    const res = await fetch(`${baseUrl}/upload`, { method: 'POST', headers: { authorization: apiKey }, body: form });
    if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  }
}

/** `--live`: also force a GC every sample to measure retained buffers (slower, changes timing). */
const extraFlags = process.argv.includes('--live') ? ['--expose-gc'] : [];

function runChild(childArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...extraFlags, self, ...childArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}`))));
  });
}

if (role === 'fake') {
  const fake = await PostizFake.start();
  console.log(JSON.stringify({ baseUrl: fake.baseUrl, apiKey: fake.apiKey }));
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
} else if (role === 'client') {
  const [mode, baseUrl, apiKey, path] = args as [string, string, string, string];
  const size = sizeMiB * 1024 * 1024;
  const base = process.memoryUsage().rss;
  let peak = base;
  // Live (retained) buffer memory: sampled right after a full GC, so garbage does not count.
  let peakLive = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (gc) {
      gc();
      peakLive = Math.max(peakLive, process.memoryUsage().arrayBuffers);
    }
  }, 20);
  const started = performance.now();
  await upload(mode, baseUrl, apiKey, path, size);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = (performance.now() - started) / 1000;
  const mib = (n: number) => (n / 1048576).toFixed(0);
  console.log(
    `${mode.padEnd(11)} ${sizeMiB} MiB in ${seconds.toFixed(2)} s (${(sizeMiB / seconds).toFixed(0)} MiB/s), peak RSS +${mib(peak - base)} MiB${gc ? `, peak live buffers ${mib(peakLive)} MiB` : ''}`,
  );
} else {
  const dir = await mkdtemp(join(tmpdir(), 'upload-bench-'));
  const path = join(dir, 'big.mp4');
  // An MP4 signature followed by a sparse file: fast to create, still read byte by byte.
  const handle = await open(path, 'w');
  await handle.write(Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]));
  await handle.truncate(sizeMiB * 1024 * 1024);
  await handle.close();

  const fakeProcess = spawn(process.execPath, [self, 'fake'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { baseUrl, apiKey } = await new Promise<{ baseUrl: string; apiKey: string }>((resolve) =>
    fakeProcess.stdout.once('data', (d: Buffer) =>
      resolve(JSON.parse(d.toString()) as { baseUrl: string; apiKey: string }),
    ),
  );
  try {
    console.log(`node ${process.version}, ${sizeMiB} MiB file, fake Postiz in a separate process`);
    for (const mode of ['streamed', 'node-stream', 'buffered']) {
      console.log(await runChild(['client', mode, baseUrl, apiKey, path, String(sizeMiB)]));
    }
    const res = await fetch(`${new URL(baseUrl).origin}/__fake/requests?path=/public/v1/upload`);
    const { requests } = (await res.json()) as {
      requests: { chunked: boolean; content_length: number | null; extra: { file?: { size: number } } }[];
    };
    console.log(
      `fake received: ${requests.map((r) => `${r.extra.file?.size} bytes (content-length ${r.content_length}, chunked ${r.chunked})`).join('; ')}`,
    );
  } finally {
    fakeProcess.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}
