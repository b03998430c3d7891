/**
 * `tts_generate` (`/tts/generate`, docs/compatibility.md#tts): a voice-over (`voiceover.mp3`) with captions
 * (`voiceover.srt`, and inline in the result), ElevenLabs or the local voice (see
 * media/voiceover.ts), silence removed as docs/compatibility.md#silence-removal when asked.
 */
import { jobOutput, jobOutputKey, pruneJobObjects } from '../storage/job-outputs.ts';
import { synthesizeVoiceover } from '../voiceover/synthesize.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';

const AUDIO = 'voiceover.mp3';
const SRT = 'voiceover.srt';

export function ttsGenerateHandler(processorFor: ProcessorFor): JobHandler<'tts_generate'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const vo = await synthesizeVoiceover(env, scope, {
        text: input.text,
        jobId: ctx.job.id,
        ...(input.voice ? { voice: input.voice } : {}),
        removeSilence: input.remove_silence,
        minSilence: input.min_silence_duration,
        padding: input.silence_padding,
        output: jobOutput(ctx.job.id, AUDIO),
        recordOutputs: ctx.recordOutputs,
        processor: processorFor(ctx),
        onProgress: (p, step) => ctx.progress(p * 0.95, step),
      });
      const srtKey = jobOutputKey(scope, ctx.job.id, SRT);
      await ctx.recordOutputs([srtKey]);
      await env.MEDIA.put(srtKey, vo.srt, { httpMetadata: { contentType: 'application/x-subrip' } });
      const outputKeys = await pruneJobObjects(env, scope, ctx.job.id, [vo.audioKey, srtKey, ...vo.cacheKeys]);
      const saved = vo.silence_removal.enabled ? vo.silence_removal.removed_duration : 0;
      return {
        result: {
          status: 'success',
          audio_output: AUDIO,
          srt_output: SRT,
          srt: vo.srt,
          cues: vo.cues,
          text_length: input.text.length,
          duration: vo.duration,
          provider: vo.provider,
          voice: vo.voice,
          model: vo.model,
          characters: vo.characters,
          cost_usd: vo.costUsd,
          request_id: vo.requestId,
          silence_removal: vo.silence_removal,
          main_output: AUDIO,
          download_filename: `voiceover_${ctx.job.id}.mp3`,
        },
        outputKeys,
        processingSeconds: vo.duration,
        step: vo.silence_removal.enabled ? `Completed - saved ${saved.toFixed(1)}s of silence` : 'Completed',
      };
    },
  };
}
