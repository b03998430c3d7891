/**
 * Stands in for the Worker's storage host in processor tests: serves files from a directory with
 * Range support (like R2 behind the Worker) and counts every request and byte it sends, and accepts
 * uploads, which must carry Content-Length (the Worker rejects unknown lengths): one PUT, or the
 * storage host's multipart steps (shared/processor/storage.ts), parts assembled in part order.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ServedRequest {
  name: string;
  range: string | null;
  status: number;
  bytesSent: number;
}

export interface Upload {
  name: string;
  path: string;
  contentType: string | null;
  contentLength: number | null;
  transferEncoding: string | null;
  bytes: number;
}

export interface MediaServer {
  origin: string;
  /** Signed-URL stand-in for a file in the served directory. */
  url(name: string): string;
  uploadUrl(name: string): string;
  requests(name?: string): ServedRequest[];
  uploads: Map<string, Upload>;
  multiparts: Map<string, MultipartUpload>;
  /** The largest request body any upload request carried. */
  largestBody(): number;
  /** Makes a name answer with this status (e.g. 500) instead of the file. */
  failWith(name: string, status: number): void;
  /** Holds requests for a name unanswered until the returned function is called. */
  hold(name: string): () => void;
  /** Answers the next uploads (or multipart parts) of a name with these statuses, one each (then accepts again). */
  failUploads(name: string, statuses: number[]): void;
  /** Ranged reads of a name that start after `from` send `bytes` and then drop the connection. */
  breakReads(name: string, from: number, bytes: number): void;
  reset(): void;
  close(): Promise<void>;
}

function parseRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, a, b] = match;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}

/** A multipart upload as the stand-in saw it (the last one per name). */
export interface MultipartUpload {
  /** Size of each part received, by part number (a retried part counts once, its last size). */
  parts: Map<number, number>;
  completed: boolean;
  aborted: boolean;
}

export interface MediaServerOptions {
  /**
   * false: uploads are received and counted but not written to this machine's disk — what the
   * processor sees in production, where the upload goes to R2 elsewhere (benchmarks use this so
   * the stand-in's disk writes do not share the processor's cores). Default true (tests read them).
   */
  keepUploads?: boolean;
}

