/** The smart-cut planner on packet layouts with known answers (no ffmpeg). */
import { describe, expect, it } from 'vitest';
import { criticalPiece } from '../../src/media/cut.ts';
import { measureFrameDuration, planSmartCut, type StagePacket } from '../../src/media/smart-cut.ts';

const F = 1 / 30;

/** x264-like decode order with 2 B-frames: I P B B P B B …, keyframe every `gop` frames, dts = sorted pts − 2 frames. */
function bframeStream(frames: number, gop: number): StagePacket[] {
  const order: number[] = [];
  for (let g = 0; g < frames; g += gop) {
    const end = Math.min(frames, g + gop);
    order.push(g);
    for (let anchor = g + 3; anchor < end + 2; anchor += 3) {
      const p = Math.min(anchor, end - 1);
      if (!order.includes(p)) order.push(p);
      for (let b = p - 2; b < p; b++) if (b > g && !order.includes(b)) order.push(b);
    }
  }
  return order.map((n, i) => ({ pts: n * F, dts: (i - 2) * F, keyframe: n % gop === 0 }));
}

const intraOnly = (frames: number, gop: number): StagePacket[] =>
  Array.from({ length: frames }, (_, n) => ({ pts: n * F, dts: n * F, keyframe: n % gop === 0 }));

describe('planSmartCut', () => {
  it('measures the frame duration from the packets', () => {
    expect(measureFrameDuration(bframeStream(90, 30))).toBeCloseTo(F, 9);
  });

  it('re-encodes the head up to the next keyframe and copies the rest (no B-frames)', () => {
    const outcome = planSmartCut(intraOnly(120, 30), 10 * F, 100 * F);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.plan.pieces.map((p) => [p.kind, Math.round(p.start / F), Math.round(p.end / F), p.frames])).toEqual([
      ['encode', 10, 30, 20],
      ['copy', 30, 100, 70],
    ]);
    expect(outcome.plan.totalFrames).toBe(90);
    expect(outcome.plan.reorderDelay).toBe(0);
  });

  it('with B-frames, re-encodes the last frames that copying cannot end exactly on', () => {
    const packets = bframeStream(120, 30);
    const outcome = planSmartCut(packets, 10 * F, 50 * F);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const pieces = outcome.plan.pieces.map((p) => [p.kind, Math.round(p.start / F), Math.round(p.end / F), p.frames]);
    expect(pieces[0]).toEqual(['encode', 10, 30, 20]);
    expect(pieces[1]![0]).toBe('copy');
    expect(pieces[1]![1]).toBe(30);
    const copyEnd = pieces[1]![2] as number;
    expect(copyEnd).toBeLessThanOrEqual(50);
    expect(copyEnd).toBeGreaterThanOrEqual(47);
    if (copyEnd < 50) expect(pieces[2]).toEqual(['encode', copyEnd, 50, 50 - copyEnd]);
    expect(outcome.plan.totalFrames).toBe(40);
    expect(outcome.plan.reorderDelay).toBeCloseTo(2 * F, 9);
    // The copied piece stops between the last copied packet's decode time and the next one's.
    const copied = packets.slice(30, 30 + (pieces[1]![3] as number));
    const next = packets[30 + (pieces[1]![3] as number)]!;
    expect(outcome.plan.copyOutpointDts).toBeGreaterThan(copied.at(-1)!.dts);
    expect(outcome.plan.copyOutpointDts).toBeLessThan(next.dts);
    // Every frame shown in the copied piece is decodable from the copied packets alone.
    expect(new Set(copied.map((p) => Math.round(p.pts / F)))).toEqual(
      new Set(Array.from({ length: copyEnd - 30 }, (_, i) => 30 + i)),
    );
  });

  it('starting on a keyframe needs no head', () => {
    const outcome = planSmartCut(intraOnly(90, 30), 30 * F, 60 * F);
    expect(outcome.ok && outcome.plan.pieces.map((p) => p.kind)).toEqual(['copy']);
  });

  it('a cut inside one GOP is one encoded piece', () => {
    const outcome = planSmartCut(bframeStream(90, 30), 32 * F, 40 * F);
    expect(outcome.ok && outcome.plan.pieces.map((p) => [p.kind, p.frames])).toEqual([['encode', 8]]);
  });

  it('refuses an open GOP at the cut keyframe', () => {
    const packets = intraOnly(90, 30);
    // A frame shown before the keyframe at 30 but decoded after it (a leading picture).
    packets.splice(31, 0, { pts: 29.5 * F, dts: 30.5 * F, keyframe: false });
    const outcome = planSmartCut(packets, 10 * F, 60 * F);
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('open GOP') });
  });
});

describe('criticalPiece: the re-encode the cut waits for', () => {
  const plan = (packets: StagePacket[], start: number, end: number) => {
    const outcome = planSmartCut(packets, start * F, end * F);
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.plan;
  };

  it('is the head when it has most frames to decode and encode', () => {
    const packets = bframeStream(120, 30);
    const p = plan(packets, 40, 80);
    expect(p.pieces.map((piece) => piece.kind)).toEqual(['encode', 'copy', 'encode']);
    // Head: decode from 30, encode 20 frames; end: decode from 60, encode a frame or two.
    expect(criticalPiece(packets, p)).toBe(0);
  });

  it('is the end piece when that one has more to decode and encode', () => {
    // A head of one frame (decoded from 0) and an end of 19 frames decoded from 90.
    const packets = intraOnly(120, 30);
    const pieces = [
      { kind: 'encode' as const, start: 29 * F, end: 30 * F, frames: 1 },
      { kind: 'copy' as const, start: 30 * F, end: 100 * F, frames: 70 },
      { kind: 'encode' as const, start: 100 * F, end: 119 * F, frames: 19 },
    ];
    expect(criticalPiece(packets, { ...plan(packets, 29, 119), pieces })).toBe(2);
  });

  it('is none with a single re-encoded piece (nothing to yield to)', () => {
    const packets = intraOnly(120, 30);
    expect(criticalPiece(packets, plan(packets, 10, 100))).toBeNull();
  });
});
