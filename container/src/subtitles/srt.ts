/**
 * The processor's reading of SRT (shared/srt.ts does the parsing, for the Worker too). Incoming
 * SRT (render's burn-in) is refused at its first broken block, and re-serialised by us
 * (`formatSrt`), so what reaches libass is only cue times and plain text: markup tags, ASS override
 * blocks `{\…}` and backslash escapes are removed, control characters dropped, sizes bounded.
 */
import { type SrtCue, parseSrtBlocks } from '../../../shared/srt.ts';
import { invalidRequest } from '../errors.ts';

export const MAX_CUES = 5000;
export const MAX_CUE_CHARS = 500;
const MAX_LINES_PER_CUE = 4;
const MAX_SECONDS = 24 * 3600;

/** Plain text of a cue: no tags, no override blocks, no escapes, no control characters. */
export function plainCueText(text: string): string {
  return text
    .replace(/\{[^}]*\}/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/[{}]/g, '')
    .replace(/\\/g, '／')
    .replace(/[\u0000-\u0009\u000B-\u001F\u007F]/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, MAX_LINES_PER_CUE)
    .join('\n');
}

export function parseSrt(source: string, field = 'srt'): SrtCue[] {
  const cues: SrtCue[] = [];
  for (const b of parseSrtBlocks(source)) {
    const where = `${field}: cue ${b.block}`;
    if (!b.ok) {
      switch (b.problem) {
        case 'no_timing':
          throw invalidRequest(`${where}: missing "start --> end" line`);
        case 'malformed_timing':
          throw invalidRequest(`${where}: "${b.value!.slice(0, 40)}" is not an SRT time (HH:MM:SS,mmm)`);
        case 'out_of_range':
          throw invalidRequest(`${where}: minutes and seconds must be below 60`);
        case 'end_not_after_start':
          throw invalidRequest(`${where}: ends before it starts`);
        case 'no_text':
          continue; // nothing to show
      }
    }
    const { start, end } = b.cue;
    if (end > MAX_SECONDS) throw invalidRequest(`${where}: time beyond 24 h`);
    const text = plainCueText(b.cue.text);
    if (text.length > MAX_CUE_CHARS) throw invalidRequest(`${where}: more than ${MAX_CUE_CHARS} characters`);
    if (text) cues.push({ start, end, text });
    if (cues.length > MAX_CUES) throw invalidRequest(`${field}: more than ${MAX_CUES} cues`);
  }
  return cues;
}
