/**
 * How a processor failure becomes a job outcome: bad media fails the job (and its resource) at once
 * with the processor's error code; an unreachable or busy processor is transient and retried.
 */
import type { ProcessorErrorCode } from '../../media/processor-types.ts';
import { PermanentJobError, TransientJobError } from '../errors.ts';

const PERMANENT: ReadonlySet<string> = new Set<ProcessorErrorCode>([
  'invalid_request',
  'invalid_media',
  'unsupported_codec',
  'limits_exceeded',
  'no_video_stream',
  'no_audio_stream',
]);

export function processorFailure(err: unknown): Error {
  if (err instanceof PermanentJobError || err instanceof TransientJobError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code && PERMANENT.has(code)) return new PermanentJobError(code, message);
  const retryAfter = (err as { retryAfterSeconds?: unknown })?.retryAfterSeconds;
  return new TransientJobError(code ?? 'processor_unavailable', message, typeof retryAfter === 'number' ? retryAfter : undefined);
}

/** Runs a processor call, translating its failure. */
export async function callProcessor<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw processorFailure(err);
  }
}
