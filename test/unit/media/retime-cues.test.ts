import { describe, expect, it } from 'vitest';
import { retimeCues } from '../../../src/voiceover/synthesize.ts';

describe('retimeCues (captions after silence removal)', () => {
  it('shifts cues by the silence cut before them', () => {
    // 0–1 s speech, 1–2 s silence (cut), 2–3 s speech.
    const kept = [
      { start: 0, end: 1 },
      { start: 2, end: 3 },
    ];
    const cues = retimeCues(
      [
        { start: 0.1, end: 0.9, text: 'first' },
        { start: 2.2, end: 2.8, text: 'second' },
      ],
      kept,
    );
    expect(cues).toEqual([
      { start: 0.1, end: 0.9, text: 'first' },
      { start: 1.2, end: 1.8, text: 'second' },
    ]);
  });

  it('snaps times inside a cut to the next kept span and drops cues wholly inside a cut', () => {
    const kept = [
      { start: 0, end: 1 },
      { start: 3, end: 4 },
    ];
    const cues = retimeCues(
      [
        { start: 0.5, end: 3.5, text: 'spans the cut' },
        { start: 1.2, end: 2.5, text: 'silence only' },
        { start: 3.9, end: 5, text: 'runs past the end' },
      ],
      kept,
    );
    expect(cues).toEqual([
      { start: 0.5, end: 1.5, text: 'spans the cut' },
      { start: 1.9, end: 2, text: 'runs past the end' },
    ]);
  });

  it('keeps cue order and total length within the kept duration', () => {
    const kept = [
      { start: 0.2, end: 1.4 },
      { start: 1.9, end: 2.6 },
      { start: 3.3, end: 5.0 },
    ];
    const total = kept.reduce((n, s) => n + s.end - s.start, 0);
    const cues = retimeCues(
      Array.from({ length: 10 }, (_, i) => ({ start: i * 0.5, end: i * 0.5 + 0.45, text: `w${i}` })),
      kept,
    );
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.end - 1e-9);
    expect(cues.at(-1)!.end).toBeLessThanOrEqual(total + 1e-9);
  });
});
