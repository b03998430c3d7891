/**
 * The whole Cutroom data model (D1 / SQLite), in drizzle form. `npm run db:generate` turns changes
 * here into a new migration under migrations/.
 *
 * Tenancy rule: every tenant table carries `profile_id NOT NULL` (FK → profiles, ON DELETE CASCADE)
 * and its indexes lead with it. Data access goes through src/db/repos, which always filter by it.
 */
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const createdAt = () => text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);
const updatedAt = () => text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);
const bool = (name: string) => integer(name, { mode: 'boolean' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
const profileRef = () =>
  text('profile_id')
    .notNull()
    .references((): AnySQLiteColumn => profiles.id, { onDelete: 'cascade' });

// ─── Profiles (brands) ────────────────────────────────────────────────────────────────────────

export const profiles = sqliteTable(
  'profiles',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    isDefault: bool('is_default').notNull().default(false),
    /** 'elevenlabs' uses ElevenLabs when a key is configured; 'local' always uses eSpeak NG. */
    ttsProvider: text('tts_provider', { enum: ['elevenlabs', 'local'] })
      .notNull()
      .default('elevenlabs'),
    elevenlabsVoiceId: text('elevenlabs_voice_id'),
    elevenlabsModel: text('elevenlabs_model'),
    localVoice: text('local_voice'),
    geminiModel: text('gemini_model'),
    defaultCaptionTemplate: text('default_caption_template'),
    /** Postiz connection: base URL in clear, API key AES-GCM encrypted with ENCRYPTION_KEY. */
    postizApiUrl: text('postiz_api_url'),
    postizApiKeyEncrypted: text('postiz_api_key_encrypted'),
    postizIntegrationIds: json<string[]>('postiz_integration_ids').notNull().default([]),
    /** Monthly AI spend cap in USD; null = no cap. */
    monthlyBudgetUsd: real('monthly_budget_usd'),
    /** Per-profile overrides of the deployment's job limits; null = deployment default. */
    maxConcurrentJobs: integer('max_concurrent_jobs'),
    dailyProcessingMinutes: integer('daily_processing_minutes'),
    /**
     * Retention (src/housekeeping/retention.ts), in days; null = the deployment's default. Sources go
     * that long after their last use, job outputs after the job finished, trash after it was trashed.
     */
    sourceRetentionDays: integer('source_retention_days'),
    outputRetentionDays: integer('output_retention_days'),
    trashRetentionDays: integer('trash_retention_days'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('profiles_user_idx').on(t.userId, t.createdAt),
    // At most one default profile per user; also the conflict target of "create default on first use".
    uniqueIndex('profiles_one_default_per_user').on(t.userId).where(sql`${t.isDefault} = 1`),
  ],
);

// ─── Source videos and segments ──────────────────────────────────────────────────────────────

/** A detect-voice run cached on its source video (the parameters it ran with decide reuse). */
export interface CachedVoiceDetection {
  params: Record<string, number>;
  segments: { start: number; end: number; duration?: number; confidence: number }[];
  total_voice_duration?: number;
  duration?: number;
  engine?: string;
  computed_at?: string;
}

export const sourceVideoStatuses = ['pending_upload', 'processing', 'ready', 'failed'] as const;
export type SourceVideoStatus = (typeof sourceVideoStatuses)[number];

export const sourceVideos = sqliteTable(
  'source_videos',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status', { enum: sourceVideoStatuses }).notNull().default('pending_upload'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    originalFilename: text('original_filename'),
    contentType: text('content_type').notNull().default('video/mp4'),
    /** Size the client declared when it asked to upload; the upload may not exceed it. */
    declaredSizeBytes: integer('declared_size_bytes').notNull(),
    fileSizeBytes: integer('file_size_bytes'),
    storageKey: text('storage_key').notNull(),
    thumbnailKey: text('thumbnail_key'),
    /** R2 multipart upload id while a multipart upload is open. */
    multipartUploadId: text('multipart_upload_id'),
    partSizeBytes: integer('part_size_bytes'),
    uploadExpiresAt: text('upload_expires_at'),
    /** Limit the client declared at upload time; the probe fails the video when it is longer. */
    maxDurationSeconds: real('max_duration_seconds'),
    duration: real('duration'),
    width: integer('width'),
    height: integer('height'),
    fps: real('fps'),
    rotation: integer('rotation'),
    videoCodec: text('video_codec'),
    audioCodec: text('audio_codec'),
    hasAudio: bool('has_audio'),
    bitRate: integer('bit_rate'),
    /** Normalised RMS bins computed at probe time (the default resolution). */
    waveform: json<number[]>('waveform'),
    /** Cached detect-voice run: parameters and intervals. */
    voice: json<CachedVoiceDetection>('voice'),
    segmentsCount: integer('segments_count').notNull().default(0),
    /** Normalised tags, as shown; `source_video_tags` holds the same set for filtering. */
    tags: json<string[]>('tags').notNull().default([]),
    /** The https URL a URL import fetches from (null for uploads). */
    importUrl: text('import_url'),
    /** The origin's ETag or Last-Modified of the bytes stored so far: a resumed import asks `If-Range` with it. */
    importValidator: text('import_validator'),
    /** Scheduled deletion (ISO time): the hourly retention run deletes it then, unless still needed. */
    deleteAfter: text('delete_after'),
    /** Last time a job, an extraction or a download read it (docs/api.md#retention); null = never since upload. */
    lastUsedAt: text('last_used_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('source_videos_profile_idx').on(t.profileId, t.id),
    index('source_videos_profile_status_idx').on(t.profileId, t.status, t.id),
    // Housekeeping finds abandoned uploads across profiles; only open uploads have an expiry.
    index('source_videos_upload_expiry_idx').on(t.uploadExpiresAt),
    // Retention finds due deletions across profiles; only scheduled rows are indexed.
    index('source_videos_delete_after_idx').on(t.deleteAfter).where(sql`${t.deleteAfter} IS NOT NULL`),
  ],
);

/** Parts received for an open multipart upload (R2 cannot list them through the binding). */
export const uploadParts = sqliteTable(
  'upload_parts',
  {
    profileId: profileRef(),
    sourceVideoId: text('source_video_id')
      .notNull()
      .references(() => sourceVideos.id, { onDelete: 'cascade' }),
    partNumber: integer('part_number').notNull(),
    etag: text('etag').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /** Set while a PUT is receiving the part (its bytes not in R2 yet): each part is received once. */
    claim: text('claim'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.sourceVideoId, t.partNumber] }),
    index('upload_parts_profile_idx').on(t.profileId, t.sourceVideoId),
  ],
);

