/**
 * SRT, read and written one way by the Worker (subtitles users send, captions we make) and by the
 * processor (burn-in), so a file one side accepts the other reads the same.
 *
 * Reading survives real files: CRLF or LF, a BOM, `,` or `.` before the milliseconds, cue numbers
 * optional (anything before the timing line is ignored), hours optional, settings after the end
 * time, extra blank lines. It never throws: every block comes back, in file order, as a cue or as
 * the reason it is not one, so each side decides what a bad block means (the Worker lists it as a
 * problem and keeps the rest; the processor refuses the request).
 */
export interface SrtCue {
  /** Seconds. */
  start: number;
  end: number;
  /** The cue's text lines, each trimmed, joined with `\n`. */
  text: string;
}

export type SrtProblemKind =
  /** No line with `-->` in the block. */
  | 'no_timing'
  /** `value` (one side of the timing line) is not `[HH:]MM:SS,mmm`. */
  | 'malformed_timing'
  /** Minutes or seconds of 60 or more. */
  | 'out_of_range'
  | 'end_not_after_start'
  /** A timing line and nothing after it. */
  | 'no_text';

interface BlockPlace {
  /** 1-based count of non-blank blocks. */
  block: number;
  /** 1-based line of the problem: the timing line, or the block's first line when there is none. */
  line: number;
}

export type SrtBlock =
  | (BlockPlace & { ok: true; cue: SrtCue })
  | (BlockPlace & { ok: false; problem: SrtProblemKind; timing?: string; value?: string });

const TIME = /^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})$/;

type Time = { seconds: number; inRange: boolean };

function readTime(text: string): Time | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const [, h, min, s, ms] = m;
  return {
    // Whole milliseconds, divided once: `1.281` reads as the double `1.281`, not `1 + 0.281`.
    seconds: (Number(h ?? 0) * 3_600_000 + Number(min) * 60_000 + Number(s) * 1000 + Number(ms!.padEnd(3, '0'))) / 1000,
    inRange: Number(min) < 60 && Number(s) < 60,
  };
}

export function parseSrtBlocks(content: string): SrtBlock[] {
  const lines = content
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const blocks: SrtBlock[] = [];
  let block = 0;
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (i >= lines.length) break;
    block++;
    const startLine = i;
    const blockLines: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') blockLines.push(lines[i++]!);

    const timingAt = blockLines.findIndex((l) => l.includes('-->'));
    if (timingAt === -1) {
      blocks.push({ block, line: startLine + 1, ok: false, problem: 'no_timing' });
      continue;
    }
    const line = startLine + timingAt + 1;
    const timing = blockLines[timingAt]!;
    const arrow = timing.indexOf('-->');
    const fromText = timing.slice(0, arrow).trim();
    // Cue settings may follow the end time (`00:00:02,000 X1:40 …`).
    const toText = timing
      .slice(arrow + 3)
      .trim()
      .split(/\s+/)[0]!;
    const from = readTime(fromText);
    const to = readTime(toText);
    if (!from || !to) {
      blocks.push({ block, line, ok: false, problem: 'malformed_timing', timing, value: from ? toText : fromText });
      continue;
    }
    if (!from.inRange || !to.inRange) {
      blocks.push({ block, line, ok: false, problem: 'out_of_range', timing });
      continue;
    }
    if (to.seconds <= from.seconds) {
      blocks.push({ block, line, ok: false, problem: 'end_not_after_start', timing });
      continue;
    }
    const text = blockLines
      .slice(timingAt + 1)
      .map((l) => l.trim())
      .join('\n');
    if (!text) {
      blocks.push({ block, line, ok: false, problem: 'no_text', timing });
      continue;
    }
    blocks.push({ block, line, ok: true, cue: { start: from.seconds, end: to.seconds, text } });
  }
  return blocks;
}

/** `HH:MM:SS,mmm` (hours may exceed 99; negative times clamp to zero). */
export function formatSrtTimestamp(seconds: number): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const totalSeconds = Math.floor(totalMs / 1000);
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(ms, 3)}`;
}

/** Cues as a canonical SRT: numbered from 1, LF line ends, `,` before the milliseconds. */
export function formatSrt(cues: readonly SrtCue[]): string {
  return cues
    .map((c, i) => `${i + 1}\n${formatSrtTimestamp(c.start)} --> ${formatSrtTimestamp(c.end)}\n${c.text}\n`)
    .join('\n');
}
