/**
 * The one client every job handler uses to reach the media processor. Transport-agnostic: it is
 * given a `fetch` (the Container Durable Object's stub in production, plain fetch to PROCESSOR_URL
 * in dev and tests; see connect.ts). It signs each request, reads the NDJSON stream, forwards
 * progress, and turns every failure into a `ProcessorError` with a code and `retryable`. Job
 * handlers get it through `jobProcessor` (src/jobs/), which runs each operation in the background
 * and follows it only as long as the queue consumer may wait.
 */
import { type ProcessorErrorCode, processorErrorCode } from '../../shared/processor/errors.ts';
import {
  type OperationRequest,
  type OperationResult,
  type ProcessorOperation,
  processorResults,
} from '../../shared/processor/operations.ts';
import {
  errorResponse,
  type OperationStatus,
  operationEventsPath,
  operationPath,
  operationStartPath,
  operationStatus,
  type ProgressEvent,
  STREAM_LINE_TYPES,
  streamLine,
} from '../../shared/processor/protocol.ts';
import { SIGNATURE_HEADER, signProcessorRequest } from '../../shared/processor/signature.ts';
import { joinUrl } from '../core/urls.ts';
import { ProcessorError } from './errors.ts';

/** The client every job handler uses (`createProcessorClient` implements it, `jobProcessor` too). */
export interface ProcessorClient {
  run<O extends ProcessorOperation>(
    operation: O,
    request: OperationRequest<O>,
    onProgress?: (event: ProgressEvent) => void | Promise<void>,
  ): Promise<OperationResult<O>>;
  health(): Promise<{ ok: boolean; ffmpeg: boolean; detail?: string }>;
}

/** An accepted operation's NDJSON stream, read once. */
export interface OperationStream<O extends ProcessorOperation> {
  /** Forwards progress and resolves with the result; rejects with a `ProcessorError` (or the abort reason). */
  result(onProgress?: (event: ProgressEvent) => void | Promise<void>): Promise<OperationResult<O>>;
}

/**
 * A connection to one processor: `run` as every handler knows it, plus operations that outlive a
 * request (shared/processor/protocol.ts). An aborted `signal` ends only the following: a
 * background operation goes on, and the abort's reason is what the call throws.
 */
export interface ProcessorConnection extends ProcessorClient {
  /** Starts `operation` in the background under `id`, or joins the run of that id; resolves once it was accepted. */
  start<O extends ProcessorOperation>(
    operation: O,
    request: OperationRequest<O>,
    id: string,
    signal?: AbortSignal,
  ): Promise<OperationStream<O>>;
  /** Follows the run `id` (a `ProcessorError` `operation_unknown` when the processor does not know it). */
  attach<O extends ProcessorOperation>(operation: O, id: string, signal?: AbortSignal): Promise<OperationStream<O>>;
  /** Cancels the run `id`; null when the processor does not know it. */
  cancel(id: string): Promise<OperationStatus | null>;
  /** Where the run `id` is; null when the processor does not know it. */
  status(id: string): Promise<OperationStatus | null>;
}

export interface ProcessorClientOptions {
  /** Base URL the paths are resolved against (any host works for a Durable Object stub). */
  baseUrl: string;
  secret: string;
  fetch: (request: Request) => Promise<Response>;
  /** Give up on a call after this long (default: no client-side limit; the processor has its own). */
  timeoutMs?: number;
}

const HEALTH_TIMEOUT_MS = 3000;

function errorCode(value: unknown): ProcessorErrorCode | 'protocol_error' {
  const known = processorErrorCode.safeParse(value);
  return known.success ? known.data : 'protocol_error';
}

async function errorFromResponse(res: Response): Promise<ProcessorError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a proxy or the platform answered.
    return new ProcessorError(
      res.status >= 500 ? 'unreachable' : 'protocol_error',
      `processor answered ${res.status}`,
      res.status,
    );
  }
  const refusal = errorResponse.safeParse(body);
  if (refusal.success) return new ProcessorError(refusal.data.error.code, refusal.data.error.message, res.status);
  // Some other `{ error }` (an unknown code, another service): a protocol error with what it said.
  const error =
    typeof body === 'object' && body !== null
      ? (body as { error?: { code?: unknown; message?: unknown } }).error
      : undefined;
  if (error)
    return new ProcessorError(
      errorCode(error.code),
      String(error.message ?? `processor answered ${res.status}`),
      res.status,
    );
  return new ProcessorError(
    res.status >= 500 ? 'unreachable' : 'protocol_error',
    `processor answered ${res.status}`,
    res.status,
  );
}

/** The first problem zod found, as `path: message`. */
function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

