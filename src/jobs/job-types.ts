/**
 * Every job type and the schema of its input, defined once: the producer type-checks what it
 * enqueues against these, and the consumer re-parses the stored input with the same schema.
 */
import { z } from 'zod';

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`));

export const jobInputSchemas = {
  /** Internal self-test of the queue machinery; not exposed through any route. */
  echo: z.object({ message: z.string(), fail_with: z.enum(['transient', 'permanent']).optional() }),
  /** Metadata, thumbnail and waveform of an uploaded source video; moves it to ready or failed. */
  probe_source_video: z.object({ source_video_id: id('vid') }),
  /** Speech intervals of a source video, cached on the video for `GET …/{id}/voice`. */
  detect_voice: z.object({
    source_video_id: id('vid'),
    params: z.object({
      threshold: z.number().min(0).max(1),
      min_speech_duration: z.number().min(0).max(10),
      min_silence_duration: z.number().min(0).max(10),
      padding: z.number().min(0).max(5),
    }),
  }),
} satisfies Record<string, z.ZodType<Record<string, unknown>>>;

export type JobType = keyof typeof jobInputSchemas;
export const jobTypes = Object.keys(jobInputSchemas) as [JobType, ...JobType[]];
export type JobInput<T extends JobType> = z.infer<(typeof jobInputSchemas)[T]>;

export { id as prefixedId };
