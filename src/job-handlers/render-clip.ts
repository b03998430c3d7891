/**
 * `render_clip`: the final render of a clip with an export preset (docs/compatibility.md#final-render), in ONE encode:
 * scale + crop to the preset's size and frame rate, subtitles burned in through the one styling
 * path (`toSubtitleStyle`), the clip's own audio KEPT (ducked under a voice-over when there is one,
 * by default only while the voice sounds; the original replaced it with silence,
 * docs/compatibility.md#w21), loudness normalised to the preset's target.
 *
 * The route set `final_status = processing` and wrote the export row with the job; this job leaves
 * both `completed` (with `final_key`) or `failed` with the reason, and recounts the project.
 * The profile's brand kit (routes/profiles/brand-kit.ts), when there is one, adds its logo to the same
 * encode and its subtitle style under the clip's own; without a kit the request is unchanged.
 * Redelivery-safe: the output key is fixed by clip and preset, so a rerun overwrites it.
 */
import { getBrandKit } from '../db/repos/brand-kits.ts';
import { getClip, getClipContent, updateClip } from '../db/repos/clips.ts';
import { completeExport, failExport } from '../db/repos/exports.ts';
import { getExportPreset } from '../db/repos/export-presets.ts';
import { recountProjects } from '../db/repos/projects.ts';
import { rawTargetOf } from '../library/clip-objects.ts';
import { bookendTarget } from '../library/brand-bookends.ts';
import { brandLogoTarget, logoFormat } from '../library/brand-logo.ts';
import { parseSrt } from '../core/srt.ts';
import { type SubtitleSettingsInput, toSubtitleStyle } from '../library/subtitle-settings.ts';
import type { RenderPreset, RenderRequest } from '../processor/contract.ts';
import { deletePrefix, storageKeys } from '../storage/keys.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { mediaInput, mediaOutput, progressSlice } from '../processor/io.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { prepareVoiceover } from './render-voiceover.ts';

export function renderClipHandler(processorFor: ProcessorFor): JobHandler<'render_clip'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const clip = await getClip(scope, input.clip_id, { includeDeleted: true });
      if (!clip) throw new PermanentJobError('not_found', 'The clip no longer exists');
      const raw = rawTargetOf(scope, clip);
      if (!raw) throw new PermanentJobError('no_video', 'The clip has no video to render');
      const preset = await getExportPreset(scope.db, input.preset_name);
      if (!preset) throw new PermanentJobError('not_found', `Preset ${input.preset_name} no longer exists`);
      const content = await getClipContent(scope, clip.id);
      const kit = await getBrandKit(scope);
      const processor = processorFor(ctx);
      await ctx.progress(2, 'Preparing', true);

      // Voice-over (when the content has text): audio, its length and its captions.
      const voiceover = await prepareVoiceover(ctx, processor, clip, content, { from: 2, to: 35 });
      await ctx.throwIfCancelled();

      const userSrt = content?.srtContent?.trim() ? content.srtContent : null;
      const srt = userSrt ?? voiceover?.srt ?? null;
      const hasCues = srt ? parseSrt(srt).cues.length > 0 : false;
      // The kit's subtitle style is the default; the clip's own settings win field by field.
      const subtitleSettings: SubtitleSettingsInput | null = kit?.subtitleSettings
        ? { ...(kit.subtitleSettings as SubtitleSettingsInput), ...(content?.subtitleSettings ?? {}) }
        : (content?.subtitleSettings ?? null);
      // Brand intro/outro: left out when deleted since the kit was saved (the result says so).
      const intro = kit?.introId ? await bookendTarget(scope, kit.introId) : null;
      const outro = kit?.outroId ? await bookendTarget(scope, kit.outroId) : null;
      const kitLogo = kit ? logoFormat(kit) : null;
      const renderPreset: RenderPreset = {
        width: preset.width,
        height: preset.height,
        fps: preset.fps,
        crf: preset.crf,
        video_bitrate: preset.videoBitrate,
        audio_bitrate: preset.audioBitrate,
        video_profile: preset.videoProfile,
        video_level: preset.videoLevel,
        audio_sample_rate: preset.audioSampleRate,
      };
      const request: RenderRequest = {
        input: await mediaInput(env, scope, raw),
        preset: renderPreset,
        ...(voiceover
          ? {
              voiceover: {
                ...(await mediaInput(env, scope, voiceover.audio)),
                duck_to: voiceover.duckTo,
                ducking: input.ducking,
              },
            }
          : {}),
        ...(srt && hasCues ? { subtitles: { srt, style: toSubtitleStyle(subtitleSettings) } } : {}),
        ...(voiceover ? { target_duration: voiceover.duration } : {}),
        ...(voiceover?.extendWith.length ? { extend_with: voiceover.extendWith } : {}),
        ...(preset.loudnessTarget !== null ? { loudness_target: preset.loudnessTarget } : {}),
        ...(kit && kitLogo
          ? {
              logo: {
                ...(await mediaInput(env, scope, brandLogoTarget(kitLogo))),
                position: kit.logoPosition,
                opacity: kit.logoOpacity,
                margin: kit.logoMargin,
                scale: kit.logoScale,
              },
            }
          : {}),
        ...(intro ? { intro: await mediaInput(env, scope, intro) } : {}),
        ...(outro ? { outro: await mediaInput(env, scope, outro) } : {}),
        output: await mediaOutput(env, scope, { kind: 'clip_final', id: clip.id, preset: preset.name }, 'video/mp4'),
      };
      const from = voiceover ? 35 : 5;
      const result = await callProcessor(() =>
        processor.run(
          'render',
          request,
          progressSlice((p, s) => ctx.progress(p, s), from, 97, 'Rendering'),
        ),
      );

      const finalKey = storageKeys.clipFinal(scope, clip.id, preset.name);
      await updateClip(scope, clip.id, {
        finalKey,
        finalStatus: 'completed',
        finalPreset: preset.name,
        finalError: null,
      });
      await completeExport(scope, input.export_id, { outputKey: finalKey, fileSizeBytes: result.size_bytes });
      await recountProjects(scope, [clip.projectId]);
      // Intermediates (e.g. the provider's stored answer) matter only while the job can be redelivered.
      await deletePrefix(env.MEDIA, storageKeys.jobPrefix(scope, ctx.job.id));
      return {
        result: {
          clip_id: clip.id,
          preset: preset.name,
          export_id: input.export_id,
          duration: result.duration,
          width: result.width,
          height: result.height,
          size_bytes: result.size_bytes,
          loudness_lufs: result.loudness_lufs,
          subtitles: Boolean(request.subtitles),
          subtitles_from: request.subtitles ? (userSrt ? 'content' : 'voiceover') : null,
          brand_logo: Boolean(request.logo),
          brand_intro: kit?.introId ? Boolean(intro) : null,
          brand_outro: kit?.outroId ? Boolean(outro) : null,
          voiceover: voiceover
            ? {
                provider: voiceover.provider,
                duration: voiceover.duration,
                reused: voiceover.reused,
                duck_to: voiceover.duckTo,
                ducking: input.ducking,
                extended_with_segments: voiceover.extendedWithSegments,
              }
            : null,
        },
        processingSeconds: result.duration,
        step: 'Rendered',
      };
    },

    async onFailure(ctx, _code, message) {
      const { scope, input } = ctx;
      const clip = await updateClip(scope, input.clip_id, {
        finalStatus: 'failed',
        finalError: message.slice(0, 2000),
      });
      await failExport(scope, input.export_id);
      if (clip) await recountProjects(scope, [clip.projectId]);
    },
  };
}
