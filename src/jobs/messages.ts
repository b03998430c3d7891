/**
 * Queue message envelopes, shared by producer and consumer. A job message carries only ids: the
 * job's input lives in its D1 row, so a message can be small, replayed, and never trusted for data.
 */
import { z } from 'zod';
import { idSchema } from '../core/ids.ts';
import { PURGE_PREFIX } from '../storage/keys.ts';
import { webhookMessage } from '../webhooks/messages.ts';

export const jobMessage = z.object({
  kind: z.literal('job'),
  job_id: idSchema('job'),
  profile_id: idSchema('profile'),
  /** A job type of the consumer's registry; the consumer drops messages of any other type. */
  type: z.string().regex(/^[a-z][a-z_]{0,63}$/),
  /**
   * Attempts spent before this message was sent: a job handed to a fresh message (a wait, or an
   * operation that outlives a delivery) keeps counting its failed attempts where it was.
   */
  prior_attempts: z.number().int().min(0).max(100).optional(),
  /** Times the job stepped aside for a profile served less (src/jobs/fair-share.ts). */
  fair_defers: z.number().int().min(0).max(1000).optional(),
});
export type JobMessage = z.infer<typeof jobMessage>;

/** Housekeeping that belongs to no job row (e.g. purging a deleted profile's objects). */
export const systemMessage = z.object({
  kind: z.literal('system'),
  task: z.literal('purge_prefix'),
  prefix: z.string().regex(PURGE_PREFIX),
});
export type SystemMessage = z.infer<typeof systemMessage>;

/** Every message of the jobs queue: jobs, housekeeping, and webhook dispatch/delivery (src/webhooks/). */
export const queueMessage = z.union([jobMessage, systemMessage, webhookMessage]);
export type QueueMessage = z.infer<typeof queueMessage>;