export const extractStatuses = ['none', 'extracting', 'ready', 'failed'] as const;

export interface SegmentTransforms {
  flip_horizontal?: boolean;
  rotate?: 0 | 90 | 180 | 270;
  speed?: number;
}

export const segments = sqliteTable(
  'segments',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    sourceVideoId: text('source_video_id')
      .notNull()
      .references(() => sourceVideos.id, { onDelete: 'cascade' }),
    startTime: real('start_time').notNull(),
    endTime: real('end_time').notNull(),
    keywords: json<string[]>('keywords').notNull().default([]),
    notes: text('notes'),
    transforms: json<SegmentTransforms>('transforms'),
    isFavorite: bool('is_favorite').notNull().default(false),
    usageCount: integer('usage_count').notNull().default(0),
    extractStatus: text('extract_status', { enum: extractStatuses }).notNull().default('none'),
    extractError: text('extract_error'),
    extractMode: text('extract_mode'),
    extractedKey: text('extracted_key'),
    extractedDuration: real('extracted_duration'),
    thumbnailKey: text('thumbnail_key'),
    /** Normalised tags, as shown; `segment_tags` holds the same set for filtering. */
    tags: json<string[]>('tags').notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('segments_profile_video_idx').on(t.profileId, t.sourceVideoId, t.startTime),
    index('segments_profile_idx').on(t.profileId, t.id),
  ],
);

// ─── Projects, clips, exports ────────────────────────────────────────────────────────────────

export const projectStatuses = ['draft', 'generating', 'ready_for_triage', 'failed'] as const;

export const projects = sqliteTable(
  'projects',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status', { enum: projectStatuses }).notNull().default('draft'),
    targetDuration: integer('target_duration').notNull().default(20),
    contextText: text('context_text'),
    sourceVideoId: text('source_video_id').references(() => sourceVideos.id, {
      onDelete: 'set null',
    }),
    variantsCount: integer('variants_count').notNull().default(0),
    selectedCount: integer('selected_count').notNull().default(0),
    exportedCount: integer('exported_count').notNull().default(0),
    /** Persisted generation progress, 0–100. */
    progress: integer('progress').notNull().default(0),
    progressStep: text('progress_step'),
    generationJobId: text('generation_job_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('projects_profile_idx').on(t.profileId, t.id),
    index('projects_profile_status_idx').on(t.profileId, t.status, t.id),
  ],
);

