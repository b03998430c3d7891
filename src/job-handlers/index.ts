/** The handler of every job type. Adding a job type: its input in job-types.ts, its handler here. */
import { jobProcessor } from '../jobs/job-processor.ts';
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
import { importSourceVideoHandler } from './import-source-video.ts';
import { ttsAddToVideosHandler } from './tts-add-to-videos.ts';
import { ttsGenerateHandler } from './tts-generate.ts';
import { transcribeHandler } from './transcribe.ts';

export type HandlerRegistry = { [T in JobType]: JobHandler<T> };

export const handlers: HandlerRegistry = {
  publish_clip: publishClipHandler,
  probe_source_video: probeSourceVideoHandler(jobProcessor),
  import_source_video: importSourceVideoHandler(jobProcessor),
  detect_voice: detectVoiceHandler(jobProcessor),
  segment_thumbnail: segmentThumbnailHandler(jobProcessor),
  extract_segment: extractSegmentHandler(jobProcessor),
  generate_from_segments: generateFromSegmentsHandler(jobProcessor),
  render_clip: renderClipHandler(jobProcessor),
  remove_clip_audio: removeClipAudioHandler(jobProcessor),
  mute_voice: muteVoiceHandler(jobProcessor),
  analyze_video: analyzeVideoHandler(jobProcessor),
  tts_generate: ttsGenerateHandler(jobProcessor),
  tts_add_to_videos: ttsAddToVideosHandler(jobProcessor),
  process_video: processVideoHandler(jobProcessor),
  multi_video: multiVideoHandler(jobProcessor),
  generate_project: generateProjectHandler(jobProcessor),
  transcribe: transcribeHandler(jobProcessor),
};

/** What the production consumer (and the cancel route) run: every job type with its handler. */
export const productionJobs: JobRegistry = jobRegistry(handlers);
