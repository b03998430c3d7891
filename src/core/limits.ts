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
/** How deeply a JSON body may nest (the deepest schema, provider settings, needs a handful). */
export const MAX_JSON_DEPTH = 32;
/** One text field of a multipart form. */
export const MAX_FORM_FIELD_BYTES = 64 * KiB;
/** Text fields of one multipart form (their total size is bounded by MAX_JSON_BODY_BYTES). */
export const MAX_FORM_FIELDS = 100;
/** A text file in a job form (an SRT), read into memory. */
export const MAX_TEXT_FILE_BYTES = MiB;
/**
 * An audio file in a job form (music, a voice-over), streamed to R2. The form is one request body,
 * so the file and the form's text fields together stay under the edge's body limit.
 */
export const MAX_AUDIO_UPLOAD_BYTES = MAX_REQUEST_BODY_BYTES - MAX_JSON_BODY_BYTES;

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
/**
 * A part is received once: the PUT receiving it holds a claim. A claim left by a request that died
 * mid-body (the Worker stopped) is given to a new PUT of that part after this long; a request that
 * fails normally gives its claim back at once. A 90 MB part needs 12 minutes at 1 Mbit/s.
 */
export const UPLOAD_PART_CLAIM_SECONDS = 30 * 60;

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
 * above the part size go up as multipart uploads, so none of these is one request body. A video
 * output is written to the instance's disk first, and two operations share an instance: 8 GiB each
 * leaves room for the image on standard-4's 20 GB (a 1080p render at 8 Mbit/s reaches 8 GiB after
 * about 2 h 20 min, past PROCESSOR_OPERATION_MAX_SECONDS).
 */
export const MAX_VIDEO_OUTPUT_BYTES = 8 * GiB;
/** Thumbnails and frames. */
export const MAX_IMAGE_OUTPUT_BYTES = 10 * MiB;
/** Audio: music mixes, synthesised speech and the voice-over mixed from it. */
export const MAX_AUDIO_OUTPUT_BYTES = 512 * MiB;

/**
 * Container instances operations are placed on (src/processor/placement.ts): the same number as
 * `max_instances` of the [[containers]] entry in wrangler.toml (a test reads the file and fails when
 * the two differ).
 */
export const PROCESSOR_MAX_INSTANCES = 5;
/**
 * Operations one container instance runs at once: the placement never leases more, and the
 * container's processor is started with this as its MAX_CONCURRENT_OPS.
 */
export const PROCESSOR_OPS_PER_INSTANCE = 2;
/**
 * The container's instance type (wrangler.toml `instance_type`; a test holds the two together):
 * standard-4, 4 vCPU, 12 GiB, 20 GB disk, so each of the two operations has two cores for an encode
 * and the disk holds both operations' largest outputs (FFmpeg writes an output to disk before it is
 * stored) next to the image.
 */
export const PROCESSOR_INSTANCE_TYPE = { name: 'standard-4', vcpu: 4, memoryBytes: 12 * GiB, diskBytes: 20e9 } as const;
/**
 * A placement lease outlives the delivery that follows its operation by this long: enough for the
 * next delivery (a hand-off, or a redelivery after RUNNING_LEASE_SECONDS) to renew it. A lease whose
 * caller disappeared frees its slot after this.
 */
export const PROCESSOR_LEASE_GRACE_SECONDS = 300;
/** How long a job waits for a free processor slot before asking again (the message is re-sent). */
export const PROCESSOR_BUSY_RETRY_SECONDS = 5;

/** How long /health and /health/ready reuse the processor's last answer (per isolate). */
export const PROCESSOR_HEALTH_CACHE_SECONDS = 30;
/** How long an isolate trusts a verified active-profile check (src/db/verified-profiles.ts). */
export const VERIFIED_PROFILE_TTL_MS = 5000;
/** Verified profile checks one isolate keeps (the oldest goes first). */
export const MAX_VERIFIED_PROFILES = 10_000;
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

// ─── Webhooks ────────────────────────────────────────────────────────────────────────────────