export const projectSegments = sqliteTable(
  'project_segments',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    segmentId: text('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    sequenceOrder: integer('sequence_order').notNull(),
    isManualSelection: bool('is_manual_selection').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    index('project_segments_profile_project_idx').on(t.profileId, t.projectId, t.sequenceOrder),
    index('project_segments_segment_idx').on(t.profileId, t.segmentId),
    uniqueIndex('project_segments_order_unique').on(t.projectId, t.sequenceOrder),
  ],
);

export const finalStatuses = ['pending', 'processing', 'completed', 'failed'] as const;
export const postizStatuses = ['not_sent', 'uploaded', 'sent', 'scheduled', 'published', 'failed'] as const;

export const clips = sqliteTable(
  'clips',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    variantIndex: integer('variant_index').notNull(),
    variantName: text('variant_name'),
    rawKey: text('raw_key'),
    thumbnailKey: text('thumbnail_key'),
    duration: real('duration'),
    hasAudio: bool('has_audio').notNull().default(true),
    /** Segment ids used to build the variant, in order. */
    segmentIds: json<string[]>('segment_ids').notNull().default([]),
    isSelected: bool('is_selected').notNull().default(false),
    isDeleted: bool('is_deleted').notNull().default(false),
    deletedAt: text('deleted_at'),
    finalKey: text('final_key'),
    finalStatus: text('final_status', { enum: finalStatuses }).notNull().default('pending'),
    finalError: text('final_error'),
    finalPreset: text('final_preset'),
    postizStatus: text('postiz_status', { enum: postizStatuses }).notNull().default('not_sent'),
    postizMediaId: text('postiz_media_id'),
    postizMediaPath: text('postiz_media_path'),
    /** `{r2 key}#{etag}` of the video that media was uploaded from: a re-render makes it stale. */
    postizMediaSource: text('postiz_media_source'),
    postizPostId: text('postiz_post_id'),
    postizScheduledAt: text('postiz_scheduled_at'),
    /** Normalised tags, as shown; `clip_tags` holds the same set for filtering. */
    tags: json<string[]>('tags').notNull().default([]),
    /** Scheduled deletion (ISO time): purged for good then, unless still needed. */
    deleteAfter: text('delete_after'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('clips_profile_idx').on(t.profileId, t.id),
    index('clips_delete_after_idx').on(t.deleteAfter).where(sql`${t.deleteAfter} IS NOT NULL`),
    index('clips_profile_project_idx').on(t.profileId, t.projectId, t.variantIndex),
    uniqueIndex('clips_project_variant_unique').on(t.projectId, t.variantIndex),
  ],
);

// ─── Transcripts ─────────────────────────────────────────────────────────────────────────────

/** One timed word of a transcript, seconds from the start of the transcribed media. */
export interface TranscriptWord {
  text: string;
  start: number;
  end: number;
}

/**
 * Words with timings of a source video or a clip (`transcribe` job): from Gemini's audio
 * understanding, or a supplied script spread over the detected speech (`approximate`). `srt` is
 * built from the words and kept in step with them; both are editable.
 */
export const transcripts = sqliteTable(
  'transcripts',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    sourceVideoId: text('source_video_id').references(() => sourceVideos.id, { onDelete: 'cascade' }),
    clipId: text('clip_id').references(() => clips.id, { onDelete: 'cascade' }),
    jobId: text('job_id'),
    engine: text('engine', { enum: ['gemini', 'script_alignment'] }).notNull(),
    model: text('model'),
    language: text('language'),
    /** True when timings are estimated (script alignment), not heard. */
    approximate: bool('approximate').notNull().default(false),
    duration: real('duration'),
    words: json<TranscriptWord[]>('words').notNull().default([]),
    srt: text('srt').notNull().default(''),
    /** Set once a caller edits the words or the SRT. */
    editedAt: text('edited_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('transcripts_profile_idx').on(t.profileId, t.id),
    index('transcripts_profile_source_idx').on(t.profileId, t.sourceVideoId),
    index('transcripts_profile_clip_idx').on(t.profileId, t.clipId),
    uniqueIndex('transcripts_job_unique').on(t.jobId),
  ],
);

