/**
 * Per-platform publishing rules checked before calling Postiz (every failed create still spends one
 * of the org's hourly post calls): caption limits, required titles, and default `settings` that
 * pass Postiz's provider DTOs. Defaults follow the original (docs/compatibility.md#postiz-api) with its later fixes: YouTube
 * takes `type` (not `visibility`) and a non-empty `title`; TikTok needs a `privacy_level`.
 */

export type PlatformFamily =
  | 'x'
  | 'bluesky'
  | 'threads'
  | 'tiktok'
  | 'instagram'
  | 'youtube'
  | 'linkedin'
  | 'facebook'
  | 'other';

export interface PlatformRule {
  family: PlatformFamily;
  label: string;
  /** Longest caption in characters (Unicode code points); null when we know no limit. */
  captionMax: number | null;
  /** `settings.title` bounds; `required` means Postiz rejects the post without it. */
  title?: { min: number; max: number; required: boolean };
}

export const PLATFORM_RULES: Record<PlatformFamily, PlatformRule> = {
  x: { family: 'x', label: 'X', captionMax: 280 },
  bluesky: { family: 'bluesky', label: 'Bluesky', captionMax: 300 },
  threads: { family: 'threads', label: 'Threads', captionMax: 500 },
  // The original capped TikTok captions at 150; Postiz's own DTO caps the (photo) title at 90.
  tiktok: { family: 'tiktok', label: 'TikTok', captionMax: 150, title: { min: 0, max: 90, required: false } },
  instagram: { family: 'instagram', label: 'Instagram', captionMax: 2200 },
  youtube: { family: 'youtube', label: 'YouTube', captionMax: 5000, title: { min: 2, max: 100, required: true } },
  linkedin: { family: 'linkedin', label: 'LinkedIn', captionMax: 3000 },
  facebook: { family: 'facebook', label: 'Facebook', captionMax: 63206 },
  other: { family: 'other', label: 'Channel', captionMax: null },
};

/** Maps a Postiz provider identifier (`linkedin-page`, `instagram-standalone`, …) to its family. */
export function platformFamily(identifier: string): PlatformFamily {
  const id = identifier.trim().toLowerCase();
  if (id === 'x' || id === 'twitter') return 'x';
  if (id.startsWith('instagram')) return 'instagram';
  if (id.startsWith('linkedin')) return 'linkedin';
  if (id.startsWith('youtube')) return 'youtube';
  if (id.startsWith('tiktok')) return 'tiktok';
  if (id.startsWith('facebook')) return 'facebook';
  if (id === 'threads') return 'threads';
  if (id === 'bluesky') return 'bluesky';
  return 'other';
}

export function ruleFor(identifier: string): PlatformRule {
  return PLATFORM_RULES[platformFamily(identifier)];
}

/** Characters as platforms count them (code points, so emoji count once). */
export function captionLength(text: string): number {
  return Array.from(text).length;
}

export const YOUTUBE_VISIBILITIES = ['public', 'private', 'unlisted'] as const;
export const TIKTOK_PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;

/**
 * Settings that pass the provider's validation with no user input beyond an optional title.
 * YouTube's title falls back to the start of the caption, then to "Untitled video".
 */
export function defaultSettings(
  identifier: string,
  options: { title?: string; caption?: string } = {},
): Record<string, unknown> {
  switch (platformFamily(identifier)) {
    case 'x':
      return { who_can_reply_post: 'everyone' };
    case 'instagram':
      return { post_type: 'post' };
    case 'linkedin':
      return { post_as_images_carousel: false };
    case 'youtube':
      return {
        title: youtubeTitle(options.title, options.caption),
        type: 'public',
        selfDeclaredMadeForKids: 'no',
        tags: [],
      };
    case 'tiktok':
      return {
        privacy_level: 'PUBLIC_TO_EVERYONE',
        duet: false,
        stitch: false,
        comment: true,
        disclose: false,
        brand_content_toggle: false,
        brand_organic_toggle: false,
        content_posting_method: 'DIRECT_POST',
      };
    default:
      return {};
  }
}

function youtubeTitle(title: string | undefined, caption: string | undefined): string {
  const fromTitle = title?.replace(/\s+/g, ' ').trim();
  if (fromTitle && captionLength(fromTitle) >= 2) return Array.from(fromTitle).slice(0, 100).join('');
  const firstLine =
    caption
      ?.split('\n')
      .find((l) => l.trim())
      ?.replace(/\s+/g, ' ')
      .trim() ?? '';
  if (captionLength(firstLine) >= 2) {
    const chars = Array.from(firstLine);
    return chars.length <= 100 ? firstLine : `${chars.slice(0, 99).join('').trimEnd()}…`;
  }
  return 'Untitled video';
}

/**
 * Readable problems with a caption (and its settings) for one platform; empty when it can be sent.
 * `maxLength` from Postiz's integration settings, when known, overrides our table.
 */
