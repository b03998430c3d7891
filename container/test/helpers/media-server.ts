/**
 * Stands in for the Worker's media endpoints in processor tests: serves files from a directory with
 * Range support (like R2 behind the Worker) and counts every request and byte it sends, and accepts
 * PUT uploads, which must carry Content-Length (the Worker rejects unknown lengths).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
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
  /** Makes a name answer with this status (e.g. 500) instead of the file. */
  failWith(name: string, status: number): void;
  /** Holds requests for a name unanswered until the returned function is called. */
  hold(name: string): () => void;
  /** Answers the next uploads of a name with these statuses, one each (then accepts again). */
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
        req.on('data', (chunk: Buffer) => {
          upload.bytes += chunk.length;
        });
        if (keepUploads) await pipeline(req, createWriteStream(path));
        else await pipeline(req, new Writable({ write: (_chunk, _encoding, done) => done() }));
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
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
