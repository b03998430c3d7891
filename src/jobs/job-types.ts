/**
 * Every job type and the schema of its input, defined once: the producer type-checks what it
 * enqueues against these, and the consumer re-parses the stored input with the same schema.
 */
import { z } from 'zod';
import { DEFAULT_DUCKING, ducking, muteMargins, SPEECH_MUTE_MARGINS } from '../../shared/processor/operations.ts';
import { idSchema } from '../core/ids.ts';

const voiceParams = z.object({
  threshold: z.number().min(0).max(1),
  min_speech_duration: z.number().min(0).max(10),
  min_silence_duration: z.number().min(0).max(10),
  padding: z.number().min(0).max(5),
});
/** Where segment candidates come from: Gemini frame analysis, or the processor's highlights scoring. */
const candidateEngine = z.enum(['gemini', 'highlights']);
const silenceOptions = {
  remove_silence: z.boolean(),
  min_silence_duration: z.number().min(0.1).max(2),
  silence_padding: z.number().min(0.02).max(0.3),
};
/** Subtitle settings as validated by the route (`SubtitleSettingsSchema`), kept as given. */
const subtitleSettings = z.record(z.string(), z.unknown()).nullable();
/** A file name for downloads (`{output_name}_final.mp4`); never a path. */
const outputName = z.string().min(1).max(100);

