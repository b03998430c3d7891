/**
 * A brand kit's logo (routes/profiles/brand-kit.ts): a PNG, or an SVG the processor rasterises at
 * the size each render draws it. The format is the stored key's extension (storageKeys.brandLogo),
 * so the kit row needs no column of its own for it.
 */
import type { BrandKitRow } from '../db/repos/brand-kits.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';

export type LogoFormat = 'png' | 'svg';

export const LOGO_CONTENT_TYPES = { png: 'image/png', svg: 'image/svg+xml' } as const satisfies Record<
  LogoFormat,
  string
>;

/** The kit's logo format, or null when it has no logo. */
export function logoFormat(kit: Pick<BrandKitRow, 'logoKey'>): LogoFormat | null {
  if (!kit.logoKey) return null;
  return kit.logoKey.endsWith('.svg') ? 'svg' : 'png';
}

/** What a signed URL of the logo names (PNG targets stay as they were before SVG logos). */
export function brandLogoTarget(format: LogoFormat): MediaTarget {
  return format === 'svg' ? { kind: 'brand_logo', format: 'svg' } : { kind: 'brand_logo' };
}
