/**
 * `process_video` (`POST /jobs`, docs/compatibility.md#process-job): variants of the best moments of a source video,
 * each a job output `v{n}.mp4`. Voice-over: the uploaded audio file, or speech made from
 * `script_text` (which the original accepted and ignored) through the voice-over module; it is
 * mixed over the (optionally voice-muted) source with the video stream-copied. Subtitles (the
 * uploaded SRT, or the voice-over's own captions when `caption_voiceover`) cost the one and only
 * full encode. Redelivery reuses the stored analysis, voice-over and finished variants.
 */
import { jobOutput, jobOutputKey, pruneJobObjects, videoInfoOf } from '../storage/job-outputs.ts';
import { safeFilename } from '../core/filenames.ts';
import { synthesizeVoiceover, voiceoverFacts } from '../voiceover/synthesize.ts';
import { type SubtitleSettingsInput, toSubtitleStyle } from '../library/subtitle-settings.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { runCutPipeline, totalDuration } from '../pipeline/cut-pipeline.ts';
import { readySourceVideo } from '../pipeline/source-video.ts';

/** Level of the source's own sound under a voice-over. */
export const VOICEOVER_DUCK_TO = 0.15;
const VOICEOVER_NAME = 'voiceover.mp3';

export function processVideoHandler(processorFor: ProcessorFor): JobHandler<'process_video'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const video = await readySourceVideo(scope, input.source_video_id);
      const steps: { step: string; status: string }[] = [];
      const jobId = ctx.job.id;

      let voiceover: { source: ReturnType<typeof jobOutput>; duck_to: number } | null = null;
      let voiceoverInfo: Record<string, unknown> | null = null;
      let captions: string | null = null;
      let voiceoverCache: string[] = [];
      if (input.generate_audio && input.audio_input) {
        voiceover = { source: jobOutput(jobId, input.audio_input), duck_to: VOICEOVER_DUCK_TO };
        steps.push({ step: 'voiceover', status: 'uploaded audio' });
      } else if (input.generate_audio && input.script_text) {
        await ctx.progress(2, 'Synthesising the voice-over', true);
        const vo = await synthesizeVoiceover(env, scope, {
          text: input.script_text,
          jobId,
          removeSilence: true,
          minSilence: 0.3,
          padding: 0.08,
          output: jobOutput(jobId, VOICEOVER_NAME),
          recordOutputs: ctx.recordOutputs,
          processor,
          onProgress: (p, step) => ctx.progress(2 + p * 0.08, step),
        });
        voiceover = { source: vo.audioTarget, duck_to: VOICEOVER_DUCK_TO };
        captions = vo.srt || null;
        voiceoverCache = vo.cacheKeys;
        voiceoverInfo = {
          ...voiceoverFacts(vo),
          audio_output: VOICEOVER_NAME,
          srt: vo.srt,
          silence_removal: vo.silence_removal,
        };
        steps.push({ step: 'voiceover', status: `synthesised (${vo.provider})` });
      }

      let srt: string | null = null;
      if (input.srt_input) {
        const object = await env.MEDIA.get(jobOutputKey(scope, jobId, input.srt_input));
        if (!object) throw new PermanentJobError('not_found', 'The uploaded SRT is missing');
        srt = await object.text();
      } else if (input.caption_voiceover && captions) {
        srt = captions;
      }
      const subtitles = srt
        ? { srt, style: toSubtitleStyle(input.subtitle_settings as SubtitleSettingsInput | null) }
        : null;
      await ctx.throwIfCancelled();

      const many = input.variant_count > 1;
      const pipeline = await runCutPipeline({
        ctx,
        processor,
        video,
        target: input.target_duration,
        variantCount: input.variant_count,
        engine: input.engine,
        contextText: input.context_text,
        muteSourceVoice: input.mute_source_voice,
        voiceover,
        subtitles,
        outputFor: (index) => jobOutput(jobId, `v${index}.mp4`),
        progressFrom: 10,
        progressTo: 97,
      });
      steps.push({ step: 'analysis', status: pipeline.candidates.engine_used });
      if (input.mute_source_voice)
        steps.push({ step: 'voice_mute', status: pipeline.voice ? 'muted' : `skipped: ${pipeline.voice_error}` });
      if (subtitles) steps.push({ step: 'subtitles', status: 'burned in' });

      const variants = pipeline.variants.map((v) => {
        const name = many ? `${input.output_name}_v${v.index}` : input.output_name;
        return {
          variant_index: v.index,
          variant_name: name,
          final_video_output: `v${v.index}.mp4`,
          download_filename: safeFilename(`${name}_final.mp4`),
          duration: v.duration,
          width: v.width,
          height: v.height,
          size_bytes: v.size_bytes,
          encodes: v.encodes,
          segments_used: v.segments_used,
          seconds: v.seconds,
        };
      });
      const keep = [
        ...variants.map((v) => jobOutputKey(scope, jobId, v.final_video_output)),
        ...pipeline.variants.map((v) => jobOutputKey(scope, jobId, `v${v.index}.json`)),
        ...(input.audio_input ? [jobOutputKey(scope, jobId, input.audio_input)] : []),
        ...(input.srt_input ? [jobOutputKey(scope, jobId, input.srt_input)] : []),
        ...(voiceoverInfo ? [jobOutputKey(scope, jobId, VOICEOVER_NAME)] : []),
        ...voiceoverCache,
        ...(pipeline.candidates.gemini ? [jobOutputKey(scope, jobId, 'gemini-analysis.json')] : []),
      ];
      const outputKeys = await pruneJobObjects(env, scope, jobId, keep);
      const first = variants[0]!;
      return {
        result: {
          status: 'success',
          steps,
          variants,
          video_info: videoInfoOf(video),
          segments: pipeline.candidates.selected,
          total_segments_available: pipeline.candidates.all.length,
          engine_used: pipeline.candidates.engine_used,
          timings: pipeline.timings,
          ...(pipeline.candidates.topped_up ? { topped_up_windows: pipeline.candidates.topped_up } : {}),
          ...(pipeline.candidates.fallback_reason
            ? { engine_fallback_reason: pipeline.candidates.fallback_reason }
            : {}),
          ...(pipeline.candidates.gemini ? { gemini: pipeline.candidates.gemini } : {}),
          ...(input.mute_source_voice
            ? {
                voice_detection: pipeline.voice
                  ? {
                      segments_count: pipeline.voice.segments.length,
                      total_voice_duration: pipeline.voice.total_voice_duration,
                      cached: pipeline.voice.cached,
                    }
                  : { error: pipeline.voice_error },
              }
            : {}),
          ...(voiceoverInfo ? { voiceover: voiceoverInfo } : {}),
          subtitles: subtitles ? (input.srt_input ? 'uploaded_srt' : 'voiceover_captions') : null,
          target_duration: input.target_duration,
          total_duration: totalDuration(variants),
          final_video_output: first.final_video_output,
          main_output: first.final_video_output,
          download_filename: first.download_filename,
        },
        outputKeys,
        processingSeconds: video.duration,
        step: `${variants.length} variant(s) ready`,
      };
    },
  };
}
