/**
 * `silence-remove`: tightens speech (a TTS track) by cutting pauses longer than
 * `min_silence_duration`, keeping `padding` around speech (docs/compatibility.md#silence-removal). Speech comes from the
 * voice detector; if it cannot run, from ffmpeg's silencedetect at −40 dB (the original's fallback
 * level). The kept spans are returned so captions can be re-timed, and joined in one ffmpeg pass.
 */
import { join } from 'node:path';
import type { TimeRange } from '../../../shared/processor/media.ts';
import type { SilenceRemoveResult } from '../../../shared/processor/operations.ts';
import { filterScriptArgs } from '../media/audio-encode.ts';
import type { InputSource } from '../media/ffmpeg.ts';
import { ms } from '../media/output-file.ts';
import type { MediaInfo } from '../media/probe.ts';
import { detectVoice, withVoiceDefaults } from '../media/voice.ts';
import { type OpContext, type Operation, urlSource } from '../operation.ts';

/** The original's VAD settings for this use: short speech counts (0.1 s), Silero's 100 ms gaps. */
const SPEECH_PARAMS = { threshold: 0.5, min_speech_duration: 0.1, min_silence_duration: 0.1, padding: 0 };
const AUDIO_OUTPUTS: Record<string, string[]> = {
  'audio/mpeg': ['-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3'],
  'audio/mp4': ['-c:a', 'aac', '-b:a', '192k', '-f', 'mp4', '-movflags', '+faststart'],
};

/** As the original (docs/compatibility.md#silence-removal): pad each span, then merge while the gap to the next is ≤ min_silence. */
export function keptSpans(
  speech: readonly TimeRange[],
  duration: number,
  minSilence: number,
  padding: number,
): TimeRange[] {
  const padded = speech
    .map((s) => ({ start: Math.max(0, s.start - padding), end: Math.min(duration, s.end + padding) }))
    .sort((a, b) => a.start - b.start);
  const kept: TimeRange[] = [];
  for (const span of padded) {
    const last = kept[kept.length - 1];
    if (last && span.start - last.end <= minSilence) last.end = Math.max(last.end, span.end);
    else kept.push({ ...span });
  }
  return kept.filter((s) => s.end > s.start);
}

/** Speech as the complement of the silences ffmpeg's silencedetect reports. */
async function speechBySilenceDetect(
  ctx: OpContext,
  source: InputSource,
  info: MediaInfo,
  minSilence: number,
): Promise<TimeRange[]> {
  const { stderr } = await ctx.ffmpeg(
    [
      ...ctx.input(source),
      '-map',
      `0:${info.audio!.index}`,
      '-af',
      `silencedetect=noise=-40dB:d=${minSilence}`,
      '-f',
      'null',
      '-',
    ],
    { logLevel: 'info' },
  );
  const speech: TimeRange[] = [];
  let cursor = 0;
  for (const match of stderr.matchAll(/silence_(start|end): (-?[\d.]+)/g)) {
    const at = Math.max(0, Number(match[2]));
    if (match[1] === 'start') {
      if (at > cursor) speech.push({ start: cursor, end: at });
    } else cursor = at;
  }
  if (cursor < info.duration && !/silence_start: [\d.]+\s*$/.test(stderr.trim()))
    speech.push({ start: cursor, end: info.duration });
  return speech;
}

export const silenceRemoveOperation: Operation<'silence-remove'> = {
  name: 'silence-remove',
  outputTypes: Object.keys(AUDIO_OUTPUTS),
  async run(request, ctx): Promise<SilenceRemoveResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { audio: true });
    ctx.expectWholeRead(source);
    let speech: TimeRange[];
    try {
      const detection = await detectVoice(ctx, source, info, withVoiceDefaults(SPEECH_PARAMS), (f) =>
        ctx.progress(5 + f * 45, 'detecting speech'),
      );
      speech = detection.segments;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      speech = await speechBySilenceDetect(ctx, source, info, request.min_silence_duration);
    }
    const kept = keptSpans(speech, info.duration, request.min_silence_duration, request.padding);
    // No speech found: keep everything rather than return nothing.
    const spans = kept.length ? kept : [{ start: 0, end: info.duration }];
    const graph = `${spans
      .map(
        (s, i) =>
          `[0:${info.audio!.index}]atrim=start=${s.start.toFixed(6)}:end=${s.end.toFixed(6)},asetpts=PTS-STARTPTS[k${i}]`,
      )
      .join(';')};${spans.map((_, i) => `[k${i}]`).join('')}concat=n=${spans.length}:v=0:a=1[out]`;
    const out = join(ctx.tempDir, 'output');
    ctx.progress(55, 'joining speech');
    await ctx.ffmpeg([
      ...ctx.input(source),
      ...(await filterScriptArgs(ctx.tempDir, 'kept', '-filter_complex_script', graph)),
      '-map',
      '[out]',
      ...AUDIO_OUTPUTS[request.output.content_type]!,
      out,
    ]);
    const { written, size } = await ctx.deliver(out, request.output);
    const newDuration = written.duration;
    return {
      original_duration: ms(info.duration),
      new_duration: ms(newDuration),
      removed_duration: ms(Math.max(0, info.duration - newDuration)),
      compression_ratio: Math.round((1 - newDuration / info.duration) * 10000) / 100,
      segments_kept: spans.length,
      kept: spans.map((s) => ({ start: ms(s.start), end: ms(s.end) })),
      size_bytes: size,
    };
  },
};
