/** `probe`: what the media is (display size rotation-aware, as the original's video-info). */
import type { ProbeResult } from '../../../shared/processor/operations.ts';
import { ms } from '../media/output-file.ts';
import type { MediaInfo, RawPacket } from '../media/probe.ts';
import { type Operation, urlSource } from '../operation.ts';

/** Packets read from the start to estimate the keyframe interval (about 4 s of 30 fps video with its audio). */
const KEYFRAME_SAMPLE_PACKETS = 240;

export function orientationOf(width: number, height: number): ProbeResult['orientation'] {
  if (width === height) return 'square';
  return width > height ? 'landscape' : 'portrait';
}

/** Mean distance between the keyframes seen, or null with fewer than two. */
export function keyframeInterval(packets: RawPacket[], videoIndex: number): number | null {
  const times = packets
    .filter((p) => p.stream_index === videoIndex && p.flags?.startsWith('K') && p.pts_time !== undefined)
    .map((p) => Number(p.pts_time))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (times.length < 2) return null;
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  return ms((last - first) / (times.length - 1));
}

export function toProbeResult(info: MediaInfo, keyframeSeconds: number | null): ProbeResult {
  const video = info.video;
  const width = video?.width ?? 0;
  const height = video?.height ?? 0;
  return {
    duration: ms(info.duration),
    width,
    height,
    coded_width: video?.codedWidth ?? 0,
    coded_height: video?.codedHeight ?? 0,
    rotation: video?.rotation ?? 0,
    orientation: video ? orientationOf(width, height) : 'landscape',
    fps: video ? Math.round(video.fps * 100) / 100 : 0,
    video_codec: video?.codec ?? null,
    audio_codec: info.audio?.codec ?? null,
    has_video: video !== null,
    has_audio: info.audio !== null,
    video_bitrate: video?.bitRate ?? null,
    audio_bitrate: info.audio?.bitRate ?? null,
    bit_rate: info.bitRate,
    size_bytes: info.sizeBytes,
    format_name: info.formatName,
    pixel_format: video?.pixelFormat ?? null,
    keyframe_interval: keyframeSeconds,
  };
}

export const probeOperation: Operation<'probe'> = {
  name: 'probe',
  async run(request, ctx) {
    ctx.progress(0, 'probing');
    // One ffprobe run: headers plus the first packets, from which the keyframe spacing is measured.
    const { info } = await ctx.probe(
      urlSource(request.input),
      {},
      { packetsFrom: { time: 0, count: KEYFRAME_SAMPLE_PACKETS } },
    );
    const interval = info.video ? keyframeInterval(info.packets, info.video.index) : null;
    return toProbeResult(info, interval);
  },
};
