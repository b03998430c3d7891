/**
 * Every job type and the schema of its input, defined once: the producer type-checks what it
 * enqueues against these, and the consumer re-parses the stored input with the same schema.
 */
import { z } from 'zod';

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`));

export const jobInputSchemas = {
  /** Internal self-test of the queue machinery; not exposed through any route. */
  echo: z.object({ message: z.string(), fail_with: z.enum(['transient', 'permanent']).optional() }),
  /**
   * Publishes one clip to one or more Postiz channels in ONE create call. Everything was checked
   * by the route; the publication id doubles as the Postiz `group` (see publish-clip.ts).
   */
  publish_clip: z.object({
    publication_id: id('pub'),
    batch_id: id('pbt'),
    clip_id: id('clp'),
    caption: z.string().max(70_000),
    integrations: z
      .array(
        z.object({
          id: z.string().min(1).max(200),
          provider: z.string().max(100),
          settings: z.record(z.string(), z.unknown()),
        }),
      )
      .min(1)
      .max(50),
    post_type: z.enum(['now', 'schedule']),
    /** Exact publish date for `schedule`; null for `now`. */
    date: z.iso.datetime().nullable(),
    /** 0-based place of this clip in its bulk publish, and the batch size. */
    position: z.number().int().min(0),
    total: z.number().int().min(1),
  }),
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
