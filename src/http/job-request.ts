/**
 * Reading the body of a job-creating route that, like the original, takes form fields and files,
 * or the same fields as JSON (ids of existing media instead of files):
 * - `multipart/form-data`, parsed as a stream: video files become source videos of the profile
 *   (sniffed, streamed to R2, then probed like any other upload, so they are visible in the
 *   library and cleaned up like any other video); audio files are sniffed and streamed under the
 *   job (`jobs/{job}/input-{field}`); small text files (SRT) are read into memory, capped.
 * - `application/json` or `application/x-www-form-urlencoded`: fields only.
 * Every file is hashed on the way through, so `fingerprint()` identifies the request for
 * Idempotency-Key checks. Nothing is probed or queued here: the route calls `startProbes()` inside
 * its idempotent run, or `discard()` when the request goes no further.
 */
import { sha256Hex } from '../../shared/encoding.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError, badRequest } from '../core/errors.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { hashingStream } from '../core/hashing-stream.ts';
import { peek } from '../core/streams.ts';
import { MultipartError, type MultipartPart, multipartBoundary, parseMultipart } from '../core/multipart.ts';
import { checkJobLimits, enqueueJobs } from '../jobs/producer.ts';
import { type StoredVideo, discard, storeVideoPart, uploadLength } from './form-upload.ts';
import { sniffAudio } from '../core/sniff-audio.ts';
import { storageKeyOf } from '../storage/signed-urls.ts';
import { StreamTooLargeError, streamToR2 } from '../storage/stream-to-r2.ts';
import { probeJob } from '../source-videos/uploads.ts';
import {
  MAX_AUDIO_UPLOAD_BYTES,
  MAX_FORM_FIELDS,
  MAX_FORM_FIELD_BYTES,
  MAX_JSON_BODY_BYTES,
  MAX_TEXT_FILE_BYTES,
} from '../core/limits.ts';
import type { TenantContext } from './context.ts';

export interface JobRequestSpec {
  /** File fields that become source videos. */
  videos?: readonly string[];
  /** Audio file fields, stored under the job as `input-{field}` (field names use `[a-z0-9_]`). */
  audio?: readonly string[];
  /** Small text file fields (e.g. SRT), read into memory. */
  texts?: readonly string[];
}

export interface UploadedVideo {
  sourceVideoId: string;
  filename: string | null;
  size: number;
  sha256: string;
  stored: StoredVideo;
}

export interface UploadedAudio {
  /** The job output name it is stored under. */
  name: string;
  key: string;
  contentType: string;
  filename: string | null;
  size: number;
  sha256: string;
}

export interface UploadedText {
  text: string;
  filename: string | null;
  sha256: string;
}

export interface JobRequest {
  /** Text fields (strings from forms; any JSON value from JSON bodies). */
  fields: Record<string, unknown>;
  videos: Map<string, UploadedVideo>;
  audio: Map<string, UploadedAudio>;
  texts: Map<string, UploadedText>;
  /** How many files arrived. */
  readonly fileCount: number;
  /** Identifies the uploaded files for idempotency (field → sha256 and size). */
  fingerprint(): Record<string, { sha256: string; size: number }>;
  /**
   * Moves every uploaded video to `processing` with its probe job; returns the jobs by field.
   * Checks first that the profile's limits leave room for all of them and one more job (429).
   */
  startProbes(): Promise<Map<string, JobRow>>;
  /** Removes everything that was stored (rows and objects). */
  discard(): Promise<void>;
}

/** The job output name an audio upload field is stored under. */
export const audioInputName = (field: string) => `input-${field.replace(/_/g, '-')}`;

async function storeAudioPart(
  env: Bindings,
  key: string,
  part: MultipartPart,
): Promise<{ contentType: string; size: number; sha256: string }> {
  const hashed = hashingStream(part.body);
  const { head, rest } = await peek(hashed.stream, 64);
  const sniffed = sniffAudio(head);
  if (!sniffed) {
    await rest.cancel();
    throw new ApiError(
      400,
      'invalid_media',
      `The \`${part.name}\` file is not audio: its first bytes match no supported format (MP3, AAC, WAV, Ogg, FLAC, M4A)`,
    );
  }
  try {
    const { size } = await streamToR2(env.MEDIA, key, rest, {
      contentType: sniffed.contentType,
      head,
      maxBytes: MAX_AUDIO_UPLOAD_BYTES,
    });
    if (size === 0) throw badRequest(`The \`${part.name}\` file is empty`);
    return { contentType: sniffed.contentType, size, sha256: await hashed.digest() };
  } catch (err) {
    if (err instanceof StreamTooLargeError)
      throw new ApiError(413, 'payload_too_large', `\`${part.name}\` is larger than ${MAX_AUDIO_UPLOAD_BYTES} bytes`);
    throw err;
  }
}

/**
 * Reads the request. `jobId` is the id the job will get (audio is stored under it). The profile's
 * job limits are checked before a byte is read, counting one job per possible video upload.
 */
