/**
 * The response shapes the studio reads, as the OpenAPI document (`/openapi.json`) describes them.
 * Written by hand for now; they give way to the typed client (`src/client.ts`, issue 16) once it
 * exists, so the contract has one source.
 */

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  job_id: string;
  type: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  resource_type: string | null;
  resource_id: string | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface Profile {
  id: string;
  name: string;
  description: string | null;
  is_default: boolean;
  monthly_budget_usd: number | null;
  source_retention_days: number | null;
  output_retention_days: number | null;
  trash_retention_days: number | null;
  postiz_configured: boolean;
  created_at: string;
}

export type LogoPosition = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** A profile's brand kit (GET /profiles/{id}/brand-kit). */
export interface BrandKit {
  profile_id: string;
  logo: {
    url: string;
    content_type: 'image/png' | 'image/svg+xml';
    width: number;
    height: number;
    size_bytes: number;
  } | null;
  logo_position: LogoPosition;
  logo_opacity: number;
  logo_margin: number;
  logo_scale: number;
  subtitle_settings: Record<string, unknown> | null;
  intro_id: string | null;
  outro_id: string | null;
  updated_at: string;
}

export type BrandKitSettings = Pick<
  BrandKit,
  'logo_position' | 'logo_opacity' | 'logo_margin' | 'logo_scale' | 'subtitle_settings' | 'intro_id' | 'outro_id'
>;

/** One due object of a retention dry run (GET /profiles/{id}/retention/preview). */
export interface RetentionItem {
  id: string;
  name: string | null;
  reason: string;
  since: string;
  held_by: string | null;
}

export interface RetentionPreview {
  generated_at: string;
  policy: { source_days: number | null; output_days: number | null; trash_days: number };
  source_videos: { delete: RetentionItem[]; held: RetentionItem[] };
  clips: { delete: RetentionItem[]; held: RetentionItem[] };
  jobs: { delete: RetentionItem[]; held: RetentionItem[] };
}

export type SourceVideoStatus = 'pending_upload' | 'processing' | 'ready' | 'failed';

export interface SourceVideo {
  id: string;
  name: string;
  description: string | null;
  status: SourceVideoStatus;
  error: { code: string; message: string } | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  has_audio: boolean | null;
  file_size_bytes: number | null;
  original_filename: string | null;
  segments_count: number;
  tags: string[];
  stream_url: string | null;
  thumbnail_url: string | null;
  created_at: string;
}

/** `POST …/source-videos/imports`: the import job with the video it fills. */
export interface ImportCreated {
  job_id: string;
  status: string;
  source_video: SourceVideo;
}

export interface SingleUpload {
  method: 'PUT';
  upload_url: string;
  headers: { 'Content-Type': string };
  size_bytes: number;
  complete_url: string;
  abort_url: string;
  status_url: string;
}

export interface MultipartUpload {
  method: 'multipart';
  size_bytes: number;
  part_size: number;
  part_count: number;
  parts_url: string;
  status_url: string;
  complete_url: string;
  abort_url: string;
}

export interface UploadCreated {
  source_video: SourceVideo;
  upload: SingleUpload | MultipartUpload;
}

export interface UploadStatus {
  source_video_id: string;
  status: SourceVideoStatus;
  method: 'PUT' | 'multipart';
  size_bytes: number;
  received_bytes: number;
  part_size: number | null;
  part_count: number | null;
  received_parts: number[];
  missing_parts: number[];
  upload: SingleUpload | MultipartUpload | null;
}

export interface UploadParts {
  parts: { part_number: number; size_bytes: number; url: string }[];
  next_from: number | null;
}

export interface UploadCompleted {
  job_id?: string;
  source_video?: SourceVideo;
}

export interface Waveform {
  source_video_id: string;
  duration: number | null;
  bins: number;
  peaks: number[];
}

/** GET …/source-videos/{id}/storyboard: a sprite of tiles and where each tile is. */
export interface Storyboard {
  source_video_id: string;
  duration: number;
  interval: number;
  tile_width: number;
  tile_height: number;
  columns: number;
  rows: number;
  sprite_width: number;
  sprite_height: number;
  sprite_url: string;
  expires_at: string;
  tiles: { start: number; end: number; x: number; y: number; url: string }[];
}

export interface VoiceRegion {
  start: number;
  end: number;
  confidence: number;
}

export type VoiceDetection =
  | { status: 'completed'; segments: VoiceRegion[] }
  | { status: 'processing'; job_id: string };

export interface Segment {
  id: string;
  source_video_id: string;
  source_video_name: string;
  start_time: number;
  end_time: number;
  duration: number;
  keywords: string[];
  notes: string | null;
  tags: string[];
  is_favorite: boolean;
  usage_count: number;
  extract_status: 'none' | 'extracting' | 'ready' | 'failed';
  stream_url: string | null;
  thumbnail_url: string | null;
  created_at: string;
}

export interface SegmentInput {
  start_time: number;
  end_time: number;
  keywords?: string[];
  notes?: string | null;
}

