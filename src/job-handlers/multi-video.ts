/**
 * `multi_video` (`POST /jobs/multi-video`, docs/compatibility.md#multi-video): variants of the main video with short
 * inserts from up to three secondary videos, placed where the SRT mentions their keywords (the
 * better matcher of docs/compatibility.md#srt-matching: diacritics folded, fuzzy, deduplicated). The SRT is always burned in
 * (as the original), which is the variant's one full encode; an uploaded voice-over is mixed in the
 * same render. Pieces from different videos are normalised to the main video's size and rate.
 */
import { keywordHitsOf } from '../pipeline/keyword-hits.ts';
import { jobOutput, jobOutputKey, pruneJobObjects, videoInfoOf } from '../storage/job-outputs.ts';
import { safeFilename } from '../core/filenames.ts';
import { mediaInput } from '../processor/io.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import { parseSrt } from '../core/srt.ts';
import { type SubtitleSettingsInput, toSubtitleStyle } from '../library/subtitle-settings.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { assembleVariant } from '../pipeline/assemble.ts';
import { findCandidates } from '../pipeline/candidates.ts';
import { buildKeywordTimeline } from '../pipeline/keyword-timeline.ts';
import { readySourceVideo } from '../pipeline/source-video.ts';
import { totalDuration } from '../pipeline/variant-selection.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { VOICEOVER_DUCK_TO } from './process-video.ts';

export function multiVideoHandler(processorFor: ProcessorFor): JobHandler<'multi_video'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const jobId = ctx.job.id;
      const main = await readySourceVideo(scope, input.source_video_id);
      const secondaries = [];
      for (const s of input.secondaries)
        secondaries.push({ video: await readySourceVideo(scope, s.source_video_id), keywords: s.keywords });

      const srtObject = await env.MEDIA.get(jobOutputKey(scope, jobId, input.srt_input));
      if (!srtObject) throw new PermanentJobError('not_found', 'The uploaded SRT is missing');
      const srt = await srtObject.text();
      const cues = parseSrt(srt).cues;

      await ctx.progress(2, 'Scoring the main video', true);
      const candidates = await findCandidates({
        env,
        scope,
        processor,
        jobId,
        attempt: ctx.attempt,
        video: { id: main.id, duration: main.duration },
        target: input.target_duration,
        variantCount: input.variant_count,
        engine: 'highlights',
        contextText: null,
        onProgress: (p, step) => ctx.progress(2 + p * 0.15, step),
      });
      if (!candidates.variants.some((v) => v.length))
        throw new PermanentJobError('no_segments', 'No usable segments were found in the main video');

      const pools = [];
      for (const [i, s] of secondaries.entries()) {
        await ctx.progress(17 + (8 * i) / Math.max(1, secondaries.length), `Scoring secondary video ${i + 1}`, true);
        const scored = await callProcessor(async () =>
          processor.run('highlights', {
            input: await mediaInput(env, scope, { kind: 'source_video', id: s.video.id }),
            target_duration: input.target_duration,
            window: input.secondary_segment_duration,
          }),
        );
        pools.push(
          (scored.selected.length ? scored.selected : scored.windows).map((w) => ({
            start: w.start,
            end: w.end,
            duration: w.duration,
          })),
        );
      }
      const hits = keywordHitsOf(
        cues,
        secondaries.map((s) => s.keywords),
      );
      await ctx.throwIfCancelled();

      const style = toSubtitleStyle(input.subtitle_settings as SubtitleSettingsInput | null);
      const sources: MediaTarget[] = secondaries.map((s) => ({ kind: 'source_video', id: s.video.id }));
      const many = input.variant_count > 1;
      const variants = [];
      const keep: string[] = [jobOutputKey(scope, jobId, input.srt_input)];
      if (input.audio_input) keep.push(jobOutputKey(scope, jobId, input.audio_input));
      const count = candidates.variants.length;
      for (const [i, mainSegments] of candidates.variants.entries()) {
        if (!mainSegments.length) continue;
        const index = i + 1;
        const timeline = buildKeywordTimeline(mainSegments, hits, pools, {
          variantIndex: i,
          target: input.target_duration,
          insertDuration: input.secondary_segment_duration,
        });
        const made = await assembleVariant({
          env,
          scope,
          processor,
          jobId,
          prefix: `v${index}`,
          pieces: timeline.map((item) => ({
            source: item.source === 'main' ? { kind: 'source_video' as const, id: main.id } : sources[item.source]!,
            start: item.start,
            end: item.end,
          })),
          maxDuration: input.target_duration,
          normalize: { width: main.width ?? 1280, height: main.height ?? 720, fps: main.fps ?? 30 },
          fps: main.fps ?? 30,
          voiceover: input.audio_input
            ? { source: jobOutput(jobId, input.audio_input), duck_to: VOICEOVER_DUCK_TO }
            : null,
          subtitles: { srt, style },
          output: jobOutput(jobId, `v${index}.mp4`),
          recordOutputs: ctx.recordOutputs,
          onProgress: (p, step) =>
            ctx.progress(25 + (70 * (i + p / 100)) / count, `Variant ${index} of ${count}: ${step}`),
        });
        keep.push(jobOutputKey(scope, jobId, `v${index}.mp4`));
        const name = many ? `${input.output_name}_v${index}` : input.output_name;
        variants.push({
          variant_index: index,
          variant_name: name,
          final_video_output: `v${index}.mp4`,
          download_filename: safeFilename(`${name}_final.mp4`),
          duration: made.duration,
          width: made.width,
          height: made.height,
          encodes: made.encodes,
          timeline: timeline.map((t) => ({
            ...t,
            source: t.source === 'main' ? 'main' : `secondary_video_${t.source + 1}`,
          })),
          inserts: timeline.filter((t) => t.source !== 'main').length,
        });
      }
      const outputKeys = await pruneJobObjects(env, scope, jobId, keep);
      const first = variants[0]!;
      return {
        result: {
          status: 'success',
          variants,
          video_info: videoInfoOf(main),
          keyword_matches: hits.map((h) => ({ keyword: h.keyword, time: h.time, secondary_video: h.secondary + 1 })),
          total_duration: totalDuration(variants),
          final_video_output: first.final_video_output,
          main_output: first.final_video_output,
          download_filename: first.download_filename,
        },
        outputKeys,
        processingSeconds: main.duration + secondaries.reduce((n, s) => n + s.video.duration, 0),
        step: `${variants.length} variant(s) ready`,
      };
    },
  };
}
