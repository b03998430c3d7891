/** The processor's error codes: how a failed operation tells a bad input (permanent) from a hiccup (retryable). */
import { z } from 'zod';

export const processorErrorCode = z.enum([
  'invalid_request', // body failed validation
  'unauthorized', // bad or expired signature
  'input_unreachable', // the input URL could not be fetched (transient on the Worker side)
  'invalid_media', // not a media file, truncated, zero bytes, a playlist in disguise, …
  'unsupported_codec',
  'limits_exceeded', // duration, dimensions, stream count or size over the processor's limits
  'no_video_stream',
  'no_audio_stream',
  'timeout',
  'output_upload_failed',
  'busy', // too many operations in flight; retry later
  'cancelled', // the operation was cancelled (DELETE /v1/operations/{id}) before it finished
  'operation_unknown', // no operation with that id: never started, forgotten, or the processor restarted
  'internal',
]);
export type ProcessorErrorCode = z.infer<typeof processorErrorCode>;
