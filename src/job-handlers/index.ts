/** The handler of every job type. Adding a job type: its input in job-types.ts, its handler here. */
import { processorClient } from '../processor/connect.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { JobType } from '../jobs/job-types.ts';
import { type JobRegistry, jobRegistry } from '../jobs/registry.ts';
import { analyzeVideoHandler } from './analyze-video.ts';
import { detectVoiceHandler } from './detect-voice.ts';
import { extractSegmentHandler } from './extract-segment.ts';
import { generateFromSegmentsHandler } from './generate-from-segments.ts';
import { segmentThumbnailHandler } from './segment-thumbnail.ts';
import { generateProjectHandler } from './generate-project.ts';
import { multiVideoHandler } from './multi-video.ts';
import { muteVoiceHandler } from './mute-voice.ts';
import { processVideoHandler } from './process-video.ts';
import { publishClipHandler } from './publish-clip.ts';
import { removeClipAudioHandler } from './remove-clip-audio.ts';
import { renderClipHandler } from './render-clip.ts';
import { probeSourceVideoHandler } from './probe-source-video.ts';
import { ttsAddToVideosHandler } from './tts-add-to-videos.ts';
import { ttsGenerateHandler } from './tts-generate.ts';

export type HandlerRegistry = { [T in JobType]: JobHandler<T> };

export const handlers: HandlerRegistry = {
  publish_clip: publishClipHandler,
  probe_source_video: probeSourceVideoHandler(processorClient),
  detect_voice: detectVoiceHandler(processorClient),
  segment_thumbnail: segmentThumbnailHandler(processorClient),
  extract_segment: extractSegmentHandler(processorClient),
  generate_from_segments: generateFromSegmentsHandler(processorClient),
  render_clip: renderClipHandler(processorClient),
  remove_clip_audio: removeClipAudioHandler(processorClient),
  mute_voice: muteVoiceHandler(processorClient),
  analyze_video: analyzeVideoHandler(processorClient),
  tts_generate: ttsGenerateHandler(processorClient),
  tts_add_to_videos: ttsAddToVideosHandler(processorClient),
  process_video: processVideoHandler(processorClient),
  multi_video: multiVideoHandler(processorClient),
  generate_project: generateProjectHandler(processorClient),
};

/** What the production consumer (and the cancel route) run: every job type with its handler. */
export const productionJobs: JobRegistry = jobRegistry(handlers);