export async function readJobRequest(c: TenantContext, jobId: string, spec: JobRequestSpec): Promise<JobRequest> {
  const env = c.env;
  const scope: ProfileScope = c.get('scope');
  const videos = new Map<string, UploadedVideo>();
  const audio = new Map<string, UploadedAudio>();
  const texts = new Map<string, UploadedText>();
  const fields: Record<string, unknown> = {};

  const request: JobRequest = {
    fields,
    videos,
    audio,
    texts,
    get fileCount() {
      return videos.size + audio.size + texts.size;
    },
    fingerprint() {
      const out: Record<string, { sha256: string; size: number }> = {};
      for (const [field, v] of videos) out[field] = { sha256: v.sha256, size: v.size };
      for (const [field, a] of audio) out[field] = { sha256: a.sha256, size: a.size };
      for (const [field, t] of texts) out[field] = { sha256: t.sha256, size: t.text.length };
      return out;
    },
    async startProbes() {
      const jobs = new Map<string, JobRow>();
      if (!videos.size) return jobs;
      // All or nothing, and room left for the job that follows them.
      const fields = [...videos.keys()];
      const rows = await enqueueJobs(
        scope,
        env,
        fields.map((field) => {
          const v = videos.get(field)!;
          return probeJob(scope, v.sourceVideoId, { fileSizeBytes: v.size, contentType: v.stored.contentType });
        }),
        { reserve: 1 },
      );
      for (const [i, field] of fields.entries()) jobs.set(field, rows[i]!);
      return jobs;
    },
    async discard() {
      for (const v of videos.values()) await discard(env, scope, v.stored);
      if (audio.size) await env.MEDIA.delete([...audio.values()].map((a) => a.key));
    },
  };

  const contentType = c.req.header('Content-Type') ?? '';
  if (/^application\/json/i.test(contentType)) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw badRequest('The body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object');
    Object.assign(fields, body);
    return request;
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    const form = await c.req.formData();
    for (const [name, value] of form) if (typeof value === 'string') fields[name] = value;
    return request;
  }
  const boundary = multipartBoundary(contentType);
  if (!boundary) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'Send multipart/form-data (files and fields), application/x-www-form-urlencoded or application/json',
    );
  }
  const length = uploadLength(c.req.header('Content-Length'));
  const body = c.req.raw.body;
  if (!body) throw badRequest('The request has no body');
  // Refuse before reading anything when the profile cannot take the job (and a probe per video).
  await checkJobLimits(scope, env, 1);

  const videoFields = new Set(spec.videos ?? []);
  const audioFields = new Set(spec.audio ?? []);
  const textFields = new Set(spec.texts ?? []);
  const seen = new Set<string>();
  let fieldCount = 0;
  let fieldBytes = 0;
  try {
    for await (const part of parseMultipart(body, boundary)) {
      const isFile = part.filename !== null;
      if (isFile && seen.has(part.name)) throw badRequest(`Send at most one \`${part.name}\` file`);
      if (videoFields.has(part.name) && isFile) {
        seen.add(part.name);
        let digest: (() => Promise<string>) | undefined;
        const stored = await storeVideoPart(env, scope, part, {}, length, (s) => {
          const hashed = hashingStream(s);
          digest = hashed.digest;
          return hashed.stream;
        });
        videos.set(part.name, {
          sourceVideoId: stored.id,
          filename: part.filename,
          size: stored.size,
          sha256: await digest!(),
          stored,
        });
      } else if (audioFields.has(part.name) && isFile) {
        seen.add(part.name);
        const name = audioInputName(part.name);
        const key = storageKeyOf(scope, { kind: 'job_output', id: jobId, name });
        const stored = await storeAudioPart(env, key, part);
        audio.set(part.name, { name, key, filename: part.filename, ...stored });
      } else if (textFields.has(part.name) && isFile) {
        seen.add(part.name);
        const text = await part.text(MAX_TEXT_FILE_BYTES).catch((err: unknown) => {
          throw err instanceof MultipartError
            ? new ApiError(413, 'payload_too_large', `\`${part.name}\` is larger than ${MAX_TEXT_FILE_BYTES} bytes`)
            : err;
        });
        texts.set(part.name, { text, filename: part.filename, sha256: await sha256Hex(text) });
      } else if (isFile) {
        await part.body.cancel();
        throw badRequest(`Unexpected file field \`${part.name}\``);
      } else {
        // Fields are held in memory: their number and total size are bounded like a JSON body's.
        if (++fieldCount > MAX_FORM_FIELDS) throw badRequest(`A form may have at most ${MAX_FORM_FIELDS} fields`);
        fields[part.name] = await part.text(MAX_FORM_FIELD_BYTES).catch((err: unknown) => {
          throw err instanceof MultipartError
            ? badRequest(`Field \`${part.name}\` is longer than ${MAX_FORM_FIELD_BYTES} bytes`)
            : err;
        });
        fieldBytes += (fields[part.name] as string).length;
        if (fieldBytes > MAX_JSON_BODY_BYTES)
          throw new ApiError(413, 'payload_too_large', `The form's fields exceed ${MAX_JSON_BODY_BYTES} bytes in all`);
      }
    }
  } catch (err) {
    await request.discard();
    if (err instanceof MultipartError) throw badRequest(`Malformed multipart body: ${err.message}`);
    throw err;
  }
  return request;
}
