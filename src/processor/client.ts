/**
 * The one client every job handler uses to reach the media processor. Transport-agnostic: it is
 * given a `fetch` (the Container Durable Object's stub in production, plain fetch to PROCESSOR_URL
 * in dev and tests; see processor.ts). It signs each request, reads the NDJSON stream, forwards
 * progress, and turns every failure into a `ProcessorError` with a code and `retryable`.
 */
import { type ProcessorErrorCode, processorErrorCode } from '../../shared/processor/errors.ts';
import {
  type OperationRequest,
  type OperationResult,
  type ProcessorOperation,
  processorResults,
} from '../../shared/processor/operations.ts';
import { errorResponse, type ProgressEvent, STREAM_LINE_TYPES, streamLine } from '../../shared/processor/protocol.ts';
import { SIGNATURE_HEADER, signProcessorRequest } from '../../shared/processor/signature.ts';
import { joinUrl } from '../core/urls.ts';
import { ProcessorError } from './errors.ts';

/** The client every job handler uses (`createProcessorClient` implements it). */
export interface ProcessorClient {
  run<O extends ProcessorOperation>(
    operation: O,
    request: OperationRequest<O>,
    onProgress?: (event: ProgressEvent) => void | Promise<void>,
  ): Promise<OperationResult<O>>;
  health(): Promise<{ ok: boolean; ffmpeg: boolean; detail?: string }>;
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

/** Yields each complete line of an NDJSON body. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
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
}

export function createProcessorClient(options: ProcessorClientOptions): ProcessorClient {
  async function send(path: string, init: RequestInit, timeoutMs = options.timeoutMs): Promise<Response> {
    const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
    try {
      return await options.fetch(new Request(joinUrl(options.baseUrl, path), { ...init, signal }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (signal?.aborted) throw new ProcessorError('timeout', `processor call exceeded ${timeoutMs} ms`);
      throw new ProcessorError('unreachable', `processor unreachable: ${message}`);
    }
  }

  return {
    async run<O extends ProcessorOperation>(
      operation: O,
      request: OperationRequest<O>,
      onProgress?: (event: ProgressEvent) => void | Promise<void>,
    ): Promise<OperationResult<O>> {
      const path = `/v1/${operation}`;
      const body = JSON.stringify(request);
      const signature = await signProcessorRequest(options.secret, 'POST', path, body);
      const res = await send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
        body,
      });
      if (!res.ok) throw await errorFromResponse(res);
      if (!res.body) throw new ProcessorError('protocol_error', 'processor answered without a body');
      try {
        for await (const text of lines(res.body)) {
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
        if (err instanceof ProcessorError) throw err;
        throw new ProcessorError(
          'unreachable',
          `processor stream broke: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      throw new ProcessorError('unreachable', 'processor stream ended without a result');
    },

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
