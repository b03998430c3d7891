/**
 * The subtitles filter's `force_style`, built only from the whitelisted `SubtitleStyle` fields,
 * each validated (the contract's schema, then `plainFontFamily`), so nothing a user types becomes
 * a raw libass override or an ffmpeg option.
 * PlayResX/PlayResY are the output size, so font size and margins are output pixels (the original's
 * library render left libass at its 384×288 default and styled inconsistently, docs/compatibility.md#subtitle-styling).
 */
import type { SubtitleStyle } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';

const FAMILY = /^[A-Za-z0-9 ._-]{1,64}$/;

/** First real family of a CSS font stack ("var(--x), 'Inter', sans-serif" → "Inter"). */
export function firstFontFamily(stack: string): string {
  for (const part of stack.split(',')) {
    const name = part
      .trim()
      .replace(/^["']|["']$/g, '')
      .trim();
    if (name && !name.startsWith('var(')) return name;
  }
  return 'DejaVu Sans';
}

/** The style with its font stack (as the schema checked it) reduced to one plain family name. */
export function plainFontFamily(style: SubtitleStyle, path: string): SubtitleStyle {
  const family = firstFontFamily(style.font_family);
  if (!FAMILY.test(family))
    throw new ProcessorFailure(
      'invalid_request',
      `${path}.font_family: "${family.slice(0, 40)}" is not a plain font family name`,
    );
  return { ...style, font_family: family };
}

/** #RRGGBB → ASS &HAABBGGRR (opaque). */
export function assColour(hex: string): string {
  const rr = hex.slice(1, 3);
  const gg = hex.slice(3, 5);
  const bb = hex.slice(5, 7);
  return `&H00${bb}${gg}${rr}`.toUpperCase();
}

/** The force_style value for an output of width × height (comma-separated ASS style fields). */
export function forceStyle(style: SubtitleStyle, width: number, height: number): string {
  const top = style.position_y <= 20;
  const marginV = Math.max(
    Math.round(height * 0.02),
    Math.round(((top ? style.position_y : 100 - style.position_y) / 100) * height),
  );
  return [
    `PlayResX=${width}`,
    `PlayResY=${height}`,
    `FontName=${style.font_family}`,
    `FontSize=${Math.round(style.font_size)}`,
    `PrimaryColour=${assColour(style.text_color)}`,
    `OutlineColour=${assColour(style.outline_color)}`,
    'BackColour=&H80000000',
    'BorderStyle=1',
    `Outline=${Math.round(style.outline_width * 10) / 10}`,
    'Shadow=1',
    `Bold=${style.bold ? -1 : 0}`,
    `Alignment=${top ? 8 : 2}`,
    `MarginV=${marginV}`,
  ].join(',');
}
