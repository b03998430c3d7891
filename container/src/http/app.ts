/**
 * The processor's HTTP surface:
 * - `GET /health` (open): binaries found, version, operations in flight. Nothing secret.
 * - `POST /v1/{operation}` (signed): body ≤ MAX_BODY_BYTES, signature checked before parsing,
 *   body validated before any work, concurrency bounded (503 `busy` over the limit), then the
 *   operation runs and streams NDJSON progress lines and exactly one result or error line.
 * Failures before the stream starts answer 4xx/5xx JSON `{ error: { code, message } }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ProcessorErrorCode } from '../../../shared/processor/errors.ts';
import type { ErrorResponse } from '../../../shared/processor/protocol.ts';
import { SIGNATURE_HEADER, verifyProcessorSignature } from '../../../shared/processor/signature.ts';
import { operationTimeoutMs, type ProcessorConfig } from '../config.ts';
import { asFailure, invalidRequest, ProcessorFailure } from '../errors.ts';
import { log } from '../log.ts';
import { binaries } from '../media/binaries.ts';
import { openGatewaySession } from '../media/range-gateway.ts';
import { withTempDir } from '../media/temp-dir.ts';
import { createOpContext, type Operation } from '../operation.ts';
import { operations } from '../ops/index.ts';
import { createRequestParser } from '../request.ts';

const HEARTBEAT_MS = 15_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  code: ProcessorErrorCode,
  message: string,
  details?: unknown,
): void {
  const body: ErrorResponse = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  sendJson(res, status, body);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        // Stop keeping it, let the rest drain, and answer 413 (destroying the socket would leave
        // the caller with a reset instead of an answer).
        req.off('data', onData);
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ProcessorServer {
  server: Server;
  inFlight(): number;
  /** Aborts every running operation (their processes are killed, temp dirs removed). */
  abortAll(): void;
}

export function createProcessorServer(config: ProcessorConfig): ProcessorServer {
  let inFlight = 0;
  const running = new Set<AbortController>();
  const parseRequest = createRequestParser(config.allowedMediaOrigins);

  async function handleOperation(req: IncomingMessage, res: ServerResponse, name: string, path: string): Promise<void> {
    // Own properties only: "constructor" and friends are not operations.
    const operation = Object.hasOwn(operations, name)
      ? (operations as unknown as Record<string, Operation<never>>)[name]
      : undefined;
    if (!operation) {
      sendError(res, 404, 'invalid_request', `Unknown operation "${name}"`);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, config.limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        sendError(res, 413, 'invalid_request', `Request body exceeds ${config.limits.maxBodyBytes} bytes`);
      } else sendError(res, 400, 'invalid_request', 'Could not read the request body');
      return;
    }
    const signature = await verifyProcessorSignature(
      req.headers[SIGNATURE_HEADER] as string | undefined,
      config.secret,
      'POST',
      path,
      body,
    );
    if (!signature.ok) {
      sendError(res, 401, 'unauthorized', `Unauthorized: ${signature.reason}`);
      return;
    }
    let request: unknown;
    try {
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw invalidRequest('Body is not valid JSON');
      }
      request = parseRequest(operation, json);
    } catch (err) {
      const failure = asFailure(err);
      sendError(res, failure.status, failure.code, failure.message, failure.details);
      return;
    }
    if (inFlight >= config.maxConcurrentOps) {
      res.setHeader('retry-after', '5');
      sendError(res, 503, 'busy', `The processor is running ${inFlight} operations; retry later`);
      return;
    }

    inFlight++;
    const controller = new AbortController();
    running.add(controller);
    const started = Date.now();
    const timeoutMs = operationTimeoutMs(config, name);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    // The caller hanging up cancels the work: nobody would receive the result.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });

    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const writeLine = (value: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(value)}\n`);
    };
    let lastPercent = -1;
    let lastStep = '';
    const progress = (percent: number, step: string) => {
      const rounded = Math.max(0, Math.min(100, Math.floor(percent)));
      if (rounded === lastPercent && step === lastStep) return;
      lastPercent = rounded;
      lastStep = step;
      writeLine({ type: 'progress', percent: rounded, step });
    };
    const heartbeat = setInterval(
      () => writeLine({ type: 'progress', percent: Math.max(0, lastPercent), step: lastStep || 'working' }),
      HEARTBEAT_MS,
    );

    const gateway = openGatewaySession();
    try {
      const result = await withTempDir((dir) =>
        operation.run(
          request as never,
          createOpContext(config, dir, controller.signal, started + timeoutMs, progress, gateway),
        ),
      );
      writeLine({ type: 'result', result });
      log('info', 'operation done', { operation: name, ms: Date.now() - started, upstream: gateway.totals() });
    } catch (err) {
      const failure = timedOut
        ? new ProcessorFailure('timeout', `The operation exceeded its time limit of ${Math.round(timeoutMs / 1000)} s`)
        : asFailure(err);
      if (!(err instanceof ProcessorFailure) && !timedOut) {
        log('error', 'operation crashed', { operation: name, error: err instanceof Error ? err.stack : String(err) });
      } else {
        log('warn', 'operation failed', {
          operation: name,
          code: failure.code,
          message: failure.message,
          ms: Date.now() - started,
        });
      }
      writeLine({ type: 'error', code: failure.code, message: failure.message });
    } finally {
      gateway.close();
      clearTimeout(timer);
      clearInterval(heartbeat);
      running.delete(controller);
      inFlight--;
      res.end();
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://processor');
    if (req.method === 'GET' && url.pathname === '/health') {
      const found = binaries();
      sendJson(res, found.ffmpeg && found.ffprobe ? 200 : 503, {
        status: found.ffmpeg && found.ffprobe ? 'ok' : 'degraded',
        ffmpeg: Boolean(found.ffmpeg),
        ffprobe: Boolean(found.ffprobe),
        espeak: Boolean(found.espeak),
        version: config.version,
        in_flight: inFlight,
      });
      return;
    }
    const match = /^\/v1\/([a-z-]{1,40})$/.exec(url.pathname);
    if (!match?.[1]) {
      sendError(res, 404, 'invalid_request', `No route for ${req.method} ${url.pathname}`);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, 405, 'invalid_request', 'Operations are POST requests');
      return;
    }
    handleOperation(req, res, match[1], url.pathname).catch((err: unknown) => {
      log('error', 'request handler crashed', { error: err instanceof Error ? err.stack : String(err) });
      if (!res.headersSent) sendError(res, 500, 'internal', 'Internal processor error');
      else res.end();
    });
  });
  server.requestTimeout = 0; // operations stream for as long as their own timeout allows
  server.headersTimeout = 30_000;

  return {
    server,
    inFlight: () => inFlight,
    abortAll: () => {
      for (const controller of running) controller.abort();
    },
  };
}
