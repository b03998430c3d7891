/**
 * `detect_voice`: speech intervals of a ready source video, cached on the video so
 * `GET …/{id}/voice` answers from D1 next time (for the same parameters).
 */
import { getSourceVideoSummary, setVoiceDetection } from '../../db/repos/source-videos.ts';
import type { Bindings } from '../../env.ts';
import type { ProcessorClient } from '../../media/processor-types.ts';
import { signedMediaUrl } from '../../media/signed-urls.ts';
import type { JobHandler } from '../context.ts';
import { PermanentJobError } from '../errors.ts';
import { callProcessor } from './processor-failures.ts';

export function detectVoiceHandler(processorFor: (env: Bindings) => ProcessorClient): JobHandler<'detect_voice'> {
  return {
    async run(ctx) {
      const { env, scope } = ctx;
      const id = ctx.input.source_video_id;
      const video = await getSourceVideoSummary(scope, id);
      if (!video) throw new PermanentJobError('not_found', 'The source video no longer exists');
      if (video.status !== 'ready') throw new PermanentJobError('invalid_state', `The source video is ${video.status}, not ready`);

      const input = { url: (await signedMediaUrl(env, scope, { kind: 'source_video', id }, { ttlSeconds: 2 * 3600 })).url };
      await ctx.progress(5, 'Detecting speech', true);
      const result = await callProcessor(() =>
        processorFor(env).run('detect-voice', { input, ...ctx.input.params }, async (e) => {
          await ctx.progress(5 + e.percent * 0.9, 'Detecting speech');
        }),
      );
      const voice = {
        // Cache under the parameters that were asked for, so the same request hits the cache.
        params: { ...ctx.input.params },
        segments: result.segments,
        total_voice_duration: result.total_voice_duration,
        duration: result.duration,
        engine: result.engine,
        computed_at: new Date().toISOString(),
      };
      if (!(await getSourceVideoSummary(scope, id))) throw new PermanentJobError('not_found', 'The source video was deleted meanwhile');
      await setVoiceDetection(scope, id, voice);
      return {
        result: { source_video_id: id, ...voice },
        processingSeconds: result.duration,
        step: `${result.segments.length} speech interval(s)`,
      };
    },
  };
}
