/**
 * SRT in and out. Incoming SRT (render's burn-in) is parsed strictly and re-serialised by us, so
 * what reaches libass is only cue times and plain text: markup tags, ASS override blocks `{\…}`
 * and backslash escapes are removed, control characters dropped, sizes bounded.
 */
import { invalidRequest } from '../errors.ts';

export interface SrtCue {
  start: number;
  end: number;
  text: string;
}

export const MAX_CUES = 5000;
export const MAX_CUE_CHARS = 500;
const MAX_LINES_PER_CUE = 4;
const MAX_SECONDS = 24 * 3600;

const TIME = /^(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})$/;

function parseTime(value: string, where: string): number {
  const match = TIME.exec(value.trim());
  if (!match) throw invalidRequest(`${where}: "${value.trim().slice(0, 40)}" is not an SRT time (HH:MM:SS,mmm)`);
  const [, h, m, s, frac] = match;
  if (Number(m) > 59 || Number(s) > 59) throw invalidRequest(`${where}: minutes and seconds must be below 60`);
  return (Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number((frac ?? '0').padEnd(3, '0'))) / 1000;
}

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
  const blocks = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/);
  const cues: SrtCue[] = [];
  for (const [i, block] of blocks.entries()) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    if (/^\d+$/.test(lines[0]!.trim())) lines.shift();
    const timing = lines.shift();
    const where = `${field}: cue ${i + 1}`;
    if (!timing || !timing.includes('-->')) throw invalidRequest(`${where}: missing "start --> end" line`);
    const [from, to] = timing.split('-->');
    const start = parseTime(from ?? '', where);
    const end = parseTime((to ?? '').trim().split(/\s+/)[0] ?? '', where);
    if (end <= start) throw invalidRequest(`${where}: ends before it starts`);
    if (end > MAX_SECONDS) throw invalidRequest(`${where}: time beyond 24 h`);
    const text = plainCueText(lines.join('\n'));
    if (text.length > MAX_CUE_CHARS) throw invalidRequest(`${where}: more than ${MAX_CUE_CHARS} characters`);
    if (text) cues.push({ start, end, text });
    if (cues.length > MAX_CUES) throw invalidRequest(`${field}: more than ${MAX_CUES} cues`);
  }
  return cues;
}

function formatTime(seconds: number): string {
  const total = Math.max(0, Math.round(seconds * 1000));
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60000) % 60;
  const h = Math.floor(total / 3600000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(ms, 3)}`;
}

export function formatSrt(cues: readonly SrtCue[]): string {
  return cues.map((cue, i) => `${i + 1}\n${formatTime(cue.start)} --> ${formatTime(cue.end)}\n${cue.text}\n`).join('\n');
}
