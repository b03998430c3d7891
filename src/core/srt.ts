/**
 * The Worker's reading of SRT (shared/srt.ts does the parsing, for the processor too): a broken
 * block is reported with its position and reason and the rest still parses (docs/compatibility.md#srt-matching silently
 * lost blocks; we say which and why). Cue text is one line, as keyword matching wants it.
 */
import { type SrtProblemKind, parseSrtBlocks } from '../../shared/srt.ts';

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

const REASONS: Record<Exclude<SrtProblemKind, 'malformed_timing'>, string> = {
  no_timing: 'no "start --> end" timing line',
  out_of_range: 'minutes and seconds must be below 60',
  end_not_after_start: 'end time is not after start time',
  no_text: 'cue has no text',
};

export function parseSrt(content: string): ParsedSrt {
  const cues: SrtCue[] = [];
  const problems: SrtProblem[] = [];
  for (const b of parseSrtBlocks(content)) {
    if (b.ok) {
      cues.push({ index: cues.length + 1, start: b.cue.start, end: b.cue.end, text: b.cue.text.replace(/\n/g, ' ') });
    } else {
      const reason =
        b.problem === 'malformed_timing' ? `malformed timing "${b.timing!.trim().slice(0, 60)}"` : REASONS[b.problem];
      problems.push({ block: b.block, line: b.line, reason });
    }
  }
  return { cues, problems };
}
