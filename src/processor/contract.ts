/**
 * The contract between the Worker and the media processor (container/). Both sides import these
 * types: the Worker's processor client and the container's operation handlers.
 *
 * Wire protocol (see docs/processor.md):
 * - `POST /v1/{operation}` with a JSON body, authenticated with
 *   `X-Cutroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(PROCESSOR_SECRET, "{t}.{METHOD}.{path}.{sha256hex(body)}")>`,
 *   accepted within ±300 s. `GET /health` is open and reveals nothing secret.
 * - Inputs are `MediaInput`s: short-lived signed URLs the Worker issued for its own media. Outputs are
 *   `MediaOutput`s: signed PUT URLs back to the Worker, which stream the bytes into R2. The processor
 *   never takes a filesystem path, and only fetches URLs whose origin is in its allow-list.
 * - A request the processor cannot accept answers 4xx JSON `{ error: { code, message } }` at once.
 *   Accepted work answers 200 `application/x-ndjson`: zero or more
 *   `{"type":"progress","percent":n,"step":"…"}` lines, then exactly one
 *   `{"type":"result","result":{…}}` or `{"type":"error","code":"…","message":"…"}` line.
 */

export interface MediaInput {
  /** Signed GET URL (supports Range) issued by the Worker. */
  url: string;
}

export interface MediaOutput {
  /** Signed PUT URL issued by the Worker; the processor sends the file with Content-Length. */
  url: string;
  content_type: string;
}

export interface TimeRange {
  start: number;
  end: number;
}

export type ProcessorErrorCode =
  | 'invalid_request' // body failed validation
  | 'unauthorized' // bad or expired signature
  | 'input_unreachable' // the input URL could not be fetched (transient on the Worker side)
  | 'invalid_media' // not a media file, truncated, zero bytes, a playlist in disguise, …
  | 'unsupported_codec'
  | 'limits_exceeded' // duration, dimensions, stream count or size over the processor's limits
  | 'no_video_stream'
  | 'no_audio_stream'
  | 'timeout'
  | 'output_upload_failed'
  | 'busy' // too many operations in flight; retry later
  | 'internal';

export interface ProgressEvent {
  type: 'progress';
  percent: number;
  step: string;
}

// ─── Operations ──────────────────────────────────────────────────────────────────────────────

export interface ProbeRequest {
  input: MediaInput;
}
export interface ProbeResult {
  duration: number;
  /** Display dimensions: rotation already applied (90/270 swap width and height). */
  width: number;
  height: number;
  /** Coded dimensions as stored in the stream. */
  coded_width: number;
  coded_height: number;
  rotation: 0 | 90 | 180 | 270;
  orientation: 'landscape' | 'portrait' | 'square';
  fps: number;
  video_codec: string | null;
  audio_codec: string | null;
  has_video: boolean;
  has_audio: boolean;
  video_bitrate: number | null;
  audio_bitrate: number | null;
  bit_rate: number | null;
  size_bytes: number | null;
  format_name: string;
  pixel_format: string | null;
  /** Average distance between keyframes in seconds, when it could be measured cheaply. */
  keyframe_interval: number | null;
}

export interface ThumbnailRequest {
  input: MediaInput;
  /** Seconds; clamped to the media's duration. */
  time: number;
  /** Output width in pixels (height keeps the aspect ratio), 16–1920. */
  width: number;
  output: MediaOutput;
}
export interface ThumbnailResult {
  time: number;
  width: number;
  height: number;
  size_bytes: number;
}

export interface FramesRequest {
  input: MediaInput;
  /** Seconds between frames (≥ 0.5). */
  interval: number;
  max_width: number;
  start?: number;
  end?: number;
  /** Hard cap on frames returned (≤ 600). */
  max_frames: number;
  /** JPEG quality 1–100 (default 80). */
  quality?: number;
}
export interface FramesResult {
  frames: { time: number; width: number; height: number; jpeg_base64: string }[];
}

export interface WaveformRequest {
  input: MediaInput;
  /** 100–4000 bins. */
  bins: number;
}
export interface WaveformResult {
  bins: number;
  duration: number;
  /** Normalised RMS per bin in [0, 1], sqrt-scaled (original §8 #9). All zeros for silent or audio-less media. */
  peaks: number[];
}