/** Yields each complete line of an NDJSON body; an abort of `signal` ends it (the reader is cancelled). */
async function* lines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const stop = () => {
    reader.cancel(signal?.reason).catch(() => {});
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield line;
        newline = buffered.indexOf('\n');
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest) yield rest;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** Reads an accepted operation's NDJSON stream to its result. */
async function readResult<O extends ProcessorOperation>(
  operation: O,
  body: ReadableStream<Uint8Array>,
  onProgress?: (event: ProgressEvent) => void | Promise<void>,
  caller?: AbortSignal,
): Promise<OperationResult<O>> {
  try {
    for await (const text of lines(body, caller)) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ProcessorError('protocol_error', 'processor sent a line that is not JSON');
      }
      const parsed = streamLine.safeParse(json);
      if (!parsed.success) {
        const type = (json as { type?: unknown } | null)?.type;
        // Lines of a kind this client does not know are skipped, as they always were.
        if (typeof type !== 'string' || !STREAM_LINE_TYPES.includes(type)) continue;
        throw new ProcessorError(
          'protocol_error',
          `processor sent a malformed ${type} line (${firstIssue(parsed.error)})`,
        );
      }
      const line = parsed.data;
      if (line.type === 'progress') {
        await onProgress?.(line);
      } else if (line.type === 'result') {
        const result = processorResults[operation].safeParse(line.result);
        if (!result.success)
          throw new ProcessorError(
            'protocol_error',
            `processor answered ${operation} with a malformed result (${firstIssue(result.error)})`,
          );
        return result.data as OperationResult<O>;
      } else {
        throw new ProcessorError(line.code, line.message);
      }
    }
  } catch (err) {
    if (caller?.aborted) throw caller.reason;
    if (err instanceof ProcessorError) throw err;
    throw new ProcessorError(
      'unreachable',
      `processor stream broke: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (caller?.aborted) throw caller.reason;
  throw new ProcessorError('unreachable', 'processor stream ended without a result');
}

/** Quick calls (status, cancel) give up after this long. */
const CONTROL_TIMEOUT_MS = 15_000;

export function createProcessorClient(options: ProcessorClientOptions): ProcessorConnection {
  async function send(
    path: string,
    init: RequestInit,
    timeoutMs = options.timeoutMs,
    caller?: AbortSignal,
  ): Promise<Response> {
    const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [timeout, caller].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    try {
      return await options.fetch(new Request(joinUrl(options.baseUrl, path), { ...init, signal }));
    } catch (err) {
      if (caller?.aborted) throw caller.reason;
      const message = err instanceof Error ? err.message : String(err);
      if (timeout?.aborted) throw new ProcessorError('timeout', `processor call exceeded ${timeoutMs} ms`);
      throw new ProcessorError('unreachable', `processor unreachable: ${message}`);
    }
  }

  /** A signed request: the signature covers the method, the path with its query, and the body. */
  async function signed(
    method: string,
    path: string,
    body: string,
    timeoutMs?: number,
    caller?: AbortSignal,
  ): Promise<Response> {
    const signature = await signProcessorRequest(options.secret, method, path, body);
    return send(
      path,
      {
        method,
        headers: { [SIGNATURE_HEADER]: signature, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      },
      timeoutMs,
      caller,
    );
  }

  async function accepted<O extends ProcessorOperation>(
    operation: O,
    res: Response,
    caller?: AbortSignal,
  ): Promise<OperationStream<O>> {
    if (!res.ok) throw await errorFromResponse(res);
    const body = res.body;
    if (!body) throw new ProcessorError('protocol_error', 'processor answered without a body');
    return { result: (onProgress) => readResult(operation, body, onProgress, caller) };
  }

  async function control(method: 'GET' | 'DELETE', id: string): Promise<OperationStatus | null> {
    const res = await signed(method, operationPath(id), '', CONTROL_TIMEOUT_MS);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await errorFromResponse(res);
    const parsed = operationStatus.safeParse(await res.json().catch(() => null));
    if (!parsed.success)
      throw new ProcessorError('protocol_error', `processor sent a malformed status (${firstIssue(parsed.error)})`);
    return parsed.data;
  }

  return {
    async run(operation, request, onProgress) {
      const res = await signed('POST', operationStartPath(operation), JSON.stringify(request));
      return (await accepted(operation, res)).result(onProgress);
    },

    async start(operation, request, id, signal) {
      const res = await signed('POST', operationStartPath(operation, id), JSON.stringify(request), undefined, signal);
      return accepted(operation, res, signal);
    },

    async attach(operation, id, signal) {
      const res = await signed('GET', operationEventsPath(id), '', undefined, signal);
      return accepted(operation, res, signal);
    },

    cancel: (id) => control('DELETE', id),
    status: (id) => control('GET', id),

    async health() {
      let res: Response;
      try {
        res = await send('/health', { method: 'GET' }, HEALTH_TIMEOUT_MS);
      } catch (err) {
        return { ok: false, ffmpeg: false, detail: err instanceof Error ? err.message : String(err) };
      }
      const body = (await res.json().catch(() => null)) as {
        status?: string;
        ffmpeg?: boolean;
        ffprobe?: boolean;
        espeak?: boolean;
      } | null;
      if (!body) return { ok: false, ffmpeg: false, detail: `processor answered ${res.status}` };
      const ffmpeg = body.ffmpeg === true && body.ffprobe !== false;
      return {
        ok: res.ok && ffmpeg,
        ffmpeg,
        ...(res.ok && ffmpeg
          ? body.espeak === false
            ? { detail: 'espeak-ng missing: local TTS unavailable' }
            : {}
          : { detail: `processor status ${body.status ?? res.status}` }),
      };
    },
  };
}