// ─── Tags ────────────────────────────────────────────────────────────────────────────────────

/**
 * One row per (resource, tag), beside the resource's own `tags` column (what presenters show): a
 * `?tag=` filter is a lookup in `(profile_id, tag, resource id)`, never a scan of JSON. Rows go with
 * their resource (ON DELETE CASCADE) and are replaced with its `tags` column in one batch.
 */
export const sourceVideoTags = sqliteTable(
  'source_video_tags',
  {
    profileId: profileRef(),
    sourceVideoId: text('source_video_id')
      .notNull()
      .references(() => sourceVideos.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.tag, t.sourceVideoId] }),
    index('source_video_tags_resource_idx').on(t.sourceVideoId),
  ],
);

export const segmentTags = sqliteTable(
  'segment_tags',
  {
    profileId: profileRef(),
    segmentId: text('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.profileId, t.tag, t.segmentId] }),
    index('segment_tags_resource_idx').on(t.segmentId),
  ],
);

export const clipTags = sqliteTable(
  'clip_tags',
  {
    profileId: profileRef(),
    clipId: text('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.tag, t.clipId] }), index('clip_tags_resource_idx').on(t.clipId)],
);

export interface SubtitleSettings {
  fontSize?: number;
  fontFamily?: string;
  textColor?: string;
  outlineColor?: string;
  outlineWidth?: number;
  positionY?: number;
  bold?: boolean;
}

export const clipContent = sqliteTable(
  'clip_content',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    clipId: text('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    ttsText: text('tts_text'),
    ttsVoiceId: text('tts_voice_id'),
    ttsAudioKey: text('tts_audio_key'),
    srtContent: text('srt_content'),
    subtitleSettings: json<SubtitleSettings>('subtitle_settings'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('clip_content_clip_unique').on(t.clipId),
    index('clip_content_profile_idx').on(t.profileId, t.clipId),
  ],
);

/** Render presets: global, seeded by migration, read-only through the API. Not tenant data. */
export const exportPresets = sqliteTable('export_presets', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  displayName: text('display_name').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  fps: integer('fps').notNull(),
  crf: integer('crf').notNull(),
  videoBitrate: text('video_bitrate').notNull(),
  audioBitrate: text('audio_bitrate').notNull(),
  videoProfile: text('video_profile').notNull().default('high'),
  videoLevel: text('video_level').notNull().default('4.1'),
  audioSampleRate: integer('audio_sample_rate').notNull().default(48000),
  loudnessTarget: real('loudness_target'),
  isDefault: bool('is_default').notNull().default(false),
  sortOrder: integer('sort_order').notNull().default(0),
});

export const exports = sqliteTable(
  'exports',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    clipId: text('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    presetId: text('preset_id')
      .notNull()
      .references(() => exportPresets.id),
    jobId: text('job_id'),
    outputKey: text('output_key'),
    fileSizeBytes: integer('file_size_bytes'),
    status: text('status', { enum: ['processing', 'completed', 'failed'] })
      .notNull()
      .default('processing'),
    createdAt: createdAt(),
    completedAt: text('completed_at'),
  },
  (t) => [index('exports_profile_clip_idx').on(t.profileId, t.clipId, t.id)],
);

// ─── Jobs, costs, publications, idempotency ──────────────────────────────────────────────────

export const jobStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    type: text('type').notNull(),
    status: text('status', { enum: jobStatuses }).notNull().default('pending'),
    progress: integer('progress').notNull().default(0),
    step: text('step'),
    /** What the job works on, e.g. ('source_video', 'vid_…'), for filters and cleanup. */
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    input: json<Record<string, unknown>>('input').notNull(),
    result: json<Record<string, unknown>>('result'),
    /** R2 keys the job produced, removed when the job is deleted. */
    outputKeys: json<string[]>('output_keys').notNull().default([]),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    attempts: integer('attempts').notNull().default(0),
    cancelRequested: bool('cancel_requested').notNull().default(false),
    /** Media seconds processed, for the per-day processing limit. */
    processingSeconds: real('processing_seconds').notNull().default(0),
    /** What the job was estimated to bill (USD), held against the monthly budget while it is active. */
    estimatedCostUsd: real('estimated_cost_usd').notNull().default(0),
    /**
     * Set when a delivery stopped following a processor operation that outlived its time budget
     * and re-sent the message (the job stays running); the next delivery claims the job by it.
     */
    handedOffAt: text('handed_off_at'),
    /** How many times deliveries handed the job over that way. */
    handoffs: integer('handoffs').notNull().default(0),
    /**
     * When the job's queue message was known to be sent (the producer sets it after the send, the
     * stranded-job sweep after a re-send). A pending job without it past a grace period lost its
     * message (src/jobs/stranded.ts).
     */
    dispatchedAt: text('dispatched_at'),
    /** How many times the stranded-job sweep sent the job a fresh message. */
    redispatches: integer('redispatches').notNull().default(0),
    /** Scheduled deletion of the job and its outputs (ISO time). */
    deleteAfter: text('delete_after'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [
    index('jobs_profile_idx').on(t.profileId, t.id),
    index('jobs_profile_status_idx').on(t.profileId, t.status, t.id),
    index('jobs_profile_resource_idx').on(t.profileId, t.resourceType, t.resourceId),
    // The stranded-job sweep, across profiles: only active rows are indexed (the queries name
    // these conditions literally, so SQLite can use the partial indexes).
    index('jobs_undispatched_idx').on(t.updatedAt).where(sql`${t.status} = 'pending' AND ${t.dispatchedAt} IS NULL`),
    index('jobs_active_updated_idx').on(t.updatedAt).where(sql`${t.status} IN ('pending', 'running')`),
    // The consumer's fair share (src/jobs/fair-share.ts): jobs waiting for their first start, and
    // what each profile started lately.
    index('jobs_status_created_idx').on(t.status, t.createdAt),
    index('jobs_profile_started_idx').on(t.profileId, t.startedAt),
    index('jobs_delete_after_idx').on(t.deleteAfter).where(sql`${t.deleteAfter} IS NOT NULL`),
  ],
);

/**
 * Processor operations a job started while it is not finished (src/jobs/job-processor.ts): the
 * next delivery follows a running one again on the same instance (one the processor no longer
 * knows was lost with its container) and takes a succeeded one's result back without redoing it;
 * a cancelled or failed job cancels the running ones. Removed when the job ends.
 */
export const processorOperations = sqliteTable(
  'processor_operations',
  {
    /** The operation id the processor runs it under. */
    id: text('id').primaryKey(),
    profileId: profileRef(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    operation: text('operation').notNull(),
    /** Container instance it runs in; null for the one processor at PROCESSOR_URL. */
    instance: text('instance'),
    state: text('state', { enum: ['running', 'succeeded'] })
      .notNull()
      .default('running'),
    startedAt: text('started_at').notNull(),
  },
  (t) => [index('processor_operations_profile_job_idx').on(t.profileId, t.jobId)],
);

/**
 * Which container instance each processor operation holds a slot on (src/processor/placement.ts):
 * deployment-wide, not a tenant's data. A row is a lease: it frees its slot when the operation
 * ends (deleted) or when `expires_at` passes (its caller disappeared).
 */
export const processorLeases = sqliteTable(
  'processor_leases',
  {
    /** The operation id (processor_operations.id): one slot per operation. */
    operationId: text('operation_id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    instance: text('instance').notNull(),
    /** Milliseconds since the epoch. */
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [
    index('processor_leases_instance_idx').on(t.instance, t.expiresAt),
    index('processor_leases_job_idx').on(t.jobId),
  ],
);

/**
 * Who is making a stored image (a poster, an animated preview, a storyboard sprite) right now: one
 * row per R2 key, so two first requests for the same image run the processor once
 * (source-videos/media-claims.ts). The key carries the profile's R2 prefix; the row is the profile's.
 * A row outlives its maker only until `expires_at`: a claim whose maker died is taken over then.
 */
export const mediaClaims = sqliteTable(
  'media_claims',
  {
    /** The R2 key of the object being made (`p/{profile_id}/…`). */
    key: text('key').primaryKey(),
    profileId: profileRef(),
    /** A random id of the maker: only it releases the claim. */
    holder: text('holder').notNull(),
    /** Milliseconds since the epoch. */
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('media_claims_profile_idx').on(t.profileId, t.expiresAt)],
);

/**
 * Where a deployment-wide housekeeping pass stopped (one row per pass, e.g. `retention`): the next
 * run starts after `after`, so a pass bounded to N profiles reaches every profile in turn instead of
 * visiting the same first N every time.
 */
export const housekeepingCursors = sqliteTable('housekeeping_cursors', {
  name: text('name').primaryKey(),
  /** The last profile id the pass handled. */
  after: text('after').notNull(),
  updatedAt: updatedAt(),
});

export const apiCosts = sqliteTable(
  'api_costs',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    jobId: text('job_id').references(() => jobs.id, { onDelete: 'set null' }),
    service: text('service', { enum: ['elevenlabs', 'gemini'] }).notNull(),
    operation: text('operation').notNull(),
    units: real('units').notNull(),
    unit: text('unit').notNull(),
    unitPriceUsd: real('unit_price_usd').notNull(),
    costUsd: real('cost_usd').notNull(),
    model: text('model'),
    requestId: text('request_id'),
    /** Idempotency of ledger writes under redelivery: one row per (job, call key). */
    callKey: text('call_key'),
    details: json<Record<string, unknown>>('details'),
    createdAt: createdAt(),
  },
  (t) => [
    index('api_costs_profile_idx').on(t.profileId, t.createdAt),
    uniqueIndex('api_costs_call_unique').on(t.profileId, t.callKey),
  ],
);

/**
 * `draft`: created in Postiz as a draft, waiting for approval; `cancelled`: withdrawn (the Postiz
 * posts deleted) before it went out.
 */
export const publicationStatuses = ['pending', 'draft', 'scheduled', 'published', 'failed', 'cancelled'] as const;

/** Per-channel overrides of a publication, keyed by integration id. */
export type ChannelOverrides = Record<string, { caption?: string; first_comment?: string }>;

/** A publication's metrics as Postiz reported them, per channel post. */
export interface PublicationAnalytics {
  posts: { post_id: string; integration_id: string; platform: string | null; metrics: unknown[] }[];
}

export interface PublicationPost {
  post_id: string;
  integration_id: string;
  platform: string | null;
  /** Postiz state when last seen: QUEUE, PUBLISHED, ERROR, DRAFT. */
  state: string;
  release_url: string | null;
}

export const publications = sqliteTable(
  'publications',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    clipId: text('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    jobId: text('job_id'),
    integrationIds: json<string[]>('integration_ids').notNull(),
    platforms: json<string[]>('platforms').notNull().default([]),
    caption: text('caption').notNull(),
    scheduledAt: text('scheduled_at'),
    publishedAt: text('published_at'),
    status: text('status', { enum: publicationStatuses }).notNull().default('pending'),
    /** Sent to Postiz as `group`, so a retried create can be recognised. */
    postizGroup: text('postiz_group').notNull(),
    postizPostIds: json<string[]>('postiz_post_ids').notNull().default([]),
    /** One entry per channel: what Postiz created and, once polled, its state and release URL. */
    postizPosts: json<PublicationPost[]>('postiz_posts').notNull().default([]),
    /** The first channel's release URL (the original's single field); per channel in postiz_posts. */
    releaseUrl: text('release_url'),
    errorMessage: text('error_message'),
    attempts: integer('attempts').notNull().default(0),
    /** Created as Postiz drafts, to be approved (POST /publications/{id}/approve). */
    draft: bool('draft').notNull().default(false),
    /** Captions and first comments that differ per channel. */
    channelOverrides: json<ChannelOverrides>('channel_overrides').notNull().default({}),
    /** Set by the one approve call that wins (compare-and-set), cleared again if Postiz refused it. */
    approvedAt: text('approved_at'),
    cancelledAt: text('cancelled_at'),
    /** Last analytics fetched from Postiz, served again until they are a few minutes old. */
    analytics: json<PublicationAnalytics>('analytics'),
    analyticsFetchedAt: text('analytics_fetched_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('publications_profile_clip_idx').on(t.profileId, t.clipId, t.id),
    uniqueIndex('publications_group_unique').on(t.postizGroup),
  ],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    profileId: profileRef(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_flight', 'completed'] })
      .notNull()
      .default('in_flight'),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.key] }), index('idempotency_keys_expiry_idx').on(t.expiresAt)],
);

// ─── Webhooks ────────────────────────────────────────────────────────────────────────────────

/** What an endpoint can subscribe to (docs/webhooks.md). `*` subscribes to every type. */
export const webhookEventTypes = [
  'source_video.ready',
  'source_video.failed',
  'job.completed',
  'job.failed',
  'job.canceled',
  'clip.rendered',
  'publication.published',
  'publication.failed',
  'publication.canceled',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types delivered here, or `['*']` for all. */
    eventTypes: json<string[]>('event_types').notNull(),
    enabled: bool('enabled').notNull().default(true),
    /** The signing secret, AES-GCM sealed with ENCRYPTION_KEY (shown once, at creation or rotation). */
    secretSealed: text('secret_sealed').notNull(),
    /** After a rotation, the old secret also signs deliveries until `previous_secret_expires_at`. */
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: text('previous_secret_expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_profile_idx').on(t.profileId, t.id)],
);

/**
 * The outbox: one row per event, written in the same D1 batch as the state change it reports
 * (src/db/repos/webhook-events.ts), so an event cannot be lost between the change and its delivery.
 * `occurrence` is the row whose change this is (a job, an export, …); one event per type and
 * occurrence. `payload` is the delivered body, rendered once when the event is dispatched.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    type: text('type', { enum: webhookEventTypes }).notNull(),
    /** The resource whose API shape is the event's `data`. */
    resourceId: text('resource_id').notNull(),
    occurrence: text('occurrence').notNull(),
    payload: text('payload'),
    dispatchedAt: text('dispatched_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_events_occurrence_unique').on(t.profileId, t.type, t.occurrence),
    index('webhook_events_profile_dispatch_idx').on(t.profileId, t.dispatchedAt, t.id),
    index('webhook_events_created_idx').on(t.createdAt),
  ],
);

