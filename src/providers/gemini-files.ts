/**
 * Gemini's Files API (v1beta), for media too large to send inline: a resumable upload (`start`,
 * then one `upload, finalize` with the bytes), polling the file until it is ACTIVE, and deleting it.
 * Every step is bounded: the bytes we agree to upload, each exchange's deadline, how many polls and
 * how long they may take. Errors are Google's error bodies, read like every other Gemini call.
 */
import { z } from 'zod';
import { joinUrl } from '../core/urls.ts';
import { type ProviderHttp, exchange, readJson } from './http.ts';
import { ProviderError } from './provider-error.ts';

/**
 * Largest file we upload. The API takes up to 2 GB per file, but the bytes pass through a Worker
 * (128 MB of memory): audio chunks are a few MB, so this is a guard, not a limit users meet.
 */
export const GEMINI_FILE_MAX_BYTES = 64 * 1024 * 1024;

export interface FileWaitPolicy {
  /** Polls of `files.get` before giving up (default 30). */
  maxPolls?: number;
  /** Total time waiting for ACTIVE, ms (default 120 s). */
  maxWaitMs?: number;
  /** First wait between polls, doubled up to 5 s (default 1 s). */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface GeminiFile {
  /** Resource name, `files/{id}`: what get and delete take. */
  name: string;
  /** What `file_data.file_uri` takes. */
  uri: string;
  mime_type: string;
  size_bytes: number;
  state: string;
}

const FileResource = z
  .object({
    name: z.string().regex(/^files\/[A-Za-z0-9_-]{1,128}$/),
    uri: z.string().url(),
    mimeType: z.string().default(''),
    sizeBytes: z.coerce.number().default(0),
    state: z.string().default('STATE_UNSPECIFIED'),
    error: z.object({ message: z.string().optional(), status: z.string().optional() }).loose().optional(),
  })
  .loose();
const UploadAnswer = z.object({ file: FileResource }).loose();

const toFile = (f: z.infer<typeof FileResource>): GeminiFile => ({
  name: f.name,
  uri: f.uri,
  mime_type: f.mimeType,
  size_bytes: f.sizeBytes,
  state: f.state,
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGeminiFiles(http: ProviderHttp, baseUrl: string, headers: Record<string, string>) {
  const fail = (kind: 'malformed_response' | 'bad_request' | 'timeout', message: string, providerCode?: string) =>
    new ProviderError({ provider: 'gemini', kind, message, providerCode, status: kind === 'timeout' ? null : 200 });

  /** Resumable upload in one piece: the session, then the bytes with `upload, finalize`. */
  async function upload(bytes: Uint8Array, mimeType: string, displayName: string): Promise<GeminiFile> {
    if (bytes.byteLength === 0) throw new RangeError('nothing to upload');
    if (bytes.byteLength > GEMINI_FILE_MAX_BYTES)
      throw new RangeError(`${bytes.byteLength} bytes is more than the ${GEMINI_FILE_MAX_BYTES} we upload`);
    const { response } = await exchange(
      http,
      joinUrl(baseUrl, '/upload/v1beta/files'),
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'x-goog-upload-protocol': 'resumable',
          'x-goog-upload-command': 'start',
          'x-goog-upload-header-content-length': String(bytes.byteLength),
          'x-goog-upload-header-content-type': mimeType,
        },
        body: JSON.stringify({ file: { display_name: displayName } }),
      },
      async (res) => {
        await res.body?.cancel();
      },
    );
    const sessionUrl = response.headers.get('x-goog-upload-url');
    // The key goes with the bytes: only to the API's own origin, never wherever an answer points.
    if (!sessionUrl || !sameOrigin(sessionUrl, baseUrl))
      throw fail('malformed_response', 'Gemini did not return an upload URL on its own origin');
    const { value } = await exchange(
      http,
      sessionUrl,
      {
        method: 'POST',
        headers: {
          ...headers,
          'x-goog-upload-command': 'upload, finalize',
          'x-goog-upload-offset': '0',
        },
        // Typed ArrayBufferLike by callers (Buffer in Node); never a SharedArrayBuffer here.
        body: bytes as Uint8Array<ArrayBuffer>,
      },
      (res) => readJson(http, res, UploadAnswer),
    );
    return toFile(value.file);
  }

  async function get(name: string): Promise<GeminiFile & { error: string | null }> {
    const { value } = await exchange(
      http,
      joinUrl(baseUrl, `/v1beta/${name}`),
      { method: 'GET', headers },
      (res) => readJson(http, res, FileResource),
      { timeoutMs: Math.min(http.timeoutMs, 15_000) },
    );
    return { ...toFile(value), error: value.error?.message ?? null };
  }

  /** Polls until the file is ACTIVE; FAILED is a `bad_request`, running out of polls or time a `timeout`. */
  async function waitUntilActive(file: GeminiFile, policy: FileWaitPolicy = {}): Promise<GeminiFile> {
    const maxPolls = policy.maxPolls ?? 30;
    const maxWaitMs = policy.maxWaitMs ?? 120_000;
    const sleep = policy.sleep ?? defaultSleep;
    let interval = policy.intervalMs ?? 1000;
    let waited = 0;
    let current: GeminiFile = file;
    for (let polls = 0; ; ) {
      if (current.state === 'ACTIVE') return current;
      if (current.state === 'FAILED') throw fail('bad_request', `Gemini could not process ${file.name}`, 'FILE_FAILED');
      if (polls >= maxPolls || waited >= maxWaitMs)
        throw fail('timeout', `${file.name} was not ready after ${polls} checks (${Math.round(waited / 1000)} s)`);
      const pause = Math.min(interval, maxWaitMs - waited);
      await sleep(pause);
      waited += pause;
      interval = Math.min(interval * 2, 5000);
      const got = await get(file.name);
      polls++;
      if (got.state === 'FAILED')
        throw fail(
          'bad_request',
          `Gemini could not process ${file.name}: ${got.error ?? 'no reason given'}`,
          'FILE_FAILED',
        );
      current = got;
    }
  }

  /** Deletes the file; false when that failed (the API removes files itself after 48 h). */
  async function remove(name: string): Promise<boolean> {
    try {
      await exchange(
        http,
        joinUrl(baseUrl, `/v1beta/${name}`),
        { method: 'DELETE', headers },
        async (res) => {
          await res.body?.cancel();
        },
        { timeoutMs: Math.min(http.timeoutMs, 15_000) },
      );
      return true;
    } catch {
      return false;
    }
  }

  return { upload, get, waitUntilActive, remove };
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