export const jobInputSchemas = {
  /**
   * Publishes one clip to one or more Postiz channels in ONE create call. Everything was checked
   * by the route; the publication id doubles as the Postiz `group` (see publish-clip.ts).
   */
  publish_clip: z.object({
    publication_id: idSchema('publication'),
    batch_id: idSchema('publishBatch'),
    clip_id: idSchema('clip'),
    caption: z.string().max(70_000),
    integrations: z
      .array(
        z.object({
          id: z.string().min(1).max(200),
          provider: z.string().max(100),
          settings: z.record(z.string(), z.unknown()),
          /** This channel's caption when it differs from `caption`. */
          caption: z.string().max(70_000).optional(),
          /** Sent as the post's first comment (Postiz `value[1]`). */
          first_comment: z.string().max(70_000).optional(),
        }),
      )
      .min(1)
      .max(50),
    post_type: z.enum(['now', 'schedule']),
    /** Create the posts as Postiz drafts; POST /publications/{id}/approve sends them. */
    draft: z.boolean().optional(),
    /** Exact publish date for `schedule`; null for `now`. */
    date: z.iso.datetime().nullable(),
    /** 0-based place of this clip in its bulk publish, and the batch size. */
    position: z.number().int().min(0),
    total: z.number().int().min(1),
  }),
  /** Metadata, thumbnail and waveform of an uploaded source video; moves it to ready or failed. */
  probe_source_video: z.object({ source_video_id: idSchema('sourceVideo') }),
  /**
   * Fetches a source video from its `import_url` into R2 (resuming what earlier attempts stored),
   * then probes it as `probe_source_video` does (src/source-videos/url-import.ts).
   */
  import_source_video: z.object({ source_video_id: idSchema('sourceVideo') }),
  /** Speech intervals of a source video, cached on the video for `GET …/{id}/voice`. */
  detect_voice: z.object({
    source_video_id: idSchema('sourceVideo'),
    params: z.object({
      threshold: z.number().min(0).max(1),
      min_speech_duration: z.number().min(0).max(10),
      min_silence_duration: z.number().min(0).max(10),
      padding: z.number().min(0).max(5),
    }),
  }),
  /**
   * Word-timed transcript of a source video or clip (src/job-handlers/transcribe.ts): Gemini audio
   * understanding, or `script` spread over the detected speech when no key is set.
   */
  transcribe: z.object({
    target: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('source_video'), id: idSchema('sourceVideo') }),
      z.object({ kind: z.literal('clip'), id: idSchema('clip') }),
    ]),
    engine: z.enum(['gemini', 'script_alignment']),
    script: z.string().max(100_000).optional(),
    language: z.string().max(35).optional(),
  }),
  /** Thumbnail of a segment at its midpoint. */
  segment_thumbnail: z.object({ segment_id: idSchema('segment') }),
  /** Cuts a segment out of its source video into its own object (extract_status none → ready | failed). */
  extract_segment: z.object({ segment_id: idSchema('segment'), mode: z.enum(['smart', 'copy', 'reencode']) }),
  /**
   * Variants of a project from its assigned segments. The route fixes everything a redelivery must
   * reproduce: the first variant index, the clip ids (objects are written under them before the
   * rows exist) and the random seed.
   */
  generate_from_segments: z.object({
    project_id: idSchema('project'),
    start_variant_index: z.number().int().min(1),
    clip_ids: z.array(idSchema('clip')).min(1).max(10),
    selection_mode: z.enum(['random', 'sequential', 'weighted']),
    target_duration: z.number().positive().max(600),
    mute_source_voice: z.boolean(),
    mute_style: z.enum(['hard', 'duck', 'fade']),
    tts_text: z.string().max(5000).nullable(),
    generate_tts: z.boolean(),
    seed: z.number().int().min(0),
    /** Project status to go back to when the run is cancelled before making anything. */
    previous_status: z.enum(['draft', 'generating', 'ready_for_triage', 'failed']),
  }),
  /** Final render of a clip with a preset: voice-over, subtitles, size, loudness. */
  render_clip: z.object({
    clip_id: idSchema('clip'),
    preset_name: z.string().min(1).max(64),
    export_id: idSchema('export'),
    /** How the clip's sound makes room for a voice-over (jobs queued before this field: the default). */
    ducking: ducking.default(DEFAULT_DUCKING),
  }),
  /** Drops a clip's audio track (video copied) into a new raw object. */
  remove_clip_audio: z.object({ clip_id: idSchema('clip') }),
  /** `/mute-voice`: speech muted (hard, ducked or faded) over the whole video, video stream-copied. */
  mute_voice: z.object({
    source_video_id: idSchema('sourceVideo'),
    mode: z.enum(['hard', 'duck', 'fade']),
    keep_percentage: z.number().min(0).max(1),
    fade_duration: z.number().min(0.05).max(5).nullable(),
    detect: voiceParams,
    /** How far the mute reaches around the detected speech (jobs queued before this field: the default). */
    margins: muteMargins.default(SPEECH_MUTE_MARGINS),
    output_name: outputName,
  }),
  /** `/analyze`: the best segments for a target duration (Gemini with context, else highlights). */
  analyze_video: z.object({
    source_video_id: idSchema('sourceVideo'),
    target_duration: z.number().min(1).max(3600),
    context_text: z.string().max(5000).nullable(),
    engine: candidateEngine,
  }),
  /** `/tts/generate`: a voice-over (mp3) and its captions (SRT). */
  tts_generate: z.object({
    text: z.string().min(1).max(40_000),
    voice: z.string().max(64).nullable(),
    ...silenceOptions,
  }),
  /** `/tts/add-to-videos`: one voice-over mixed into several owned videos (video stream-copied). */
  tts_add_to_videos: z.object({
    videos: z
      .array(
        z.union([
          z.object({ clip_id: idSchema('clip') }).strict(),
          z.object({ source_video_id: idSchema('sourceVideo') }).strict(),
        ]),
      )
      .min(1)
      .max(20),
    tts_text: z.string().min(1).max(40_000),
    voice: z.string().max(64).nullable(),
    output_suffix: z.string().max(50),
    duck_to: z.number().min(0).max(1),
    ducking: ducking.default(DEFAULT_DUCKING),
    ...silenceOptions,
  }),
  /** `POST /jobs`: the main pipeline (docs/compatibility.md#process-job) into job outputs, one final video per variant. */
  process_video: z.object({
    source_video_id: idSchema('sourceVideo'),
    output_name: outputName,
    target_duration: z.number().min(1).max(600),
    variant_count: z.number().int().min(1).max(10),
    context_text: z.string().max(5000).nullable(),
    engine: candidateEngine,
    /** Voice-over: an uploaded audio file (job input `input-audio`) or speech from `script_text`. */
    audio_input: z.string().max(64).nullable(),
    script_text: z.string().max(40_000).nullable(),
    /** SRT uploaded with the job (job input `input-srt.srt`). */
    srt_input: z.string().max(64).nullable(),
    subtitle_settings: subtitleSettings,
    /** Burn the voice-over's own captions when no SRT is given. */
    caption_voiceover: z.boolean(),
    generate_audio: z.boolean(),
    mute_source_voice: z.boolean(),
  }),
  /** `POST /jobs/multi-video`: keyword-timed inserts from secondary videos (docs/compatibility.md#multi-video). */
  multi_video: z.object({
    source_video_id: idSchema('sourceVideo'),
    secondaries: z
      .array(
        z.object({
          source_video_id: idSchema('sourceVideo'),
          keywords: z.array(z.string().min(1).max(100)).min(1).max(50),
        }),
      )
      .max(3),
    srt_input: z.string().max(64),
    audio_input: z.string().max(64).nullable(),
    output_name: outputName,
    target_duration: z.number().min(1).max(600),
    variant_count: z.number().int().min(1).max(10),
    subtitle_settings: subtitleSettings,
    secondary_segment_duration: z.number().min(0.5).max(5),
  }),
  /** `/library/projects/{id}/generate`: the main pipeline writing clips of a project. */
  generate_project: z.object({
    project_id: idSchema('project'),
    source_video_id: idSchema('sourceVideo'),
    variant_count: z.number().int().min(1).max(10),
    target_duration: z.number().min(1).max(600),
    context_text: z.string().max(5000).nullable(),
    engine: candidateEngine,
    /** Variant indices this run writes: start, start+1, … (fixed at enqueue, so reruns write the same clips). */
    start_variant_index: z.number().int().min(1),
  }),
} satisfies Record<string, z.ZodType<Record<string, unknown>>>;

export type JobType = keyof typeof jobInputSchemas;
export const jobTypes = Object.keys(jobInputSchemas) as [JobType, ...JobType[]];
export type JobInput<T extends JobType> = z.infer<(typeof jobInputSchemas)[T]>;
