import { describe, expect, it } from 'vitest';
import { MAX_STORYBOARD_TILES } from '../../shared/processor/operations.ts';
import {
  type ReadyVideo,
  posterFrame,
  previewFrame,
  seekTimeOf,
  storyboardPlan,
  storyboardVtt,
  vttTimestamp,
} from '../../src/source-videos/posters.ts';

const video = (duration: number, o: Partial<ReadyVideo> = {}): ReadyVideo => ({
  id: 'vid_x',
  duration,
  fps: 30,
  width: 1920,
  height: 1080,
  ...o,
});

describe('storyboardPlan', () => {
  it('covers the whole duration with back-to-back tiles inside the sprite, at most the tile cap', () => {
    for (const duration of [0.2, 1, 2.5, 30, 99.9, 100, 101, 600, 3599, 4 * 3600]) {
      const plan = storyboardPlan(video(duration));
      expect(plan.tiles.length).toBeGreaterThan(0);
      expect(plan.tiles.length).toBeLessThanOrEqual(MAX_STORYBOARD_TILES);
      expect(plan.tiles[0]!.start).toBe(0);
      expect(plan.tiles.at(-1)!.end).toBe(duration);
      for (const [i, tile] of plan.tiles.entries()) {
        if (i > 0) expect(tile.start).toBe(plan.tiles[i - 1]!.end);
        expect(tile.start).toBe(i * plan.interval);
        // Every tile starts where a frame is shown.
        expect(tile.start).toBeLessThan(duration);
        expect(tile.x + plan.tileWidth).toBeLessThanOrEqual(plan.width);
        expect(tile.y + plan.tileHeight).toBeLessThanOrEqual(plan.height);
      }
      expect(plan.rows).toBe(Math.ceil(plan.tiles.length / plan.columns));
    }
  });

  it('keeps one tile per second up to 100 s, then widens the interval', () => {
    expect(storyboardPlan(video(100)).interval).toBe(1);
    expect(storyboardPlan(video(100)).tiles).toHaveLength(100);
    expect(storyboardPlan(video(250)).interval).toBe(3);
    expect(storyboardPlan(video(250)).tiles).toHaveLength(84);
    // Tiles 5 s apart or more (over 400 s) are keyframes: no full decode on the first request.
    expect(storyboardPlan(video(400)).keyframesOnly).toBe(false);
    expect(storyboardPlan(video(401)).keyframesOnly).toBe(true);
  });

  it('keeps the display aspect ratio, even-sized, for portrait and landscape', () => {
    expect(storyboardPlan(video(10))).toMatchObject({ tileWidth: 160, tileHeight: 90, columns: 10, rows: 1 });
    expect(storyboardPlan(video(10, { width: 1080, height: 1920 }))).toMatchObject({ tileHeight: 284 });
    expect(storyboardPlan(video(10, { width: 100, height: 10_000 })).tileHeight).toBe(640);
  });

  it('writes WebVTT cues with media fragments', () => {
    const plan = storyboardPlan(video(12.5));
    const vtt = storyboardVtt(plan, 'https://x/media/t');
    expect(vtt.startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhttps://x/media/t#xywh=0,0,160,90\n')).toBe(true);
    expect(vtt).toContain('00:00:12.000 --> 00:00:12.500\nhttps://x/media/t#xywh=320,90,160,90\n');
    expect(vttTimestamp(3723.4567)).toBe('01:02:03.457');
  });
});

describe('posterFrame', () => {
  it('is the frame shown at the time, cached per frame and width', () => {
    const v = video(3, { fps: 30 });
    expect(posterFrame(v, 0, 640)).toMatchObject({ frame: 0, time: 0, name: 'f0-w640.jpg' });
    // 0.1 s at 30 fps is frame 3 exactly (3 / 30), despite float noise.
    expect(posterFrame(v, 0.1, 640).frame).toBe(3);
    expect(posterFrame(v, 0.133, 160)).toMatchObject({ frame: 3, name: 'f3-w160.jpg' });
    expect(posterFrame(v, 3, 640).frame).toBe(89);
  });

  it('seeks half a frame early, never past the frame', () => {
    const v = video(3, { fps: 30 });
    for (let frame = 0; frame < 90; frame++) {
      const seek = Number(seekTimeOf(v, frame).toFixed(3));
      expect(seek).toBeLessThanOrEqual(frame / 30);
      if (frame > 0) expect(seek).toBeGreaterThan((frame - 1) / 30);
    }
  });

  it('refuses a time past the end with a field error', () => {
    expect(() => posterFrame(video(3), 3.01, 640)).toThrow(
      expect.objectContaining({ status: 400, code: 'validation_failed' }),
    );
    expect(() => posterFrame(video(3), Number.NaN, 640)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('previewFrame', () => {
  it('starts at a frame, lasts at most 3 s and stops at the end', () => {
    const v = video(10, { fps: 10 });
    expect(previewFrame(v, 1.04)).toMatchObject({ frame: 10, time: 1, duration: 3, name: 'preview-f10-w320.gif' });
    expect(previewFrame(v, 8.5).duration).toBeCloseTo(1.5, 6);
    expect(() => previewFrame(v, 10.5)).toThrow(
      expect.objectContaining({ status: 400, details: [expect.objectContaining({ path: 'start' })] }),
    );
  });
});
