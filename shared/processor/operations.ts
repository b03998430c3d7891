/**
 * Every processor operation's request and result, as schemas; the types both sides use are
 * inferred from them. The processor parses request bodies with `processorRequestSchemas(check)`
 * (its allowed media origins in `check`); the Worker checks each result with `processorResults`.
 * Limits here are the processor's: a request outside them is refused with `invalid_request`.
 */
import { z } from 'zod';
import { integer, matching, oneOfNumbers, oneOfStrings, optional } from './fields.ts';
import { type MediaUrlCheck, mediaSchemas, timeRange } from './media.ts';

// ─── Shared pieces ───────────────────────────────────────────────────────────────────────────

/** Longest media time anywhere in a request, seconds. */
const MAX_SECONDS = 1e7;
export const MAX_INTERVALS = 5000;
export const MAX_CONCAT_INPUTS = 50;
export const MAX_RENDER_EXTENSIONS = 20;
export const MAX_TTS_CHARACTERS = 5000;
export const MAX_SRT_CHARACTERS = 1024 * 1024;
/** Most tiles one storyboard sprite holds. */
export const MAX_STORYBOARD_TILES = 100;
/**
 * Longest span one `speech-audio` call extracts: 30 min of 16 kHz mono MP3 at 32 kbit/s (~7 MB).
 * Transcription asks for 5-minute chunks (src/providers/gemini-transcript.ts); this bounds a call.
 */
export const MAX_SPEECH_AUDIO_SECONDS = 1800;

const endAfterStart = { path: ['end'], error: 'must be greater than start' };
/** Neither end given or end > start. */
const ordered = (v: { start?: number | undefined; end?: number | undefined }) =>
  v.start === undefined || v.end === undefined || v.end > v.start;

/** A time range in a request: within the media-time bound, end after start. */
const requestTimeRange = z
  .strictObject({ start: z.number().min(0).max(MAX_SECONDS), end: z.number().min(0).max(MAX_SECONDS) })
  .refine(ordered, endAfterStart);
const intervals = z.array(requestTimeRange).max(MAX_INTERVALS);

export const muteMode = z.enum(['hard', 'duck', 'fade']);
export type MuteMode = z.infer<typeof muteMode>;

/**
 * How far a mute reaches around each interval (docs/voice-detection.md#muting-speech). The detector
 * lets go of speech before a word's quiet tail has faded, and sound left between two close spans is
 * heard as fragments; widening and merging covers both.
 */
export const muteMargins = z.strictObject({
  /** Seconds muted before each interval. */
  pad_before: z.number().min(0).max(2),
  /** Seconds muted after each interval. */
  pad_after: z.number().min(0).max(2),
  /** Intervals this close (or closer) after padding are muted as one. */
  merge_gap: z.number().min(0).max(5),
});
export type MuteMargins = z.infer<typeof muteMargins>;
/** The margins around detected speech, wherever it is muted. */
export const SPEECH_MUTE_MARGINS: MuteMargins = { pad_before: 0.1, pad_after: 0.25, merge_gap: 0.3 };

/**
 * How a clip's own sound makes room for a new track (voice-over) mixed over it:
 * - sidechain: down to `duck_to` only while the new track sounds, back up in its pauses;
 * - constant: down to `duck_to` throughout.
 */
export const ducking = z.enum(['sidechain', 'constant']);
export type Ducking = z.infer<typeof ducking>;
export const DEFAULT_DUCKING: Ducking = 'sidechain';
export const extractMode = z.enum(['copy', 'smart', 'reencode']);
export type ExtractMode = z.infer<typeof extractMode>;

/** Voice detection settings a request may give (each optional; bounds as the original's routes). */
const voiceParamFields = {
  /** Speech probability threshold 0–1 (default 0.5). */
  threshold: z.number().min(0).max(1).optional(),
  /** Drop speech shorter than this, seconds (default 0.25). */
  min_speech_duration: z.number().min(0).max(10).optional(),
  /** Merge speech separated by less than this, seconds (default 0.1). */
  min_silence_duration: z.number().min(0).max(10).optional(),
  /** Pad each interval on both sides, seconds (default 0). */
  padding: z.number().min(0).max(5).optional(),
};