/** Endpoints a profile may register (each event fans out to every subscribed one). */
export const MAX_WEBHOOK_ENDPOINTS_PER_PROFILE = 20;
/** An endpoint must answer within this, or the attempt counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Bytes of an endpoint's answer read (the rest is discarded unread); the log keeps a shorter excerpt. */
export const WEBHOOK_RESPONSE_READ_BYTES = 16 * KiB;
export const WEBHOOK_RESPONSE_EXCERPT_CHARS = 512;
/**
 * While one attempt runs no other may start: longer than an attempt can take (the timeout plus
 * signing and bookkeeping), so two attempts of one delivery never overlap.
 */
export const WEBHOOK_LEASE_SECONDS = 60;
/** Failed attempts are retried for at least this long after the first one, then the delivery fails. */
export const WEBHOOK_RETRY_WINDOW_SECONDS = 24 * HOUR;
/** The first retry waits this long (setting `WEBHOOK_RETRY_BASE_SECONDS` overrides it); each next one 3× longer… */
export const WEBHOOK_RETRY_BASE_SECONDS = 30;
/** …up to this (a queue message can be delayed by at most 12 h). */
export const WEBHOOK_RETRY_MAX_DELAY_SECONDS = 6 * HOUR;
/** After a secret rotation the old secret keeps signing for this long unless the caller says otherwise. */
export const WEBHOOK_SECRET_OVERLAP_SECONDS = 24 * HOUR;
export const MAX_WEBHOOK_SECRET_OVERLAP_SECONDS = 7 * 24 * HOUR;
/** Events one dispatch message fans out; more are left to the next message. */
export const WEBHOOK_EVENTS_PER_DISPATCH = 25;
/** Events and their delivery logs are kept this long. */
export const WEBHOOK_LOG_RETENTION_SECONDS = 30 * 24 * HOUR;
/** A delivery due this long ago without an attempt lost its queue message: housekeeping sends a new one. */
export const WEBHOOK_STALLED_SECONDS = 10 * 60;
// ─── Per-request work ────────────────────────────────────────────────────────────────────────

/**
 * Keyword matching (match-srt, multi-video): work units one request may spend (a unit is one cell of
 * the similarity ratio, one character scanned or one window considered; ~1–3 ns each). Set so the
 * worst input stays well under a second of CPU (bench/match-srt.ts measures it).
 */
export const MATCH_WORK_LIMIT = 100_000_000;
/** Matches one keyword matching may return (before de-duplication); more is refused, not cut short. */
export const MAX_MATCH_RESULTS = 50_000;
/** Segments with keywords `POST /segments/match-srt` searches (a profile with more is refused). */
export const MAX_MATCH_SEGMENTS = 2000;

// ─── Tags ────────────────────────────────────────────────────────────────────────────────────

/** Tags one source video, segment or clip may carry. */
export const MAX_TAGS = 20;
/** Characters of one tag (after normalising). */
export const MAX_TAG_LENGTH = 40;

// ─── URL imports ─────────────────────────────────────────────────────────────────────────────

/** Redirects a URL import follows (each target checked again) before it gives up. */
export const IMPORT_MAX_REDIRECTS = 5;
/** How long the origin may take to answer a request with its headers. */
export const IMPORT_RESPONSE_TIMEOUT_MS = 30_000;
/** How long a body may send nothing before the read is given up (the next attempt resumes). */
export const IMPORT_IDLE_TIMEOUT_MS = 60_000;
/**
 * A delivery out of time hands an import on at the next whole part; one still inside a part this
 * long after its deadline (a slow origin) hands it on at once, dropping the unfinished part.
 */
export const IMPORT_HANDOFF_GRACE_MS = 30_000;
/** An import not finished this long after it was asked for fails (every delivery and retry counted). */
export const IMPORT_MAX_SECONDS = 6 * HOUR;
/** Longest imported video when the request names no shorter limit (checked after probing). */
export const IMPORT_MAX_DURATION_SECONDS = 4 * HOUR;
/**
 * Preferred R2 part size of an import: a part is held in memory until it is stored, and a resumed
 * import continues from the last whole part.
 */
export const IMPORT_PART_BYTES = 8 * MiB;