export interface DetectVoiceParams {
  /** Speech probability threshold 0–1 (default 0.5). */
  threshold: number;
  /** Drop speech shorter than this, seconds (default 0.25). */
  min_speech_duration: number;
  /** Merge speech separated by less than this, seconds (default 0.1). */
  min_silence_duration: number;
  /** Pad each interval on both sides, seconds (default 0). */
  padding: number;
}
export interface DetectVoiceRequest extends Partial<DetectVoiceParams> {
  input: MediaInput;
}
export interface VoiceSegment {
  start: number;
  end: number;
  duration: number;
  confidence: number;
}
export interface DetectVoiceResult {
  segments: VoiceSegment[];
  total_voice_duration: number;
  duration: number;
  /** Which detector produced the result, e.g. "webrtc-vad" or "spectral". */
  engine: string;
  params: DetectVoiceParams;
}

export type MuteMode = 'hard' | 'duck' | 'fade';
export interface MuteRequest {
  input: MediaInput;
  /** Intervals to mute; when absent, voice is detected first with `detect`. */
  intervals?: TimeRange[];
  detect?: Partial<DetectVoiceParams>;
  /** hard = volume 0; duck = keep `keep_percentage`; fade = exponential fades (original §5.1). */
  mode: MuteMode;
  /** 0–1, the level kept inside muted intervals in duck/fade modes (fade default 0.03). */
  keep_percentage?: number;
  /** Fade length in seconds for `fade` (default 0.8). */
  fade_duration?: number;
  /** Apply the original's afftdn denoise after muting (fade mode default true). */
  denoise?: boolean;
  output: MediaOutput;
}
export interface MuteResult {
  intervals: TimeRange[];
  duration: number;
  /** Always true: the video stream is copied packet for packet. */
  video_copied: boolean;
  size_bytes: number;
}

export type ExtractMode = 'copy' | 'smart' | 'reencode';
export interface ExtractRequest {
  input: MediaInput;
  start: number;
  end: number;
  mode: ExtractMode;
  /** Audio intervals (relative to the cut) to mute while extracting; forces an audio re-encode. */
  mute?: { intervals: TimeRange[]; mode: MuteMode; keep_percentage?: number };
  /** Visual transforms force `reencode`. */
  transforms?: { flip_horizontal?: boolean; rotate?: 0 | 90 | 180 | 270 };
  output: MediaOutput;
}
export interface ExtractResult {
  mode_used: ExtractMode;
  /** Why `smart` fell back to a full re-encode, when it did. */
  fallback_reason: string | null;
  duration: number;
  /** Where the output actually starts in the source (copy mode snaps to a keyframe). */
  actual_start: number;
  width: number;
  height: number;
  size_bytes: number;
}

export interface ConcatRequest {
  inputs: (MediaInput & { start?: number; end?: number })[];
  /** When inputs differ in codec parameters, normalise to this (otherwise to the first input). */
  normalize?: { width: number; height: number; fps: number };
  /** Trim the result to at most this many seconds. */
  max_duration?: number;
  output: MediaOutput;
}
export interface ConcatResult {
  mode_used: 'copy' | 'encode';
  duration: number;
  width: number;
  height: number;
  size_bytes: number;
}

export interface AudioRequest {
  video: MediaInput;
  /** The new track (voice-over, music). */
  audio: MediaInput;
  /** replace = drop the video's audio; mix = keep it ducked to `duck_to` under the new track. */
  mode: 'replace' | 'mix';
  /** Level of the original track under the new one in `mix` (0–1, default 0.1). */
  duck_to?: number;
  /** Sidechain ducking (only under speech) instead of a constant volume. */
  sidechain?: boolean;
  /** Cut the output to the new track's duration (default false: the longer of the two). */
  trim_to_audio?: boolean;
  output: MediaOutput;
}
export interface AudioResult {
  duration: number;
  video_copied: boolean;
  size_bytes: number;
}

export interface RemoveAudioRequest {
  input: MediaInput;
  output: MediaOutput;
}
export interface RemoveAudioResult {
  duration: number;
  size_bytes: number;
}

export interface SilenceRemoveRequest {
  input: MediaInput;
  min_silence_duration: number;
  padding: number;
  output: MediaOutput;
}
export interface SilenceRemoveResult {
  original_duration: number;
  new_duration: number;
  removed_duration: number;
  /** Percent removed: (1 - new/original) × 100. */
  compression_ratio: number;
  segments_kept: number;
  /** Kept spans in the original's time, in order; lets captions be re-timed. */
  kept: TimeRange[];
  size_bytes: number;
}

