/**
 * Everything a publish request must pass BEFORE anything is queued, and the job inputs it turns
 * into. In order: every clip belongs to the profile (404), Postiz is configured (409), the schedule
 * makes sense (400), then each clip is rendered, each channel exists and is enabled, and the
 * caption and settings suit each channel (all problems reported together in one 422
 * `not_publishable`, per clip and per channel; nothing is ever skipped silently).
 */
import type { Bindings } from '../core/env.ts';
import { type ClipRow, getClip, ownedClipIds } from '../db/repos/clips.ts';
import type { ProfileScope } from '../db/scope.ts';
import { getExportPreset } from '../db/repos/export-presets.ts';
import { ApiError } from '../core/errors.ts';
import type { JobInput } from '../jobs/job-types.ts';
import { newId } from '../core/ids.ts';
import { providerErrorToApiError } from '../providers/error-mapping.ts';
import {
  defaultSettings,
  ruleFor,
  supportsFirstComment,
  validateCaption,
  validateVideo,
} from '../providers/postiz-rules.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { isRendered } from './clip-media.ts';
import { type PostizChannel, listChannels } from './postiz-channels.ts';
import { type PostizConnection, requirePostiz } from './postiz-connection.ts';

export interface PublishSpec {
  clipIds: string[];
  caption: string;
  /** Channels to post to; the profile's default channels when omitted. */
  integrationIds?: string[];
  /** ISO date of the first post; "now" when omitted. */
  scheduleDate?: string;
  /** Minutes between consecutive clips of a bulk publish. */
  intervalMinutes: number;
  /** Per-channel settings (keyed by integration id), merged over each platform's defaults. */
  settings?: Record<string, Record<string, unknown>>;
  /** Per-channel captions (keyed by integration id) that replace `caption` on that channel. */
  captions?: Record<string, string>;
  /** Per-channel first comments (keyed by integration id), where the platform has comments. */
  firstComments?: Record<string, string>;
  /** Create Postiz drafts that wait for POST /publications/{id}/approve. */
  draft?: boolean;
}

export interface PublishPlan {
  batchId: string;
  connection: Extract<PostizConnection, { state: 'configured' }>;
  jobs: JobInput<'publish_clip'>[];
}

export interface ClipProblem {
  clip_id: string;
  problem: string;
}
export interface MediaProblem {
  clip_id: string;
  integration_id: string;
  platform: string;
  problems: string[];
}
export interface ChannelProblem {
  integration_id: string;
  platform: string | null;
  problems: string[];
}

/** How far in the past a schedule date may be (clock skew between the caller and us). */
const PAST_TOLERANCE_MS = 60_000;

function fieldError(path: string, message: string): ApiError {
  return new ApiError(400, 'validation_failed', `Invalid request body: ${path}: ${message}`, {
    details: [{ path, message }],
  });
}

export function scheduleDates(count: number, start: number | null, intervalMinutes: number, now = Date.now()) {
  return Array.from({ length: count }, (_, k) => {
    if (start === null && k === 0) return { postType: 'now' as const, date: null };
    const at = (start ?? now) + k * intervalMinutes * 60_000;
    return { postType: 'schedule' as const, date: new Date(at).toISOString() };
  });
}

interface RenderedVideo {
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
}

/** The rendered video's frame size (from its export preset) and duration (the clip's). */
async function renderedVideo(scope: ProfileScope, clip: ClipRow): Promise<RenderedVideo> {
  const preset = clip.finalPreset ? await getExportPreset(scope.db, clip.finalPreset) : undefined;
  return { width: preset?.width ?? null, height: preset?.height ?? null, durationSeconds: clip.duration ?? null };
}

function clipProblem(clip: ClipRow): string | null {
  if (clip.finalStatus === 'processing' || clip.finalStatus === 'pending') {
    return clip.finalStatus === 'processing'
      ? 'the clip is still rendering'
      : 'the clip is not rendered yet (render it first)';
  }
  if (clip.finalStatus === 'failed')
    return `the clip's render failed${clip.finalError ? `: ${clip.finalError}` : ''}; render it again`;
  if (!isRendered(clip)) return 'the clip has no rendered video';
  return null;
}