export const webhookDeliveryStatuses = ['pending', 'delivering', 'retrying', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** One event to one endpoint (a replay is a new delivery of the same event). */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    profileId: profileRef(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    /** The delivery this one replays, when it was asked for with …/replay. */
    replayOf: text('replay_of'),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due (pending/retrying). */
    nextAttemptAt: text('next_attempt_at').notNull(),
    /** While `delivering`: no other attempt may start before this (longer than an attempt can take). */
    leaseUntil: text('lease_until'),
    firstAttemptAt: text('first_attempt_at'),
    lastAttemptAt: text('last_attempt_at'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastLatencyMs: integer('last_latency_ms'),
    /** The first bytes of the endpoint's last answer, for the delivery log. */
    lastResponseExcerpt: text('last_response_excerpt'),
    finishedAt: text('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('webhook_deliveries_profile_endpoint_idx').on(t.profileId, t.endpointId, t.id),
    uniqueIndex('webhook_deliveries_first_unique')
      .on(t.profileId, t.eventId, t.endpointId)
      .where(sql`${t.replayOf} IS NULL`),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

// ─── Brand kits ───────────────────────────────────────────────────────────────────────────────

export const logoPositions = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;

/**
 * A profile's brand kit (src/routes/profiles/brand-kit.ts): the logo render overlays and the default
 * subtitle style. One row per profile; the logo bytes live in R2 under the profile's prefix.
 */
export const brandKits = sqliteTable(
  'brand_kits',
  {
    profileId: profileRef(),
    /** R2 key of the PNG or SVG (storageKeys.brandLogo; the extension is the format); null = no logo. */
    logoKey: text('logo_key'),
    logoWidth: integer('logo_width'),
    logoHeight: integer('logo_height'),
    logoBytes: integer('logo_bytes'),
    logoPosition: text('logo_position', { enum: logoPositions }).notNull().default('bottom-right'),
    logoOpacity: real('logo_opacity').notNull().default(1),
    /** Fractions of the output width. */
    logoMargin: real('logo_margin').notNull().default(0.03),
    logoScale: real('logo_scale').notNull().default(0.15),
    /** Default subtitle settings (camelCase, as clip content stores them); a clip's own settings win. */
    subtitleSettings: json<Record<string, unknown>>('subtitle_settings'),
    /** A clip or source video of the profile joined before / after every render; null = none. */
    introId: text('intro_id'),
    outroId: text('outro_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // One kit per profile; also the conflict target of the upsert.
  (t) => [uniqueIndex('brand_kits_profile_unique').on(t.profileId)],
);
