/**
 * Font families the processor image can burn subtitles with (container/Dockerfile installs DejaVu
 * and Liberation; fontconfig maps Arial, Helvetica, Times and Courier onto Liberation). A brand kit's
 * default subtitle font must be one of them, so a kit never relies on a silent fallback.
 */
export const PROCESSOR_FONT_FAMILIES = [
  'DejaVu Sans',
  'DejaVu Serif',
  'DejaVu Sans Mono',
  'Liberation Sans',
  'Liberation Serif',
  'Liberation Mono',
  'Arial',
  'Helvetica',
  'Times New Roman',
  'Courier New',
] as const;

/** The family as the processor knows it (case-insensitive match), or null. */
export function processorFontFamily(family: string): string | null {
  const wanted = family.trim().toLowerCase();
  return PROCESSOR_FONT_FAMILIES.find((f) => f.toLowerCase() === wanted) ?? null;
}
