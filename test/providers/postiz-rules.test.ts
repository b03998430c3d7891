import { describe, expect, it } from 'vitest';
import { normalizePostizBaseUrl } from '../../src/providers/postiz.ts';
import {
  captionLength,
  defaultSettings,
  platformFamily,
  supportsFirstComment,
  validateCaption,
  validateVideo,
} from '../../src/providers/postiz-rules.ts';
import { ProviderError } from '../../src/providers/provider-error.ts';

describe('caption limits', () => {
  const limits: [string, number][] = [
    ['x', 280],
    ['bluesky', 300],
    ['threads', 500],
    ['tiktok', 150],
    ['instagram-standalone', 2200],
    ['youtube', 5000],
    ['linkedin-page', 3000],
    ['facebook', 63206],
  ];
  it.each(limits)('%s accepts %i characters and rejects one more', (platform, max) => {
    const settings = defaultSettings(platform, { title: 'A fine title' });
    expect(validateCaption(platform, 'a'.repeat(max), settings)).toEqual([]);
    const problems = validateCaption(platform, 'a'.repeat(max + 1), settings);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`limited to ${max} characters; this one has ${max + 1}`));
  });

  it('counts emoji as one character', () => {
    expect(captionLength('👍🏽🎬')).toBe(3);
    expect(validateCaption('x', '🎬'.repeat(280), defaultSettings('x'))).toEqual([]);
  });

  it('prefers the maxLength Postiz reports for the channel', () => {
    expect(validateCaption('x', 'a'.repeat(300), defaultSettings('x'), { maxLength: 4000 })).toEqual([]);
  });

  it('needs a caption or media', () => {
    expect(validateCaption('x', '  ', defaultSettings('x'))).toEqual(['X posts need a caption or media']);
    expect(validateCaption('x', '', defaultSettings('x'), { hasMedia: true })).toEqual([]);
  });
});

describe('YouTube and TikTok settings', () => {
  it('requires a YouTube title of 2–100 characters', () => {
    expect(validateCaption('youtube', 'caption', { type: 'public', title: 'A' })).toEqual([
      'YouTube needs a title of 2–100 characters',
    ]);
    expect(validateCaption('youtube', 'caption', { type: 'public' })).toEqual([
      'YouTube needs a title of 2–100 characters',
    ]);
    expect(validateCaption('youtube', 'caption', { type: 'public', title: 't'.repeat(101) })).toEqual([
      'YouTube titles are limited to 100 characters; this one has 101',
    ]);
  });

  it('catches the original bug of sending YouTube visibility instead of type', () => {
    expect(validateCaption('youtube', 'caption', { title: 'Good title', visibility: 'public' })).toEqual([
      'YouTube visibility goes in settings.type (public, private or unlisted), not settings.visibility',
    ]);
    expect(validateCaption('youtube', 'caption', { title: 'Good title', type: 'secret' })).toEqual([
      'YouTube settings.type must be one of public, private, unlisted',
    ]);
  });

  it('gives YouTube a title from the caption when none is set, never an empty one', () => {
    expect(defaultSettings('youtube', { caption: '  Big reveal at the end\nmore text' })).toEqual({
      title: 'Big reveal at the end',
      type: 'public',
      selfDeclaredMadeForKids: 'no',
      tags: [],
    });
    expect(defaultSettings('youtube', { title: 'Chosen', caption: 'ignored' }).title).toBe('Chosen');
    expect(defaultSettings('youtube', { caption: 'x' }).title).toBe('Untitled video');
    const long = defaultSettings('youtube', { caption: 'word '.repeat(40) }).title as string;
    expect(captionLength(long)).toBeLessThanOrEqual(100);
    expect(validateCaption('youtube', 'c', defaultSettings('youtube', { caption: 'word '.repeat(40) }))).toEqual([]);
  });

  it('requires a TikTok privacy level and caps its title at 90', () => {
    expect(validateCaption('tiktok', 'clip', {})).toEqual([
      'TikTok settings.privacy_level must be one of PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY',
    ]);
    expect(validateCaption('tiktok', 'clip', { ...defaultSettings('tiktok'), title: 't'.repeat(91) })).toEqual([
      'TikTok titles are limited to 90 characters; this one has 91',
    ]);
    expect(validateCaption('tiktok', 'clip', defaultSettings('tiktok'))).toEqual([]);
  });

  it('maps Postiz identifiers to platform families and gives each valid defaults', () => {
    expect(platformFamily('linkedin-page')).toBe('linkedin');
    expect(platformFamily('instagram-standalone')).toBe('instagram');
    expect(platformFamily('twitter')).toBe('x');
    expect(platformFamily('mastodon')).toBe('other');
    expect(defaultSettings('x')).toEqual({ who_can_reply_post: 'everyone' });
    expect(defaultSettings('instagram-standalone')).toEqual({ post_type: 'post' });
    expect(defaultSettings('mastodon')).toEqual({});
    for (const p of ['x', 'bluesky', 'threads', 'tiktok', 'instagram', 'youtube', 'linkedin', 'facebook', 'mastodon']) {
      expect(validateCaption(p, 'Hello', defaultSettings(p, { caption: 'Hello there' })), p).toEqual([]);
    }
  });
});