/** The settings a detection ran with (defaults filled in). */
export const detectVoiceParams = z.object({
  threshold: z.number(),
  min_speech_duration: z.number(),
  min_silence_duration: z.number(),
  padding: z.number(),
});
export type DetectVoiceParams = z.infer<typeof detectVoiceParams>;

export const voiceSegment = z.object({
  start: z.number(),
  end: z.number(),
  duration: z.number(),
  confidence: z.number(),
});
export type VoiceSegment = z.infer<typeof voiceSegment>;

export const captionCue = z.object({ start: z.number(), end: z.number(), text: z.string() });
export type CaptionCue = z.infer<typeof captionCue>;

/** eSpeak NG voice names: a language tag with an optional variant, e.g. en-us, pt-br, en+f3. */
export const ESPEAK_VOICE_PATTERN = /^[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}(?:\+[a-z0-9]{1,16})?$/i;
/** A CSS font stack as the web app sends it: names, quotes, commas, var(--…). Nothing else. */
const FONT_STACK = /^[A-Za-z0-9 ,._'"()-]{1,200}$/;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const BITRATE = /^\d{1,5}(\.\d{1,3})?[kKmM]?$/;
const H264_LEVEL = /^[1-6](\.[0-2])?$/;

/** Burned-in subtitle style: whitelisted fields only (the processor builds `force_style` from them). */
export const subtitleStyle = z.strictObject({
  font_family: matching(FONT_STACK, 'must be a font family or CSS font stack'),
  font_size: z.number().min(8).max(300),
  text_color: matching(COLOUR, 'must be #RRGGBB'),
  outline_color: matching(COLOUR, 'must be #RRGGBB'),
  outline_width: z.number().min(0).max(20),
  /** 0–100, percent from the top. */
  position_y: z.number().min(0).max(100),
  bold: z.boolean(),
});
export type SubtitleStyle = z.infer<typeof subtitleStyle>;

const evenDimension = integer(16, 3840).refine((n) => n % 2 === 0, { error: 'must be even' });
export const renderPreset = z.strictObject({
  width: evenDimension,
  height: evenDimension,
  fps: z.number().min(1).max(120),
  crf: integer(0, 51),
  /** e.g. "8M" */
  video_bitrate: matching(BITRATE, 'must be a bit rate such as 8M or 2500k'),
  /** e.g. "192k" */
  audio_bitrate: matching(BITRATE, 'must be a bit rate such as 192k'),
  video_profile: oneOfStrings(['baseline', 'main', 'high']),
  video_level: matching(H264_LEVEL, 'must be an H.264 level such as 4.0'),
  audio_sample_rate: oneOfNumbers([22050, 32000, 44100, 48000], 'must be 22050, 32000, 44100 or 48000'),
});
export type RenderPreset = z.infer<typeof renderPreset>;

/** Corners a brand logo may sit in. */
export const LOGO_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type LogoPosition = (typeof LOGO_POSITIONS)[number];
/** Largest logo file (bytes) and side (pixels) accepted, by the Worker on upload and by the processor. */
export const MAX_LOGO_BYTES = 2 * 1024 * 1024;
export const MAX_LOGO_SIDE = 2048;
/** Largest SVG logo (bytes): its checks (shared/svg.ts) read all of it, and a logo needs far less. */
export const MAX_SVG_LOGO_BYTES = 512 * 1024;

/** How a logo is placed; sizes are fractions of the output width so one kit fits every preset. */
export const logoPlacement = z.strictObject({
  position: z.enum(LOGO_POSITIONS),
  /** 0 (invisible) – 1 (as drawn). */
  opacity: z.number().min(0).max(1),
  /** Distance from the two nearest edges, as a fraction of the output width. */
  margin: z.number().min(0).max(0.25),
  /** Logo width as a fraction of the output width (height follows the aspect ratio). */
  scale: z.number().min(0.02).max(1),
});
export type LogoPlacement = z.infer<typeof logoPlacement>;

// ─── Requests ────────────────────────────────────────────────────────────────────────────────

/** Every operation's request schema, with `check` applied to each media URL in it. */
export function processorRequestSchemas(check?: MediaUrlCheck) {
  const media = mediaSchemas(check);
  const input = media.input;
  const output = media.output;
  return {
    probe: z.strictObject({ input }),
    thumbnail: z.strictObject({
      input,
      /** Seconds; clamped to the media's duration. */
      time: z.number().min(0).max(MAX_SECONDS),
      /** Output width in pixels (height keeps the aspect ratio). */
      width: integer(16, 1920),
      output,
    }),
    frames: z
      .strictObject({
        input,
        /** Seconds between frames. */
        interval: z.number().min(0.5).max(3600),
        max_width: integer(16, 1920),
        /** Hard cap on frames returned. */
        max_frames: integer(1, 600),
        start: optional(z.number().min(0)),
        end: optional(z.number().min(0)),
        /** JPEG quality (default 80). */
        quality: optional(integer(1, 100)),
      })
      .refine(ordered, endAfterStart),
    /**
     * A storyboard sprite: `count` frames, the first at or after each multiple of `interval`,
     * each scaled to tile_width × tile_height, laid out `columns` per row (left to right, top to
     * bottom) in one image. The caller decides the geometry, so it knows every tile's place.
     */
    storyboard: z.strictObject({
      input,
      interval: z.number().min(0.1).max(3600),
      count: integer(1, MAX_STORYBOARD_TILES),
      columns: integer(1, 20),
      tile_width: evenDimension.refine((n) => n <= 640, { error: 'must be at most 640' }),
      tile_height: evenDimension.refine((n) => n <= 640, { error: 'must be at most 640' }),
      /**
       * Decode keyframes only: tile i is then the last keyframe at or before i × interval (for long
       * videos, where tiles are far apart and a full decode would take minutes). Default false.
       */
      keyframes_only: optional(z.boolean()),
      output,
    }),
    /** A short animated GIF from `start`: `fps` frames a second, `width` wide (a hover preview). */
    preview: z.strictObject({
      input,
      start: z.number().min(0).max(MAX_SECONDS),
      duration: z.number().min(0.1).max(10),
      width: evenDimension.refine((n) => n <= 480, { error: 'must be at most 480' }),
      fps: integer(1, 15),
      output,
    }),
    waveform: z.strictObject({ input, bins: integer(100, 4000) }),
    /** The audio of [start, end) as small mono MP3 (16 kHz, 32 kbit/s) in `output`: speech for transcription. */
    'speech-audio': z
      .strictObject({
        input,
        start: optional(z.number().min(0).max(MAX_SECONDS)),
        end: optional(z.number().min(0).max(MAX_SECONDS)),
        output,
      })
      .refine(ordered, endAfterStart),
    'detect-voice': z.strictObject({ input, ...voiceParamFields }),
    mute: z.strictObject({
      input,
      /** Intervals to mute; when absent, voice is detected first with `detect`. */
      intervals: optional(intervals),
      detect: optional(z.strictObject(voiceParamFields)),
      /** Widen the intervals before muting (default: SPEECH_MUTE_MARGINS for detected speech, none for given intervals). */
      margins: optional(muteMargins),
      /** hard = volume 0; duck = keep `keep_percentage`; fade = exponential fades (docs/compatibility.md#voice-detection). */
      mode: muteMode,
      /** 0–1, the level kept inside muted intervals in duck/fade modes (fade default 0.03). */
      keep_percentage: optional(z.number().min(0).max(1)),
      /** Fade length in seconds for `fade` (default 0.8). */
      fade_duration: optional(z.number().min(0.01).max(10)),
      /** Apply the original's afftdn denoise after muting (fade mode default true). */
      denoise: optional(z.boolean()),
      output,
    }),
    extract: z
      .strictObject({
        input,
        start: z.number().min(0).max(MAX_SECONDS),
        end: z.number().min(0).max(MAX_SECONDS),
        mode: extractMode,
        /** Audio intervals (relative to the cut) to mute while extracting; forces an audio re-encode. */
        mute: optional(
          z.strictObject({ intervals, mode: muteMode, keep_percentage: optional(z.number().min(0).max(1)) }),
        ),
        /** Visual transforms force `reencode`. */
        transforms: optional(
          z.strictObject({
            flip_horizontal: optional(z.boolean()),
            rotate: optional(z.literal([0, 90, 180, 270], { error: 'must be 0, 90, 180 or 270' })),
          }),
        ),
        output,
      })
      .refine(ordered, endAfterStart),
    concat: z.strictObject({
      inputs: z
        .array(
          z
            .strictObject({ url: media.url, start: optional(z.number().min(0)), end: optional(z.number().min(0)) })
            .refine(ordered, endAfterStart),
        )
        .min(1)
        .max(MAX_CONCAT_INPUTS),
      /** When inputs differ in codec parameters, normalise to this (otherwise to the first input). */
      normalize: optional(
        z.strictObject({ width: integer(16, 3840), height: integer(16, 3840), fps: z.number().min(1).max(120) }),
      ),
      /** Trim the result to at most this many seconds. */
      max_duration: optional(z.number().min(0.1)),
      output,
    }),
    audio: z.strictObject({
      video: input,
      /** The new track (voice-over, music). */
      audio: input,
      /** replace = drop the video's audio; mix = keep it ducked to `duck_to` under the new track. */
      mode: z.enum(['replace', 'mix']),
      /** Level of the original track under the new one in `mix` (0–1, default 0.1). */
      duck_to: optional(z.number().min(0).max(1)),
      /** In `mix`: duck only while the new track sounds, or throughout (default DEFAULT_DUCKING). */
      ducking: optional(ducking),
      /** Cut the output to the new track's duration (default false: the longer of the two). */
      trim_to_audio: optional(z.boolean()),
      output,
    }),
    'remove-audio': z.strictObject({ input, output }),
    'silence-remove': z.strictObject({
      input,
      min_silence_duration: z.number().min(0.05).max(5),
      padding: z.number().min(0).max(1),
      output,
    }),
    'tts-local': z.strictObject({
      text: z
        .string()
        .min(1)
        .max(MAX_TTS_CHARACTERS)
        .refine((t) => t.trim() !== '', { error: 'must not be blank' }),
      /** eSpeak NG voice, e.g. "en-us" (default). */
      voice: optional(matching(ESPEAK_VOICE_PATTERN, 'must be an eSpeak NG voice name such as en-us', 40)),
      /** Words per minute (default 165). */
      speed: optional(z.number().min(80).max(450)),
      output,
    }),
    render: z.strictObject({
      input,
      preset: renderPreset,
      /** Voice-over mixed over the clip's own audio, which is ducked to `duck_to` (default 0.15) as `ducking` says (default DEFAULT_DUCKING). */
      voiceover: optional(
        z.strictObject({
          url: media.url,
          duck_to: optional(z.number().min(0).max(1)),
          ducking: optional(ducking),
        }),
      ),
      /** Subtitles burned in: SRT text (parsed and re-written by the processor) and a whitelisted style. */
      subtitles: optional(z.strictObject({ srt: z.string().max(MAX_SRT_CHARACTERS), style: subtitleStyle })),
      /** Fit the video to this many seconds (trim; or hold the last frame when extending). */
      target_duration: optional(
        z
          .number()
          .min(0.5)
          .max(3 * 3600),
      ),
      /** Extra clips appended when the video is shorter than target_duration. */
      extend_with: optional(z.array(input).max(MAX_RENDER_EXTENSIONS)),
      /** Integrated loudness target in LUFS (e.g. -14); omitted = no normalisation. */
      loudness_target: optional(z.number().min(-70).max(-5)),
      /** A brand logo (PNG, or SVG rasterised at the size it is drawn) overlaid in the same encode; omitted = no overlay. */
      logo: optional(logoPlacement.extend({ url: media.url })),
      /** Brand intro and outro clips joined before and after the clip in the same encode (no logo, no subtitles on them). */
      intro: optional(input),
      outro: optional(input),
      output,
    }),
    highlights: z.strictObject({
      input,
      /** Total seconds wanted (per variant). */
      target_duration: z.number().min(1).max(3600),
      /** How many variants the selection should serve (default 1). */
      variant_count: optional(integer(1, 10)),
      /** Window length in seconds (default min(3, max(1.5, target/8)) as the original). */
      window: optional(z.number().min(0.5).max(30)),
    }),
  };
}

/** The request schemas without an origin check (types, tests, a caller checking its own requests). */
export const processorRequests = processorRequestSchemas();
type Requests = typeof processorRequests;

export type ProbeRequest = z.infer<Requests['probe']>;
export type ThumbnailRequest = z.infer<Requests['thumbnail']>;
export type FramesRequest = z.infer<Requests['frames']>;
export type StoryboardRequest = z.infer<Requests['storyboard']>;
export type PreviewRequest = z.infer<Requests['preview']>;
export type WaveformRequest = z.infer<Requests['waveform']>;
export type DetectVoiceRequest = z.infer<Requests['detect-voice']>;
export type MuteRequest = z.infer<Requests['mute']>;
export type ExtractRequest = z.infer<Requests['extract']>;
export type ConcatRequest = z.infer<Requests['concat']>;
export type AudioRequest = z.infer<Requests['audio']>;
export type RemoveAudioRequest = z.infer<Requests['remove-audio']>;
export type SilenceRemoveRequest = z.infer<Requests['silence-remove']>;
export type TtsLocalRequest = z.infer<Requests['tts-local']>;
export type RenderRequest = z.infer<Requests['render']>;
export type HighlightsRequest = z.infer<Requests['highlights']>;

// ─── Results ─────────────────────────────────────────────────────────────────────────────────

export const highlightWindow = z.object({
  start: z.number(),
  end: z.number(),
  duration: z.number(),
  motion_score: z.number(),
  variance_score: z.number(),
  brightness: z.number(),
  combined_score: z.number(),
});
export type HighlightWindow = z.infer<typeof highlightWindow>;

const voiceDetection = z.object({
  segments: z.array(voiceSegment),
  total_voice_duration: z.number(),
  duration: z.number(),
  /** Which detector produced the result (the processor's Silero VAD engine name; "none" without audio). */
  engine: z.string(),
  params: detectVoiceParams,
});

export const processorResults = {
  probe: z.object({
    duration: z.number(),
    /** Display dimensions: rotation already applied (90/270 swap width and height). */
    width: z.number(),
    height: z.number(),
    /** Coded dimensions as stored in the stream. */
    coded_width: z.number(),
    coded_height: z.number(),
    rotation: z.literal([0, 90, 180, 270]),
    orientation: z.enum(['landscape', 'portrait', 'square']),
    fps: z.number(),
    video_codec: z.string().nullable(),
    audio_codec: z.string().nullable(),
    has_video: z.boolean(),
    has_audio: z.boolean(),
    video_bitrate: z.number().nullable(),
    audio_bitrate: z.number().nullable(),
    bit_rate: z.number().nullable(),
    size_bytes: z.number().nullable(),
    format_name: z.string(),
    pixel_format: z.string().nullable(),
    /** Average distance between keyframes in seconds, when it could be measured cheaply. */
    keyframe_interval: z.number().nullable(),
  }),
  thumbnail: z.object({ time: z.number(), width: z.number(), height: z.number(), size_bytes: z.number() }),
  frames: z.object({
    frames: z.array(z.object({ time: z.number(), width: z.number(), height: z.number(), jpeg_base64: z.string() })),
  }),
  storyboard: z.object({
    /** Frames decoded into tiles (fewer than asked when the video ends early; the rest stay black). */
    tiles: z.number(),
    width: z.number(),
    height: z.number(),
    size_bytes: z.number(),
  }),
  preview: z.object({
    duration: z.number(),
    width: z.number(),
    height: z.number(),
    size_bytes: z.number(),
  }),
  waveform: z.object({
    bins: z.number(),
    duration: z.number(),
    /** Normalised RMS per bin in [0, 1], sqrt-scaled (docs/compatibility.md#waveform). All zeros for silent or audio-less media. */
    peaks: z.array(z.number()),
  }),
  'speech-audio': z.object({
    /** Seconds of audio returned (0 when the media has no audio track). */
    duration: z.number(),
    start: z.number(),
    /** False (and nothing written) when the media has no audio track or the span is empty. */
    has_audio: z.boolean(),
    size_bytes: z.number(),
  }),
  'detect-voice': voiceDetection,
  mute: z.object({
    intervals: z.array(timeRange),
    duration: z.number(),
    /** Always true: the video stream is copied packet for packet. */
    video_copied: z.boolean(),
    size_bytes: z.number(),
    /** When the request gave no intervals: the speech detected (what `detect-voice` answers), from the same read. */
    detection: optional(voiceDetection),
  }),
  extract: z.object({
    mode_used: extractMode,
    /** Why `smart` fell back to a full re-encode, when it did. */
    fallback_reason: z.string().nullable(),
    duration: z.number(),
    /** Where the output actually starts in the source (copy mode snaps to a keyframe). */
    actual_start: z.number(),
    width: z.number(),
    height: z.number(),
    size_bytes: z.number(),
  }),
  concat: z.object({
    mode_used: z.enum(['copy', 'encode']),
    duration: z.number(),
    width: z.number(),
    height: z.number(),
    size_bytes: z.number(),
  }),
  audio: z.object({ duration: z.number(), video_copied: z.boolean(), size_bytes: z.number() }),
  'remove-audio': z.object({ duration: z.number(), size_bytes: z.number() }),
  'silence-remove': z.object({
    original_duration: z.number(),
    new_duration: z.number(),
    removed_duration: z.number(),
    /** Percent removed: (1 - new/original) × 100. */
    compression_ratio: z.number(),
    segments_kept: z.number(),
    /** Kept spans in the original's time, in order; lets captions be re-timed. */
    kept: z.array(timeRange),
    size_bytes: z.number(),
  }),
  'tts-local': z.object({
    duration: z.number(),
    /** Phrase-level timing of the speech, for captions. */
    cues: z.array(captionCue),
    srt: z.string(),
    characters: z.number(),
    size_bytes: z.number(),
  }),
  render: z.object({
    duration: z.number(),
    width: z.number(),
    height: z.number(),
    size_bytes: z.number(),
    loudness_lufs: z.number().nullable(),
  }),
  highlights: z.object({
    duration: z.number(),
    /** Every scored window, best first (rejected black/static windows excluded). */
    windows: z.array(highlightWindow),
    /** The original's select_best_segments(target): chronological, no overlaps. */
    selected: z.array(highlightWindow),
    /** Per variant, the original's _select_variant_segments picks (chronological). */
    variants: z.array(z.array(highlightWindow)),
  }),
} satisfies { [O in keyof Requests]: z.ZodType };
type Results = typeof processorResults;

export type ProbeResult = z.infer<Results['probe']>;
export type ThumbnailResult = z.infer<Results['thumbnail']>;
export type FramesResult = z.infer<Results['frames']>;
export type StoryboardResult = z.infer<Results['storyboard']>;
export type PreviewResult = z.infer<Results['preview']>;
export type WaveformResult = z.infer<Results['waveform']>;
export type SpeechAudioResult = z.infer<Results['speech-audio']>;
export type DetectVoiceResult = z.infer<Results['detect-voice']>;
export type MuteResult = z.infer<Results['mute']>;
export type ExtractResult = z.infer<Results['extract']>;
export type ConcatResult = z.infer<Results['concat']>;
export type AudioResult = z.infer<Results['audio']>;
export type RemoveAudioResult = z.infer<Results['remove-audio']>;
export type SilenceRemoveResult = z.infer<Results['silence-remove']>;
export type TtsLocalResult = z.infer<Results['tts-local']>;
export type RenderResult = z.infer<Results['render']>;
export type HighlightsResult = z.infer<Results['highlights']>;

// ─── The operation map ───────────────────────────────────────────────────────────────────────

export type ProcessorOperation = keyof Requests & keyof Results;
export type OperationRequest<O extends ProcessorOperation> = z.infer<Requests[O]>;
export type OperationResult<O extends ProcessorOperation> = z.infer<Results[O]>;