export function validateCaption(
  identifier: string,
  caption: string,
  settings: Record<string, unknown> = {},
  options: { hasMedia?: boolean; maxLength?: number | null } = {},
): string[] {
  const rule = ruleFor(identifier);
  const problems: string[] = [];
  const length = captionLength(caption);
  const max = options.maxLength ?? rule.captionMax;
  if (!caption.trim() && !options.hasMedia) problems.push(`${rule.label} posts need a caption or media`);
  if (max !== null && length > max)
    problems.push(`${rule.label} captions are limited to ${max} characters; this one has ${length}`);

  if (rule.title) {
    const raw = settings.title;
    const title = typeof raw === 'string' ? raw.trim() : '';
    const titleLength = captionLength(title);
    if (raw !== undefined && typeof raw !== 'string') problems.push(`${rule.label} title must be text`);
    else if (rule.title.required && titleLength < rule.title.min) {
      problems.push(`${rule.label} needs a title of ${rule.title.min}–${rule.title.max} characters`);
    } else if (titleLength > rule.title.max) {
      problems.push(`${rule.label} titles are limited to ${rule.title.max} characters; this one has ${titleLength}`);
    }
  }
  if (rule.family === 'youtube') {
    if ('visibility' in settings && !('type' in settings))
      problems.push('YouTube visibility goes in settings.type (public, private or unlisted), not settings.visibility');
    else if (!YOUTUBE_VISIBILITIES.includes(settings.type as (typeof YOUTUBE_VISIBILITIES)[number])) {
      problems.push(`YouTube settings.type must be one of ${YOUTUBE_VISIBILITIES.join(', ')}`);
    }
  }
  if (
    rule.family === 'tiktok' &&
    !TIKTOK_PRIVACY_LEVELS.includes(settings.privacy_level as (typeof TIKTOK_PRIVACY_LEVELS)[number])
  ) {
    problems.push(`TikTok settings.privacy_level must be one of ${TIKTOK_PRIVACY_LEVELS.join(', ')}`);
  }
  return problems;
}

/**
 * Platforms where Postiz posts `value[1]` as a comment under the post (or the first reply of a
 * thread). TikTok and YouTube uploads take no follow-up value, so a first comment there is refused
 * rather than dropped.
 */
const FIRST_COMMENT_FAMILIES: ReadonlySet<PlatformFamily> = new Set([
  'x',
  'bluesky',
  'threads',
  'linkedin',
  'facebook',
  'instagram',
]);

export function supportsFirstComment(identifier: string): boolean {
  return FIRST_COMMENT_FAMILIES.has(platformFamily(identifier));
}

/**
 * What each network accepts for a video post through its API (our table, from the networks'
 * published upload limits; Postiz itself does not check these, the network refuses later).
 * Aspect ratio is width ÷ height.
 */
export interface VideoRule {
  minSeconds: number;
  maxSeconds: number;
  minAspect: number;
  maxAspect: number;
}

export const VIDEO_RULES: Partial<Record<PlatformFamily, VideoRule>> = {
  x: { minSeconds: 0.5, maxSeconds: 140, minAspect: 1 / 3, maxAspect: 3 },
  bluesky: { minSeconds: 0, maxSeconds: 180, minAspect: 1 / 3, maxAspect: 3 },
  threads: { minSeconds: 0, maxSeconds: 300, minAspect: 0.01, maxAspect: 10 },
  tiktok: { minSeconds: 3, maxSeconds: 600, minAspect: 9 / 16 - 0.01, maxAspect: 16 / 9 + 0.01 },
  instagram: { minSeconds: 3, maxSeconds: 900, minAspect: 0.01, maxAspect: 10 },
  youtube: { minSeconds: 1, maxSeconds: 12 * 3600, minAspect: 0.01, maxAspect: 10 },
  linkedin: { minSeconds: 3, maxSeconds: 30 * 60, minAspect: 1 / 2.4, maxAspect: 2.4 },
  facebook: { minSeconds: 1, maxSeconds: 240 * 60, minAspect: 9 / 16 - 0.01, maxAspect: 16 / 9 + 0.01 },
};

const ratio = (r: number) => (r >= 1 ? `${r.toFixed(2)}:1` : `1:${(1 / r).toFixed(2)}`);

/**
 * Readable problems with a rendered video for one platform; empty when it fits or we know no rule.
 * Unknown dimensions or duration are not guessed at: only what is known is checked.
 */
export function validateVideo(
  identifier: string,
  video: { width: number | null; height: number | null; durationSeconds: number | null },
): string[] {
  const family = platformFamily(identifier);
  const rule = VIDEO_RULES[family];
  if (!rule) return [];
  const label = PLATFORM_RULES[family].label;
  const problems: string[] = [];
  if (video.width && video.height) {
    const aspect = video.width / video.height;
    if (aspect < rule.minAspect || aspect > rule.maxAspect)
      problems.push(
        `${label} takes videos between ${ratio(rule.minAspect)} and ${ratio(rule.maxAspect)} (width:height); this one is ${video.width}×${video.height}`,
      );
  }
  if (video.durationSeconds !== null) {
    if (video.durationSeconds < rule.minSeconds)
      problems.push(
        `${label} videos must last at least ${rule.minSeconds} s; this one lasts ${video.durationSeconds} s`,
      );
    if (video.durationSeconds > rule.maxSeconds)
      problems.push(`${label} videos may last at most ${rule.maxSeconds} s; this one lasts ${video.durationSeconds} s`);
  }
  return problems;
}