export async function startMediaServer(dir: string, options: MediaServerOptions = {}): Promise<MediaServer> {
  const keepUploads = options.keepUploads ?? true;
  const uploadsDir = join(dir, 'uploads');
  await mkdir(uploadsDir, { recursive: true });
  const log: ServedRequest[] = [];
  const uploads = new Map<string, Upload>();
  const failures = new Map<string, number>();
  const holds = new Map<string, Promise<void>>();
  const uploadFailures = new Map<string, number[]>();
  const brokenReads = new Map<string, { from: number; bytes: number }>();
  const multiparts = new Map<string, MultipartUpload & { id: string; contentType: string | null }>();
  let largestBody = 0;

  /** Receives a body into `path` (or only counts it); resolves with its length. */
  const receive = async (req: IncomingMessage, path: string): Promise<number> => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    if (keepUploads) await pipeline(req, createWriteStream(path));
    else await pipeline(req, new Writable({ write: (_chunk, _encoding, done) => done() }));
    largestBody = Math.max(largestBody, bytes);
    return bytes;
  };
  const json = (res: ServerResponse, value: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  const partPath = (name: string, id: string, n: number) => join(uploadsDir, `${name}.${id}.${n}.part`);

  /** The storage host's multipart steps on `/upload/<name>`; resolves false when the request is not one. */
  const multipartStep = async (req: IncomingMessage, res: ServerResponse, url: URL, name: string) => {
    const uploadId = url.searchParams.get('upload_id');
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      const id = randomUUID();
      multiparts.set(name, { id, contentType: null, parts: new Map(), completed: false, aborted: false });
      json(res, { upload_id: id });
      return true;
    }
    if (uploadId === null) return false;
    const upload = multiparts.get(name);
    if (!upload || upload.id !== uploadId || upload.completed || upload.aborted) {
      req.resume();
      res.writeHead(req.method === 'DELETE' ? 204 : 409).end();
      return true;
    }
    if (req.method === 'PUT') {
      const n = Number(url.searchParams.get('part_number'));
      const length = req.headers['content-length'] ? Number(req.headers['content-length']) : null;
      const failure = uploadFailures.get(name)?.shift();
      if (length === null || failure) {
        req.resume();
        req.on('end', () => res.writeHead(failure ?? 411).end());
        return true;
      }
      upload.contentType ??= req.headers['content-type'] ?? null;
      const got = await receive(req, partPath(name, uploadId, n));
      if (got !== length) {
        res.writeHead(400).end();
        return true;
      }
      upload.parts.set(n, got);
      json(res, { part_number: n, etag: `etag-${n}` });
      return true;
    }
    if (req.method === 'DELETE') {
      upload.aborted = true;
      for (const n of upload.parts.keys()) await rm(partPath(name, uploadId, n), { force: true });
      res.writeHead(204).end();
      return true;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { parts } = JSON.parse(Buffer.concat(chunks).toString()) as { parts: { part_number: number }[] };
      const numbers = parts.map((p) => p.part_number);
      if (numbers.some((n, i) => n !== i + 1 || !upload.parts.has(n))) {
        res.writeHead(400).end();
        return true;
      }
      const path = join(uploadsDir, name);
      let size = 0;
      if (keepUploads) {
        const out = createWriteStream(path);
        for (const n of numbers) await pipeline(createReadStream(partPath(name, uploadId, n)), out, { end: false });
        await new Promise<void>((resolve) => out.end(resolve));
        for (const n of numbers) await rm(partPath(name, uploadId, n), { force: true });
      }
      for (const n of numbers) size += upload.parts.get(n)!;
      upload.completed = true;
      uploads.set(name, {
        name,
        path,
        contentType: upload.contentType,
        contentLength: size,
        transferEncoding: null,
        bytes: size,
      });
      json(res, { size_bytes: size, etag: 'etag-object' });
      return true;
    }
    return false;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, kind, raw] = url.pathname.split('/');
    const name = basename(decodeURIComponent(raw ?? ''));
    void (async () => {
      if (kind === 'media' && (req.method === 'GET' || req.method === 'HEAD')) {
        const entry: ServedRequest = { name, range: req.headers.range ?? null, status: 200, bytesSent: 0 };
        log.push(entry);
        const held = holds.get(name);
        if (held) await held;
        const forced = failures.get(name);
        if (forced) {
          entry.status = forced;
          res.writeHead(forced).end();
          return;
        }
        const path = join(dir, name);
        let size: number;
        try {
          size = (await stat(path)).size;
        } catch {
          entry.status = 404;
          res.writeHead(404).end();
          return;
        }
        let start = 0;
        let end = size - 1;
        if (req.headers.range) {
          const range = parseRange(req.headers.range, size);
          if (!range) {
            entry.status = 416;
            res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
            return;
          }
          ({ start, end } = range);
          entry.status = 206;
          res.writeHead(206, {
            'content-type': 'application/octet-stream',
            'accept-ranges': 'bytes',
            'content-range': `bytes ${start}-${end}/${size}`,
            'content-length': end - start + 1,
          });
        } else {
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'accept-ranges': 'bytes',
            'content-length': size,
          });
        }
        if (req.method === 'HEAD' || size === 0) {
          res.end();
          return;
        }
        const broken = brokenReads.get(name);
        const stream = createReadStream(path, {
          start,
          end: broken && start > broken.from ? Math.min(end, start + broken.bytes - 1) : end,
          highWaterMark: 64 * 1024,
        });
        stream.on('data', (chunk) => {
          entry.bytesSent += chunk.length;
        });
        if (broken && start > broken.from) {
          stream.on('end', () => res.destroy());
          stream.pipe(res, { end: false });
          return;
        }
        await pipeline(stream, res).catch(() => undefined);
        return;
      }
      if (kind === 'upload' && (await multipartStep(req, res, url, name))) return;
      if (kind === 'upload' && req.method === 'PUT') {
        const path = join(uploadsDir, name);
        const upload: Upload = {
          name,
          path,
          contentType: req.headers['content-type'] ?? null,
          contentLength: req.headers['content-length'] ? Number(req.headers['content-length']) : null,
          transferEncoding: (req.headers['transfer-encoding'] as string | undefined) ?? null,
          bytes: 0,
        };
        if (upload.contentLength === null) {
          res.writeHead(411).end();
          return;
        }
        const failure = uploadFailures.get(name)?.shift();
        if (failure) {
          req.resume();
          req.on('end', () => res.writeHead(failure).end());
          return;
        }
        upload.bytes = await receive(req, path);
        uploads.set(name, upload);
        res.writeHead(upload.bytes === upload.contentLength ? 201 : 400).end();
        return;
      }
      res.writeHead(404).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (name) => `${origin}/media/${encodeURIComponent(name)}?sig=test`,
    uploadUrl: (name) => `${origin}/upload/${encodeURIComponent(name)}?sig=test`,
    requests: (name) => (name ? log.filter((r) => r.name === name) : [...log]),
    uploads,
    multiparts,
    largestBody: () => largestBody,
    failWith: (name, status) => failures.set(name, status),
    hold: (name) => {
      let release = () => {};
      holds.set(name, new Promise<void>((r) => (release = r)));
      return () => {
        holds.delete(name);
        release();
      };
    },
    failUploads: (name, statuses) => uploadFailures.set(name, [...statuses]),
    breakReads: (name, from, bytes) => brokenReads.set(name, { from, bytes }),
    reset: () => {
      log.length = 0;
      uploads.clear();
      multiparts.clear();
      largestBody = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