export type ProjectStatus = 'draft' | 'generating' | 'ready_for_triage' | 'failed';

export interface Project {
  id: string;
  name: string;
  description: string | null;
  status: ProjectStatus;
  target_duration: number;
  variants_count: number;
  selected_count: number;
  progress: number;
  progress_step: string | null;
  generation_job_id: string | null;
  thumbnail_url: string | null;
  created_at: string;
}

export type PostizStatus = 'not_sent' | 'uploaded' | 'sent' | 'scheduled' | 'published' | 'failed';

export interface Clip {
  id: string;
  project_id: string;
  variant_index: number;
  variant_name: string | null;
  duration: number | null;
  has_audio: boolean;
  segment_ids: string[];
  is_selected: boolean;
  is_deleted: boolean;
  final_status: 'pending' | 'processing' | 'completed' | 'failed';
  final_error: string | null;
  final_preset: string | null;
  postiz_status: PostizStatus;
  video_url: string | null;
  thumbnail_url: string | null;
  final_video_url: string | null;
  created_at: string;
}

export interface SubtitleSettings {
  fontSize?: number;
  fontFamily?: string;
  textColor?: string;
  outlineColor?: string;
  outlineWidth?: number;
  positionY?: number;
  bold?: boolean;
}

export interface ClipContent {
  clip_id: string;
  tts_text: string | null;
  srt_content: string | null;
  subtitle_settings: SubtitleSettings | null;
  has_voiceover_audio: boolean;
}

export interface ExportPreset {
  id: string;
  name: string;
  display_name: string;
  width: number;
  height: number;
  is_default: boolean;
}

export interface GenerateFromSegments {
  variant_count: number;
  selection_mode: 'random' | 'sequential' | 'weighted';
  target_duration: number;
  mute_source_voice: boolean;
  tts_text?: string | null;
  generate_tts?: boolean;
}

export interface PostizIntegration {
  id: string;
  name: string;
  provider: string;
  identifier: string | null;
  picture: string | null;
  disabled: boolean;
  max_caption_length: number | null;
}

export interface PublishResponse {
  job_id: string;
  job_ids: string[];
  publication_ids: string[];
  clips: {
    clip_id: string;
    job_id: string;
    publication_id: string;
    post_type: 'now' | 'schedule';
    date: string | null;
  }[];
}

export interface Publication {
  id: string;
  clip_id: string;
  job_id: string | null;
  status: 'pending' | 'draft' | 'scheduled' | 'published' | 'failed' | 'cancelled';
  draft: boolean;
  approved_at: string | null;
  platforms: string[];
  caption: string;
  scheduled_at: string | null;
  published_at: string | null;
  posts: { post_id: string; integration_id: string; platform: string; state: string; release_url: string | null }[];
  release_url: string | null;
  error: string | null;
  created_at: string;
}

export interface PostizConnectionStatus {
  configured: boolean;
  connected: boolean;
  integrations_count: number;
  error: string | null;
  source: 'profile' | 'deployment' | null;
}

export type CostService = 'elevenlabs' | 'gemini';

export interface CostEntry {
  id: string;
  job_id: string | null;
  service: CostService;
  operation: string;
  units: number;
  unit: string;
  cost_usd: number;
  created_at: string;
}

export interface CostSummary {
  totals: Record<CostService, number>;
  total_all: number;
  today: Record<CostService, number>;
  month_to_date: Record<CostService, number>;
  monthly_budget_usd: number | null;
  budget_remaining_usd: number | null;
  entry_count: number;
}

export interface Usage {
  in_use: {
    tts: { provider: string; voice: string; model: string | null };
    analysis: { engine: string; model: string | null };
  };
  errors: string[];
}

/** One timed word of a transcript (seconds from the start of the media). */
export interface TranscriptWord {
  text: string;
  start: number;
  end: number;
}

/** A transcript as listed (GET /transcripts): no words or SRT, their count instead. */
export interface TranscriptListItem {
  id: string;
  source_video_id: string | null;
  clip_id: string | null;
  job_id: string | null;
  engine: 'gemini' | 'script_alignment';
  model: string | null;
  language: string | null;
  approximate: boolean;
  duration: number | null;
  word_count: number;
  edited_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A whole transcript (GET /transcripts/{id}). */
export interface Transcript extends Omit<TranscriptListItem, 'word_count'> {
  words: TranscriptWord[];
  srt: string;
}

export interface TranscribeRequest {
  engine?: 'auto' | 'gemini' | 'script_alignment';
  script?: string;
  language?: string;
}

/** 202 of POST …/transcribe: the job's result has `transcript_id`. */
export interface TranscribeQueued {
  status: 'processing';
  job_id: string;
  job: Job;
  engine: 'gemini' | 'script_alignment';
  estimated_cost_usd: number;
}

export interface GeminiStatus {
  configured: boolean;
  connected: boolean;
  model: string;
  error: string | null;
}
