/**
 * The voice-over of a render: synthesised from the clip content's `tts_text` through the voice-over
 * module (pending: merged from the processing branch), cached on `clip_content.tts_audio_key`, and
 * the material to fit the video to its length.
 */
import type { ClipContentRow, ClipRow } from '../../db/repos/clips.ts';
import type { MediaInput, ProcessorClient } from '../../media/processor-types.ts';
import type { MediaTarget } from '../../media/signed-urls.ts';
import type { JobContext } from '../context.ts';
import { PermanentJobError } from '../errors.ts';

export interface PreparedVoiceover {
  audio: MediaTarget;
  duration: number;
  /** Captions of the speech, used when the content has no SRT of its own. */
  srt: string | null;
  provider: string;
  reused: boolean;
  /** Level of the clip's own audio under the voice. */
  duckTo: number;
  /** More of the project's segments, when the voice is longer than the clip. */
  extendWith: MediaInput[];
}

export async function prepareVoiceover(
  _ctx: JobContext<'render_clip'>,
  _processor: ProcessorClient,
  _clip: ClipRow,
  content: ClipContentRow | undefined,
  _span: { from: number; to: number },
): Promise<PreparedVoiceover | null> {
  if (!content?.ttsText?.trim()) return null;
  throw new PermanentJobError('not_available', 'Voice-over rendering is not available yet');
}
