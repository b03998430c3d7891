/**
 * Every size cap and lifetime the service enforces, named once. Responses and the API docs quote
 * these numbers, so they change here and nowhere else.
 */
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const HOUR = 3600;

// ─── Request bodies ──────────────────────────────────────────────────────────────────────────

/**
 * Cloudflare refuses a request body over 100 MB on Free and Pro plans (200 MB Business, 500 MB
 * Enterprise) before the Worker sees it. Cutroom is built for the smallest: no path needs a larger
 * body, and the dev edge in front of the local Worker (`scripts/dev-edge.ts`) refuses larger ones
 * as production would.
 */
export const MAX_REQUEST_BODY_BYTES = 100_000_000;

/** JSON, form and text request bodies; media streams carry their own caps. */
export const MAX_JSON_BODY_BYTES = MiB;
/** One text field of a multipart form. */
export const MAX_FORM_FIELD_BYTES = 64 * KiB;
/** A text file in a job form (an SRT), read into memory. */
export const MAX_TEXT_FILE_BYTES = MiB;
/** An audio file in a job form (music, a voice-over), streamed to R2. */
export const MAX_AUDIO_UPLOAD_BYTES = 200 * MiB;

// ─── Source video uploads ────────────────────────────────────────────────────────────────────

/** Largest source video, by any upload path. */
export const MAX_UPLOAD_BYTES = 50 * GiB;
/** Largest file sent as one PUT: one request body. */
export const SINGLE_UPLOAD_MAX_BYTES = MAX_REQUEST_BODY_BYTES;
/** R2: every part but the last at least 5 MiB, all the same size, at most 10 000 parts. */
export const MIN_PART_BYTES = 5 * MiB;
export const DEFAULT_PART_BYTES = 16 * MiB;
/** A part is one request, so it must stay under the 100 MB request body limit. */
export const MAX_PART_BYTES = 90 * MiB;
export const MAX_PARTS = 10_000;
/** Part URLs handed out per request. */
export const PARTS_PAGE_MAX = 1000;
/** How long an upload may stay open before housekeeping removes it. */
export const UPLOAD_SESSION_SECONDS = 24 * HOUR;
/** Lifetime of each signed PUT URL (a client asks for fresh ones through the status/parts routes). */
export const UPLOAD_URL_TTL_SECONDS = 2 * HOUR;

// ─── Signed media URLs ───────────────────────────────────────────────────────────────────────

/** When the caller names no lifetime. */
export const DEFAULT_MEDIA_URL_TTL_SECONDS = HOUR;
/** No signed URL lives longer, whatever is asked. */
export const MAX_MEDIA_URL_TTL_SECONDS = 7 * 24 * HOUR;
/** Stream and download URLs in responses: long enough to watch a long video. */
export const STREAM_URL_TTL_SECONDS = 4 * HOUR;
export const THUMBNAIL_URL_TTL_SECONDS = HOUR;
/** The download URL of a finished job's main output, returned once by the job routes. */
export const JOB_DOWNLOAD_URL_TTL_SECONDS = 600;

// ─── The media processor ─────────────────────────────────────────────────────────────────────

/**
 * Processor inputs and outputs: capabilities on the storage host (shared/processor/storage.ts) that
 * live as long as the slowest processor step may take.
 */
export const PROCESSOR_URL_TTL_SECONDS = 2 * HOUR;
/**
 * An operation still unfinished this long after it started is given up (cancelled, the job failed):
 * the processor's own longest time limit is an hour (render, concat), so it should have ended.
 */
export const PROCESSOR_OPERATION_MAX_SECONDS = 2 * HOUR;
/**
 * Largest file the processor may store, by what it writes (processor/io.ts's mediaOutput). Outputs
 * above the part size go up as multipart uploads, so none of these is one request body. Derived
 * videos (cuts, variants, renders) take the larger of the two caps the merged helpers had (job
 * outputs allowed 20 GiB), so no job that worked is refused.
 */
export const MAX_VIDEO_OUTPUT_BYTES = 20 * GiB;
/** Thumbnails and frames. */
export const MAX_IMAGE_OUTPUT_BYTES = 10 * MiB;
/** Audio: music mixes, synthesised speech and the voice-over mixed from it. */
export const MAX_AUDIO_OUTPUT_BYTES = 512 * MiB;

// ─── The queue consumer ──────────────────────────────────────────────────────────────────────

/** Cloudflare ends a queue consumer invocation after 15 minutes of wall-clock time. */
export const CONSUMER_WALL_CLOCK_SECONDS = 15 * 60;
/**
 * How long one delivery follows processor operations before handing the job to the next delivery
 * (the operation goes on). Leaves the rest of the 15 minutes to the handler's own steps after an
 * operation ends. `JOB_CONSUMER_BUDGET_SECONDS` overrides it (tests shrink it), within
 * [1 s, CONSUMER_WALL_CLOCK_SECONDS − 60 s].
 */
export const JOB_CONSUMER_BUDGET_SECONDS = 12 * 60;
/** Delay of the message that hands a job to the next delivery. */
export const HANDOFF_DELAY_SECONDS = 1;
/** How often a delivery following an operation checks whether its job was cancelled. */
export const CANCEL_POLL_SECONDS = 3;

// ─── Idempotency ─────────────────────────────────────────────────────────────────────────────

/** How long a stored response answers a retry with the same Idempotency-Key. */
export const IDEMPOTENCY_TTL_MS = 24 * HOUR * 1000;
