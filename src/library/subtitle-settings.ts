/**
 * Subtitle styling, validated. The original interpolated these values unescaped into FFmpeg's
 * `force_style` (docs/compatibility.md#w11); here every field is typed and bounded, font names are a safe character set
 * and colours are strict `#RRGGBB`, so the processor can build the style from known-good values only.
 * Keys stay camelCase, as the original frontend sends them.
 */
import { z } from '@hono/zod-openapi';
import type { SubtitleStyle } from '../processor/contract.ts';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #FFFFFF');

/** Accepts CSS-like stacks ("Montserrat, sans-serif", "var(--font-x), Arial") and keeps the first real family. */
const fontFamily = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const family = value
      .split(',')
      .map((f) => f.trim().replace(/^['"]|['"]$/g, ''))
      .find((f) => f && !f.startsWith('var('));
    if (!family || !/^[A-Za-z0-9 -]{1,64}$/.test(family)) {
      ctx.addIssue({ code: 'custom', message: 'must be a font family name (letters, digits, spaces, hyphens)' });
      return z.NEVER;
    }
    return family;
  });

export const SubtitleSettingsSchema = z
  .object({
    fontSize: z.number().int().min(16).max(200).optional(),
    fontFamily: fontFamily.optional(),
    textColor: colour.optional(),
    outlineColor: colour.optional(),
    outlineWidth: z.number().min(0).max(10).optional(),
    positionY: z.number().min(0).max(100).optional(),
    bold: z.boolean().optional(),
  })
  .strict()
  .openapi('SubtitleSettings');
export type SubtitleSettingsInput = z.infer<typeof SubtitleSettingsSchema>;

export const DEFAULT_SUBTITLE_STYLE: SubtitleStyle = {
  font_family: 'DejaVu Sans',
  font_size: 48,
  text_color: '#FFFFFF',
  outline_color: '#000000',
  outline_width: 3,
  position_y: 85,
  bold: true,
};

/** The one styling path: stored settings → the processor's whitelisted style. */
export function toSubtitleStyle(settings: SubtitleSettingsInput | null | undefined): SubtitleStyle {
  const s = settings ?? {};
  return {
    font_family: s.fontFamily ?? DEFAULT_SUBTITLE_STYLE.font_family,
    font_size: s.fontSize ?? DEFAULT_SUBTITLE_STYLE.font_size,
    text_color: (s.textColor ?? DEFAULT_SUBTITLE_STYLE.text_color).toUpperCase(),
    outline_color: (s.outlineColor ?? DEFAULT_SUBTITLE_STYLE.outline_color).toUpperCase(),
    outline_width: s.outlineWidth ?? DEFAULT_SUBTITLE_STYLE.outline_width,
    position_y: s.positionY ?? DEFAULT_SUBTITLE_STYLE.position_y,
    bold: s.bold ?? DEFAULT_SUBTITLE_STYLE.bold,
  };
}