export async function planPublish(env: Bindings, scope: ProfileScope, spec: PublishSpec): Promise<PublishPlan> {
  const clipIds = [...new Set(spec.clipIds)];
  const owned = await ownedClipIds(scope, clipIds);
  const missing = clipIds.filter((id) => !owned.has(id));
  if (missing.length)
    throw new ApiError(404, 'not_found', `Clip not found: ${missing.join(', ')}`, { details: { missing } });

  const { connection, client } = await requirePostiz(env, scope);

  const integrationIds = [...new Set(spec.integrationIds?.length ? spec.integrationIds : connection.integrationIds)];
  if (!integrationIds.length) {
    throw fieldError('integration_ids', 'name at least one Postiz channel (the profile has no default channels)');
  }
  for (const [field, map] of [
    ['settings', spec.settings],
    ['captions', spec.captions],
    ['first_comments', spec.firstComments],
  ] as const) {
    for (const id of Object.keys(map ?? {})) {
      if (!integrationIds.includes(id))
        throw fieldError(`${field}.${id}`, `${field} for a channel that is not in integration_ids`);
    }
  }
  let start: number | null = null;
  if (spec.scheduleDate !== undefined) {
    start = Date.parse(spec.scheduleDate);
    if (Number.isNaN(start)) throw fieldError('schedule_date', 'not a valid date');
    if (start < Date.now() - PAST_TOLERANCE_MS) throw fieldError('schedule_date', 'is in the past');
  }

  const clipProblems: ClipProblem[] = [];
  const videos: { clipId: string; video: RenderedVideo }[] = [];
  for (const id of clipIds) {
    const clip = await getClip(scope, id);
    const problem = clip ? clipProblem(clip) : 'clip not found';
    if (problem) clipProblems.push({ clip_id: id, problem });
    else if (clip) videos.push({ clipId: id, video: await renderedVideo(scope, clip) });
  }

  let channels: PostizChannel[];
  try {
    channels = await listChannels(client, connection, integrationIds);
  } catch (err) {
    if (isProviderError(err)) throw providerErrorToApiError(err);
    throw err;
  }
  const byId = new Map(channels.map((c) => [c.id, c]));
  const channelProblems: ChannelProblem[] = [];
  const mediaProblems: MediaProblem[] = [];
  const targets: JobInput<'publish_clip'>['integrations'] = [];
  for (const id of integrationIds) {
    const channel = byId.get(id);
    if (!channel) {
      channelProblems.push({ integration_id: id, platform: null, problems: ['no enabled Postiz channel has this id'] });
      continue;
    }
    const caption = spec.captions?.[id] ?? spec.caption;
    const settings = {
      ...defaultSettings(channel.provider, { caption }),
      ...(spec.settings?.[id] ?? {}),
    };
    const problems = validateCaption(channel.provider, caption, settings, {
      hasMedia: true,
      maxLength: channel.maxCaptionLength,
    });
    const comment = spec.firstComments?.[id];
    if (comment !== undefined) {
      if (!supportsFirstComment(channel.provider))
        problems.push(`${ruleFor(channel.provider).label} posts through Postiz take no first comment`);
      else if (!comment.trim()) problems.push('the first comment is empty');
      else
        problems.push(
          ...validateCaption(channel.provider, comment, {}, { maxLength: channel.maxCaptionLength }).map(
            (p) => `first comment: ${p}`,
          ),
        );
    }
    if (problems.length) channelProblems.push({ integration_id: id, platform: channel.provider, problems });
    for (const { clipId, video } of videos) {
      const videoProblems = validateVideo(channel.provider, video);
      if (videoProblems.length)
        mediaProblems.push({
          clip_id: clipId,
          integration_id: id,
          platform: channel.provider,
          problems: videoProblems,
        });
    }
    targets.push({
      id,
      provider: channel.provider,
      settings,
      ...(spec.captions?.[id] !== undefined ? { caption } : {}),
      ...(comment !== undefined ? { first_comment: comment } : {}),
    });
  }

  if (clipProblems.length || channelProblems.length || mediaProblems.length) {
    const parts = [
      ...clipProblems.map((p) => `clip ${p.clip_id}: ${p.problem}`),
      ...channelProblems.map(
        (p) => `channel ${p.integration_id}${p.platform ? ` (${p.platform})` : ''}: ${p.problems.join('; ')}`,
      ),
      ...mediaProblems.map(
        (p) => `clip ${p.clip_id} on channel ${p.integration_id} (${p.platform}): ${p.problems.join('; ')}`,
      ),
    ];
    throw new ApiError(422, 'not_publishable', `Nothing was queued. ${parts.join('. ')}`, {
      details: { clips: clipProblems, channels: channelProblems, media: mediaProblems },
    });
  }

  const batchId = newId('publishBatch');
  const dates = scheduleDates(clipIds.length, start, spec.intervalMinutes);
  const jobs = clipIds.map((clipId, position) => ({
    publication_id: newId('publication'),
    batch_id: batchId,
    clip_id: clipId,
    caption: spec.caption,
    integrations: targets,
    post_type: dates[position]!.postType,
    ...(spec.draft ? { draft: true } : {}),
    date: dates[position]!.date,
    position,
    total: clipIds.length,
  }));
  return { batchId, connection, jobs };
}