describe('normalizePostizBaseUrl', () => {
  it.each([
    ['https://api.postiz.com/public/v1', 'https://api.postiz.com/public/v1'],
    ['https://api.postiz.com/public/v1/', 'https://api.postiz.com/public/v1'],
    ['https://postiz.example.com/api/public/v1', 'https://postiz.example.com/api/public/v1'],
    ['https://postiz.example.com', 'https://postiz.example.com/public/v1'],
    ['https://postiz.example.com/', 'https://postiz.example.com/public/v1'],
    ['https://app.postiz.com/api', 'https://app.postiz.com/api/public/v1'],
    ['  http://127.0.0.1:5000/api/  ', 'http://127.0.0.1:5000/api/public/v1'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePostizBaseUrl(input)).toBe(expected);
  });

  it('rejects non-URLs, other protocols and embedded credentials as bad_request', () => {
    for (const bad of ['postiz', 'ftp://postiz.example.com', 'https://user:pw@postiz.example.com']) {
      const err = (() => {
        try {
          normalizePostizBaseUrl(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err, bad).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('bad_request');
    }
  });
});

describe('video checks per network', () => {
  const vertical = { width: 1080, height: 1920, durationSeconds: 30 };
  it('accepts a 30 s 9:16 video everywhere we have a rule', () => {
    for (const p of ['x', 'bluesky', 'threads', 'tiktok', 'instagram', 'youtube', 'linkedin-page', 'facebook'])
      expect(validateVideo(p, vertical), p).toEqual([]);
  });
  it('refuses aspect ratios and durations outside the network limits, and checks only what is known', () => {
    expect(validateVideo('x', { ...vertical, width: 1920, height: 480 })[0]).toContain('1920×480');
    expect(validateVideo('linkedin-page', { ...vertical, width: 400, height: 1200 })).toHaveLength(1);
    expect(validateVideo('tiktok', { ...vertical, durationSeconds: 2 })[0]).toContain('at least 3 s');
    expect(validateVideo('x', { ...vertical, durationSeconds: 141 })[0]).toContain('at most 140 s');
    expect(validateVideo('x', { width: null, height: null, durationSeconds: null })).toEqual([]);
    expect(validateVideo('mastodon', { width: 4000, height: 100, durationSeconds: 99_999 })).toEqual([]);
  });
  it('knows which platforms take a first comment', () => {
    expect(['x', 'linkedin-page', 'instagram-standalone', 'bluesky'].every(supportsFirstComment)).toBe(true);
    expect(['tiktok', 'youtube', 'mastodon'].some(supportsFirstComment)).toBe(false);
  });
});
