/**
 * The edge in front of the local Worker (`npm start`, the e2e stack): what Cloudflare does to a
 * request before a deployed Worker sees it, as far as Cutroom's limits go. A request body over
 * `MAX_REQUEST_BODY_BYTES` (100 MB, the Free/Pro limit) is refused with 413 and never reaches the
 * Worker: at once when its Content-Length says so (nothing of it is read), or, for a chunked body,
 * as soon as the bytes passed exceed the limit. Everything else streams through both ways.
 *
 * Every refusal is logged, and `stats` counts what passed (the tests assert that a > 100 MB output
 * was stored without one request body over the limit). The processor's storage route on the dev
 * Worker goes through here too, so the limit holds for it as for every public route.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { errorBody } from '../src/core/errors.ts';
import { MAX_REQUEST_BODY_BYTES } from '../src/core/limits.ts';

export interface RefusedRequest {
  method: string;
  /** The path with long segments (tokens) shortened. */
  path: string;
  /** The declared length, or the bytes counted when the limit was passed. */
  bytes: number;
}

export interface EdgeStats {
  /** Requests passed to the Worker. */
  forwarded: number;
  /** The largest request body passed to the Worker, bytes. */
  largestBody: number;
  refused: RefusedRequest[];
}

export interface DevEdge {
  url: string;
  stats: EdgeStats;
  close(): Promise<void>;
}

export interface DevEdgeOptions {
  /** The Worker's own address, e.g. http://127.0.0.1:8789. */
  upstream: string;
  port?: number;
  host?: string;
  /** Largest request body passed on (default: the platform's, MAX_REQUEST_BODY_BYTES). */
  limit?: number;
  log?: (line: string) => void;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

function withoutHopByHop(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

/** Signed tokens stay out of logs. */
const shortened = (path: string) => path.split('?')[0]!.replace(/[^/]{40,}/g, (segment) => `${segment.slice(0, 8)}…`);

export async function startDevEdge(options: DevEdgeOptions): Promise<DevEdge> {
  const limit = options.limit ?? MAX_REQUEST_BODY_BYTES;
  const log = options.log ?? ((line: string) => console.warn(line));
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  const freshAgent = new Agent({ keepAlive: false });
  const stats: EdgeStats = { forwarded: 0, largestBody: 0, refused: [] };

  const refuse = (req: IncomingMessage, res: ServerResponse, bytes: number, how: string) => {
    const refusal = { method: req.method ?? '?', path: shortened(req.url ?? '/'), bytes };
    stats.refused.push(refusal);
    log(`[edge] 413 ${refusal.method} ${refusal.path}: ${how} ${bytes} bytes, over the ${limit}-byte request limit`);
    if (!res.headersSent) {
      const message = `The request body is larger than ${limit} bytes, the platform's limit`;
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(errorBody(`edge_${randomUUID()}`, 'payload_too_large', message)));
    } else {
      res.destroy();
    }
    // What the client still sends is read and dropped, so it sees the answer rather than a reset.
    req.resume();
  };

  const server = createServer((req, res) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      refuse(req, res, Number(declared), 'Content-Length');
      return;
    }
    // A request without a body may go out on a kept-alive connection; when the Worker closed that
    // connection just as it was reused (ECONNRESET on a reused socket), the request is sent again
    // on a fresh one, as Node's documentation advises. A body streams once, so it gets a fresh
    // connection from the start.
    const bodiless = (req.method === 'GET' || req.method === 'HEAD') && !declared && !req.headers['transfer-encoding'];
    const send = (retry: boolean) => {
      const forward = httpRequest(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: withoutHopByHop(req.headers),
          agent: bodiless ? agent : freshAgent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
          answer.pipe(res);
        },
      );
      forward.on('error', (err: NodeJS.ErrnoException) => {
        if (refused) return;
        if (retry && forward.reusedSocket && err.code === 'ECONNRESET' && !res.headersSent) {
          send(false).end();
          return;
        }
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('The Worker did not answer');
        else res.destroy();
      });
      // The client hanging up ends the Worker's request too.
      res.on('close', () => {
        if (!res.writableFinished) forward.destroy();
      });
      return forward;
    };
    let refused = false;
    stats.forwarded += 1;
    if (bodiless) {
      req.resume();
      send(true).end();
      return;
    }
    const forward = send(false);
    let passed = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done: TransformCallback) {
        passed += chunk.length;
        if (passed > limit) {
          refused = true;
          forward.destroy();
          req.unpipe(counter);
          refuse(req, res, passed, 'a chunked body passed');
          done();
          return;
        }
        done(null, chunk);
      },
    });
    req.on('end', () => {
      if (!refused) stats.largestBody = Math.max(stats.largestBody, passed);
    });
    req.pipe(counter).pipe(forward);
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
        freshAgent.destroy();
      }),
  };
}
