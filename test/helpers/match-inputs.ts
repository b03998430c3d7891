/**
 * Inputs for the keyword matcher, made deterministically (seeded): the documented worst case of
 * `POST /segments/match-srt` and an ordinary large request. Used by the matcher's tests, the route
 * test and bench/match-srt.ts.
 */

/** A small seeded generator (LCG), so every run builds the same input. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const timestamp = (seconds: number) =>
  `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(Math.floor(seconds) % 60)},${pad(Math.round((seconds % 1) * 1000), 3)}`;

/** An SRT with one cue per text, two seconds apart. */
export function srtOf(texts: readonly string[]): string {
  return texts.map((text, i) => `${i + 1}\n${timestamp(i * 2)} --> ${timestamp(i * 2 + 1.5)}\n${text}\n`).join('\n');
}

/**
 * The attack: 50 keywords of ~100 characters (10 words) and an SRT of ~480 KB of long cues, every
 * word drawn from the same ten letters, so no cheap bound rules a window out and the plain matcher
 * computes a 100×100 similarity for nearly every keyword × window (about 90 s).
 */
export function worstCaseMatchInput(targetBytes = 480_000): { keywords: string[]; srt: string } {
  const random = seeded(14);
  const word = (length: number) => Array.from({ length }, () => 'abcdefghij'[Math.floor(random() * 10)]).join('');
  const keywords = Array.from({ length: 50 }, () => Array.from({ length: 10 }, () => word(9)).join(' '));
  const cues: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const text = Array.from({ length: 80 }, () => word(9)).join(' ');
    cues.push(text);
    bytes += text.length + 40;
  }
  return { keywords, srt: srtOf(cues) };
}

/**
 * An ordinary large request: `keywordCount` keywords (words of a 3000-word vocabulary, some with a
 * typo, some two-word phrases) against `cueCount` cues of natural-looking speech (word frequencies
 * falling off as in real text). 1800 cues is about an hour of subtitles.
 */
export function ordinaryMatchInput(keywordCount: number, cueCount: number): { keywords: string[]; srt: string } {
  const random = seeded(2026);
  const consonants = 'bcdfghklmnprstvzș';
  const vowels = 'aeiouăé';
  const syllable = () =>
    `${consonants[Math.floor(random() * consonants.length)]}${vowels[Math.floor(random() * vowels.length)]}`;
  const vocabulary = Array.from({ length: 3000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, syllable).join(''),
  );
  // Speech: Zipf-like, low indexes far more often. Keywords: any word of the vocabulary.
  const speak = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;
  const pick = () => vocabulary[Math.floor(vocabulary.length * random())]!;
  const typo = (w: string) => {
    const at = Math.floor(random() * w.length);
    return `${w.slice(0, at)}${'xyz'[Math.floor(random() * 3)]}${w.slice(at + 1)}`;
  };
  const keywords = Array.from({ length: keywordCount }, (_, i) =>
    i % 10 === 0 ? `${pick()} ${pick()}` : i % 5 === 0 ? typo(pick()) : pick(),
  );
  const cues = Array.from(
    { length: cueCount },
    () =>
      Array.from({ length: 6 + Math.floor(random() * 8) }, (_, j) => (j === 0 ? speak().toUpperCase() : speak())).join(
        ' ',
      ) + '.',
  );
  return { keywords, srt: srtOf(cues) };
}
