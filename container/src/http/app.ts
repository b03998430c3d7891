/**
 * The processor's HTTP surface:
 * - `GET /health` (open): binaries found, version, operations in flight. Nothing secret.
 * - `POST /v1/{operation}[?operation_id=…]` (signed): body ≤ MAX_BODY_BYTES, signature checked
 *   before parsing, body validated before any work, concurrency bounded (503 `busy` over the
 *   limit), then the operation runs (in the background under its id, when it has one: runs.ts)
 *   and the answer streams NDJSON progress lines and exactly one result or error line.
 * - `GET /v1/operations/{id}` (status), `GET /v1/operations/{id}/events` (attach to its stream),
 *   `DELETE /v1/operations/{id}` (cancel), all signed.
 * Failures before the stream starts answer 4xx/5xx JSON `{ error: { code, message } }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ProcessorErrorCode } from '../../../shared/processor/errors.ts';
import {
  type ErrorResponse,
  OPERATION_ID_PARAM,
  operationId,
  type StreamLine,
} from '../../../shared/processor/protocol.ts';
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
import { createRunRegistry, type Run, type RunOutcome } from '../runs.ts';

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

/** How long a cancel waits for the run to end (its processes killed, temp dir removed) before answering. */
const CANCEL_WAIT_MS = 10_000;

/**
 * Streams a run to one caller: where it is now, then each progress line (repeated every
 * HEARTBEAT_MS so proxies keep the connection), then its outcome. A connection run is cancelled
 * when its caller hangs up (nobody would receive the result); a background run goes on.
 */
