/**
 * Media the processor reads and writes: short-lived signed URLs the Worker issued for its own
 * media (GET with Range for inputs, PUT for outputs). The processor never takes a filesystem path.
 */
import { z } from 'zod';

export const MAX_MEDIA_URL_LENGTH = 4096;

/**
 * What a side checks of a media URL beyond its shape; the processor: that its origin is allowed.
 * Returns the URL to use (normalised) or what is wrong with it.
 */
export type MediaUrlCheck = (url: string) => { url: string } | { problem: string };

/** The media schemas with `check` applied to every URL (none: any string of the right length). */
export function mediaSchemas(check?: MediaUrlCheck) {
  const url = z
    .string()
    .max(MAX_MEDIA_URL_LENGTH)
    .transform((value, ctx) => {
      if (!check) return value;
      const verdict = check(value);
      if ('url' in verdict) return verdict.url;
      ctx.issues.push({ code: 'custom', message: verdict.problem, input: value });
      return z.NEVER;
    });
  // Not strict: extra fields next to `url` were always ignored.
  const input = z.object({ url });
  const output = z.object({ url, content_type: z.string().max(100) });
  return { url, input, output };
}

const staticMedia = mediaSchemas();
export const mediaInput = staticMedia.input;
export const mediaOutput = staticMedia.output;

/** Signed GET URL (supports Range) issued by the Worker. */
export type MediaInput = z.infer<typeof mediaInput>;
/** Signed PUT URL issued by the Worker; the processor sends the file with Content-Length. */
export type MediaOutput = z.infer<typeof mediaOutput>;

/** A span of media time in seconds, as results report it. */
export const timeRange = z.object({ start: z.number(), end: z.number() });
export type TimeRange = z.infer<typeof timeRange>;
