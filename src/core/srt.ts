/**
 * SRT parsing that survives real files: CRLF or LF, `,` or `.` before the milliseconds, optional or
 * missing cue numbers, hours optional, extra blank lines. A broken block is reported with its
 * position and reason and the rest still parses (original §5.3 stopped at nothing but silently lost
 * blocks; we say which and why).
 */
export interface SrtCue {
  index: number;
  start: number;
  end: number;
  text: string;
}

export interface SrtProblem {
  block: number;
  line: number;
  reason: string;
}

export interface ParsedSrt {
  cues: SrtCue[];
  problems: SrtProblem[];
}

const TIME = String.raw`(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})`;
const TIMING = new RegExp(`^\\s*${TIME}\\s*-->\\s*${TIME}(?:\\s+.*)?$`);

function seconds(h: string | undefined, m: string, s: string, ms: string): number {
  return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + Number(ms.padEnd(3, '0')) / 1000;
}

export function parseSrt(content: string): ParsedSrt {
  const lines = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const cues: SrtCue[] = [];
  const problems: SrtProblem[] = [];
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
      problems.push({ block, line: startLine + 1, reason: 'no "start --> end" timing line' });
      continue;
    }
    const m = TIMING.exec(blockLines[timingAt]!);
    if (!m) {
      problems.push({ block, line: startLine + timingAt + 1, reason: `malformed timing "${blockLines[timingAt]!.trim().slice(0, 60)}"` });
      continue;
    }
    const start = seconds(m[1], m[2]!, m[3]!, m[4]!);
    const end = seconds(m[5], m[6]!, m[7]!, m[8]!);
    if (Number(m[3]) >= 60 || Number(m[7]) >= 60 || Number(m[2]) >= 60 || Number(m[6]) >= 60) {
      problems.push({ block, line: startLine + timingAt + 1, reason: 'minutes and seconds must be below 60' });
      continue;
    }
    if (end <= start) {
      problems.push({ block, line: startLine + timingAt + 1, reason: 'end time is not after start time' });
      continue;
    }
    const text = blockLines
      .slice(timingAt + 1)
      .map((l) => l.trim())
      .join(' ')
      .trim();
    if (!text) {
      problems.push({ block, line: startLine + timingAt + 1, reason: 'cue has no text' });
      continue;
    }
    cues.push({ index: cues.length + 1, start, end, text });
  }
  return { cues, problems };
}

function stamp(t: number): string {
  const ms = Math.max(0, Math.round(t * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(ms % 1000, 3)}`;
}

/** Serialises cues as a canonical SRT (renumbered, LF, `,` millis). */
export function formatSrt(cues: Pick<SrtCue, 'start' | 'end' | 'text'>[]): string {
  return cues.map((c, i) => `${i + 1}\n${stamp(c.start)} --> ${stamp(c.end)}\n${c.text}\n`).join('\n');
}