export interface TtsLocalRequest {
  text: string;
  /** eSpeak NG voice, e.g. "en-us" (default). */
  voice?: string;
  /** Words per minute 80–450 (default 165). */
  speed?: number;
  output: MediaOutput;
}
export interface CaptionCue {
  start: number;
  end: number;
  text: string;
}
export interface TtsLocalResult {
  duration: number;
  /** Phrase-level timing of the speech, for captions. */
  cues: CaptionCue[];
  srt: string;
  characters: number;
  size_bytes: number;
}

export interface SubtitleStyle {
  font_family: string;
  font_size: number;
  text_color: string; // #RRGGBB
  outline_color: string; // #RRGGBB
  outline_width: number;
  position_y: number; // 0–100, percent from the top
  bold: boolean;
}
export interface RenderPreset {
  width: number;
  height: number;
  fps: number;
  crf: number;
  video_bitrate: string; // e.g. "8M"
  audio_bitrate: string; // e.g. "192k"
  video_profile: string;
  video_level: string;
  audio_sample_rate: number;
}
export interface RenderRequest {
  input: MediaInput;
  preset: RenderPreset;
  /** Voice-over mixed over the clip's own audio, which is ducked to `duck_to` (default 0.15). */
  voiceover?: MediaInput & { duck_to?: number };
  /** Subtitles burned in: SRT text (validated and escaped by the processor) and a whitelisted style. */
  subtitles?: { srt: string; style: SubtitleStyle };
  /** Fit the video to this many seconds (trim; or hold the last frame when `extend` is set). */
  target_duration?: number;
  /** Extra clips appended when the video is shorter than target_duration. */
  extend_with?: MediaInput[];
  /** Integrated loudness target in LUFS (e.g. -14); omitted = no normalisation. */
  loudness_target?: number;
  output: MediaOutput;
}
export interface RenderResult {
  duration: number;
  width: number;
  height: number;
  size_bytes: number;
  loudness_lufs: number | null;
}

export interface HighlightsRequest {
  input: MediaInput;
  /** Total seconds wanted (per variant). */
  target_duration: number;
  /** How many variants the selection should serve (1–10, default 1). */
  variant_count?: number;
  /** Window length in seconds (default min(3, max(1.5, target/8)) as the original). */
  window?: number;
}
export interface HighlightWindow {
  start: number;
  end: number;
  duration: number;
  motion_score: number;
  variance_score: number;
  brightness: number;
  combined_score: number;
}
export interface HighlightsResult {
  duration: number;
  /** Every scored window, best first (rejected black/static windows excluded). */
  windows: HighlightWindow[];
  /** The original's select_best_segments(target): chronological, no overlaps. */
  selected: HighlightWindow[];
  /** Per variant, the original's _select_variant_segments picks (chronological). */
  variants: HighlightWindow[][];
}

export interface ProcessorOperations {
  probe: [ProbeRequest, ProbeResult];
  thumbnail: [ThumbnailRequest, ThumbnailResult];
  frames: [FramesRequest, FramesResult];
  waveform: [WaveformRequest, WaveformResult];
  'detect-voice': [DetectVoiceRequest, DetectVoiceResult];
  mute: [MuteRequest, MuteResult];
  extract: [ExtractRequest, ExtractResult];
  concat: [ConcatRequest, ConcatResult];
  audio: [AudioRequest, AudioResult];
  'remove-audio': [RemoveAudioRequest, RemoveAudioResult];
  'silence-remove': [SilenceRemoveRequest, SilenceRemoveResult];
  'tts-local': [TtsLocalRequest, TtsLocalResult];
  render: [RenderRequest, RenderResult];
  highlights: [HighlightsRequest, HighlightsResult];
}
export type ProcessorOperation = keyof ProcessorOperations;
export type OperationRequest<O extends ProcessorOperation> = ProcessorOperations[O][0];
export type OperationResult<O extends ProcessorOperation> = ProcessorOperations[O][1];

/** The Worker-side client every job handler uses (src/media/processor-client.ts implements it). */
export interface ProcessorClient {
  run<O extends ProcessorOperation>(
    operation: O,
    request: OperationRequest<O>,
    onProgress?: (event: ProgressEvent) => void | Promise<void>,
  ): Promise<OperationResult<O>>;
  health(): Promise<{ ok: boolean; ffmpeg: boolean; detail?: string }>;
}