function streamRun(res: ServerResponse, run: Run): void {
  res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  let last: StreamLine | null = null;
  const writeLine = (line: StreamLine) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(line)}\n`);
  };
  const heartbeat = setInterval(
    () => writeLine(last?.type === 'progress' ? last : { type: 'progress', percent: 0, step: 'working' }),
    HEARTBEAT_MS,
  );
  const unfollow = run.follow((line) => {
    last = line;
    writeLine(line);
    if (line.type !== 'progress') {
      clearInterval(heartbeat);
      res.end();
    }
  });
  res.on('close', () => {
    clearInterval(heartbeat);
    unfollow();
    if (!run.background && !run.finished()) void run.cancel();
  });
}

export function createProcessorServer(config: ProcessorConfig): ProcessorServer {
  const runs = createRunRegistry({
    maxRunning: config.maxConcurrentOps,
    rememberMs: config.runs.rememberMs,
    maxRemembered: config.runs.maxRemembered,
  });
  const parseRequest = createRequestParser(config.allowedMediaOrigins);

  /** Runs one operation to its outcome: time limit, temp dir, range gateway, failures as codes. */
  async function execute(
    operation: Operation<never>,
    request: unknown,
    name: string,
    id: string | undefined,
    signal: AbortSignal,
    progress: (percent: number, step: string) => void,
  ): Promise<RunOutcome> {
    const started = Date.now();
    const timeoutMs = operationTimeoutMs(config, name);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const gateway = openGatewaySession();
    try {
      const result = await withTempDir((dir) =>
        operation.run(
          request as never,
          createOpContext(config, dir, controller.signal, started + timeoutMs, progress, gateway),
        ),
      );
      log('info', 'operation done', {
        operation: name,
        id,
        ms: Date.now() - started,
        upstream: gateway.totals(),
      });
      return { type: 'result', result };
    } catch (err) {
      const failure = timedOut
        ? new ProcessorFailure('timeout', `The operation exceeded its time limit of ${Math.round(timeoutMs / 1000)} s`)
        : signal.aborted
          ? new ProcessorFailure('cancelled', 'The operation was cancelled')
          : asFailure(err);
      if (!(err instanceof ProcessorFailure) && !timedOut && !signal.aborted) {
        log('error', 'operation crashed', {
          operation: name,
          id,
          error: err instanceof Error ? err.stack : String(err),
        });
      } else {
        log('warn', 'operation failed', {
          operation: name,
          id,
          code: failure.code,
          message: failure.message,
          ms: Date.now() - started,
        });
      }
      return { type: 'error', code: failure.code, message: failure.message };
    } finally {
      gateway.close();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Checks the signature over the method, the path with its query, and the body. */
  async function authorised(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const signature = await verifyProcessorSignature(
      req.headers[SIGNATURE_HEADER] as string | undefined,
      config.secret,
      req.method ?? 'GET',
      url.pathname + url.search,
      body,
    );
    if (!signature.ok) sendError(res, 401, 'unauthorized', `Unauthorized: ${signature.reason}`);
    return signature.ok;
  }

  async function handleOperation(req: IncomingMessage, res: ServerResponse, name: string, url: URL): Promise<void> {
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
    if (!(await authorised(req, res, url, body))) return;
    const id = url.searchParams.get(OPERATION_ID_PARAM) ?? undefined;
    if (id !== undefined && !operationId.safeParse(id).success) {
      sendError(
        res,
        400,
        'invalid_request',
        `${OPERATION_ID_PARAM}: 1–160 letters, digits, dots, dashes or underscores`,
      );
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
    const start = runs.start(id, name, (signal, progress) => execute(operation, request, name, id, signal, progress));
    if (start.kind === 'busy') {
      res.setHeader('retry-after', '5');
      sendError(res, 503, 'busy', `The processor is running ${start.running} operations; retry later`);
      return;
    }
    if (start.kind === 'conflict') {
      sendError(res, 409, 'invalid_request', `Operation ${id} is a ${start.run.operation}, not a ${name}`);
      return;
    }
    if (id !== undefined) log('info', `operation ${start.kind}`, { operation: name, id });
    streamRun(res, start.run);
  }

  /** `GET /v1/operations/{id}[/events]` and `DELETE /v1/operations/{id}`. */
  async function handleRun(req: IncomingMessage, res: ServerResponse, id: string, events: boolean, url: URL) {
    if (!(await authorised(req, res, url, Buffer.alloc(0)))) return;
    const run = runs.get(id);
    if (!run) {
      sendError(
        res,
        404,
        'operation_unknown',
        `No operation ${id} (never started, forgotten, or the processor restarted)`,
      );
      return;
    }
    if (req.method === 'DELETE') {
      const wasRunning = !run.finished();
      await Promise.race([run.cancel(), new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
      if (wasRunning) log('info', 'operation cancelled', { operation: run.operation, id });
      sendJson(res, 200, run.status());
    } else if (events) {
      log('info', 'operation attached', { operation: run.operation, id });
      streamRun(res, run);
    } else sendJson(res, 200, run.status());
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
        in_flight: runs.running(),
      });
      return;
    }
    const fail = (err: unknown) => {
      log('error', 'request handler crashed', { error: err instanceof Error ? err.stack : String(err) });
      if (!res.headersSent) sendError(res, 500, 'internal', 'Internal processor error');
      else res.end();
    };
    const runPath = /^\/v1\/operations\/([^/]{1,200})(\/events)?$/.exec(url.pathname);
    if (runPath?.[1]) {
      const events = Boolean(runPath[2]);
      const allowed = events ? ['GET'] : ['GET', 'DELETE'];
      if (!allowed.includes(req.method ?? '')) {
        res.setHeader('allow', allowed.join(', '));
        sendError(res, 405, 'invalid_request', `${req.method} is not allowed here`);
        return;
      }
      // Ids are plain (letters, digits, `._-`): anything else names no operation.
      const id = operationId.safeParse(runPath[1]).success ? runPath[1] : '';
      handleRun(req, res, id, events, url).catch(fail);
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
    handleOperation(req, res, match[1], url).catch(fail);
  });
  server.requestTimeout = 0; // operations stream for as long as their own timeout allows
  server.headersTimeout = 30_000;
  server.on('close', () => runs.close());

  return {
    server,
    inFlight: () => runs.running(),
    abortAll: () => runs.abortAll(),
  };
}
