/**
 * Processor configuration, read once from the environment at start-up. Every limit has a default
 * that suits a 2-core container; production can tighten or widen them without a code change.
 */
import { availableParallelism } from 'node:os';
import { STORAGE_MIN_PART_BYTES, STORAGE_PART_BYTES } from '../../shared/processor/storage.ts';

export interface Limits {
  /** Longest input accepted, seconds (the ffprobe gate rejects anything longer). */
  maxInputDurationSeconds: number;
  maxWidth: number;
  maxHeight: number;
  /** Largest decoded picture (width × height); also passed to ffmpeg as -max_pixels. */
  maxPixels: number;
  maxStreams: number;
  /** Largest JSON request body. */
  maxBodyBytes: number;
}

export interface Timeouts {
  /** Default per-operation time limit, ms. */
  defaultMs: number;
  /** Per-operation overrides, ms (PROCESSOR_TIMEOUT_<OPERATION>_SECONDS, e.g. _RENDER_). */
  perOperationMs: Record<string, number>;
}

/** Background operations (runs.ts): how long and how many finished ones are remembered. */
export interface RunMemory {
  /** A finished run is forgotten this long after it was last asked for, ms. */
  rememberMs: number;
  maxRemembered: number;
}

export interface ProcessorConfig {
  port: number;
  host: string;
  secret: string;
  /** Origins (scheme://host[:port]) that input and output URLs may point at. */
  allowedMediaOrigins: string[];
  /** Where the storage host's requests connect: STORAGE_URL (a local processor) or null (production). */
  storageUrl: string | null;
  /** Part size of multipart outputs (STORAGE_PART_BYTES, between R2's minimum and the storage path's largest body). */
  storagePartBytes: number;
  maxConcurrentOps: number;
  limits: Limits;
  timeouts: Timeouts;
  runs: RunMemory;
  /** x264 preset for final renders (quality/speed trade-off). */
  renderPreset: string;
  /** Copy cuts, mutes and the smart cut's stage, audio and join of MP4/MOV without ffmpeg where possible (PROCESSOR_IN_PROCESS_MP4=0 turns it off). */
  inProcessMp4: boolean;
  version: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function parseOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        throw new ConfigError(`ALLOWED_MEDIA_ORIGINS: "${s}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError(`ALLOWED_MEDIA_ORIGINS: "${s}" must be http(s)`);
      }
      return url.origin;
    });
}

function parseStorageUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`STORAGE_URL: "${raw}" is not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new ConfigError(`STORAGE_URL: "${raw}" must be a plain http(s) base URL`);
  }
  return url.href;
}

const OPERATION_TIMEOUT_PREFIX = 'PROCESSOR_TIMEOUT_';

/** Seconds. Quick reads stay short so a stuck input frees its slot fast; encodes get longer. */
const DEFAULT_OPERATION_TIMEOUT_SECONDS: Record<string, number> = {
  probe: 60,
  thumbnail: 60,
  frames: 600,
  storyboard: 600,
  preview: 120,
  waveform: 600,
  'speech-audio': 600,
  'detect-voice': 900,
  highlights: 1800,
  'tts-local': 300,
  'silence-remove': 600,
  'remove-audio': 1200,
  mute: 1800,
  extract: 1800,
  audio: 1800,
  concat: 3600,
  render: 3600,
};

function partBytes(env: NodeJS.ProcessEnv): number {
  const value = Math.floor(positiveNumber(env, 'STORAGE_PART_BYTES', STORAGE_PART_BYTES));
  if (value < STORAGE_MIN_PART_BYTES || value > STORAGE_PART_BYTES) {
    throw new ConfigError(`STORAGE_PART_BYTES must be ${STORAGE_MIN_PART_BYTES}–${STORAGE_PART_BYTES}, got ${value}`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const secret = env.PROCESSOR_SECRET ?? '';
  if (secret.length < 16) {
    throw new ConfigError('PROCESSOR_SECRET is required (at least 16 characters); refusing to start without it');
  }
  const perOperationMs: Record<string, number> = {};
  for (const [op, seconds] of Object.entries(DEFAULT_OPERATION_TIMEOUT_SECONDS)) perOperationMs[op] = seconds * 1000;
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(OPERATION_TIMEOUT_PREFIX) || !key.endsWith('_SECONDS') || value === undefined) continue;
    const op = key.slice(OPERATION_TIMEOUT_PREFIX.length, -'_SECONDS'.length).toLowerCase().replaceAll('_', '-');
    if (!op || op === 'default') continue;
    perOperationMs[op] = positiveNumber(env, key, 1) * 1000;
  }
  const maxWidth = Math.floor(positiveNumber(env, 'MAX_INPUT_WIDTH', 7680));
  const maxHeight = Math.floor(positiveNumber(env, 'MAX_INPUT_HEIGHT', 7680));
  return {
    port: Math.floor(Number(env.PORT ?? 8080)),
    host: env.HOST || '0.0.0.0',
    secret,
    allowedMediaOrigins: parseOrigins(env.ALLOWED_MEDIA_ORIGINS),
    storageUrl: parseStorageUrl(env.STORAGE_URL),
    storagePartBytes: partBytes(env),
    maxConcurrentOps: Math.floor(positiveNumber(env, 'MAX_CONCURRENT_OPS', availableParallelism())),
    limits: {
      maxInputDurationSeconds: positiveNumber(env, 'MAX_INPUT_DURATION_SECONDS', 4 * 3600),
      maxWidth,
      maxHeight,
      maxPixels: Math.floor(positiveNumber(env, 'MAX_INPUT_PIXELS', 7680 * 4320)),
      maxStreams: Math.floor(positiveNumber(env, 'MAX_INPUT_STREAMS', 8)),
      maxBodyBytes: Math.floor(positiveNumber(env, 'MAX_BODY_BYTES', 2 * 1024 * 1024)),
    },
    timeouts: {
      defaultMs: positiveNumber(env, 'PROCESSOR_TIMEOUT_DEFAULT_SECONDS', 1800) * 1000,
      perOperationMs,
    },
    runs: {
      rememberMs: positiveNumber(env, 'OPERATION_REMEMBER_SECONDS', 3600) * 1000,
      maxRemembered: Math.floor(positiveNumber(env, 'MAX_REMEMBERED_OPERATIONS', 256)),
    },
    renderPreset: env.RENDER_X264_PRESET || 'medium',
    inProcessMp4: env.PROCESSOR_IN_PROCESS_MP4 !== '0',
    version: env.PROCESSOR_VERSION || '0.1.0',
  };
}

export function operationTimeoutMs(config: ProcessorConfig, operation: string): number {
  return config.timeouts.perOperationMs[operation] ?? config.timeouts.defaultMs;
}
