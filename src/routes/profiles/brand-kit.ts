/**
 * /api/v1/profiles/{profile_id}/brand-kit (docs/api.md#brand-kits): the logo a render overlays (where,
 * how opaque, how large relative to the output width) and the default subtitle style. Renders of the
 * profile's clips apply it in the same encode (src/job-handlers/render-clip.ts), with the intro and
 * outro (a clip or source video of the profile) joined around the clip; a profile without a kit
 * renders exactly as before. The logo is a PNG or an SVG; an SVG must pass shared/svg.ts (a static
 * picture that references nothing outside itself) here and again in the processor, which rasterises
 * it at the size each render draws it (container/src/ops/render.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { peek } from '../../core/streams.ts';
import { createDb } from '../../db/client.ts';
import {
  type BrandKitRow,
  deleteBrandKit,
  getBrandKit,
  saveBrandKitSettings,
  setBrandLogo,
} from '../../db/repos/brand-kits.ts';
import { logoPositions } from '../../db/schema.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../db/scope.ts';
import { SubtitleSettingsSchema } from '../../library/subtitle-settings.ts';
import { bookendTarget } from '../../library/brand-bookends.ts';
import { brandLogoTarget, LOGO_CONTENT_TYPES, type LogoFormat, logoFormat } from '../../library/brand-logo.ts';
import type { Bindings } from '../../core/env.ts';
import type { UserContext } from '../../http/context.ts';
import {
  errorResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  security,
  tooLargeResponse,
} from '../../http/openapi.ts';
import { ownedProfile } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createUserRouter, plainRoute } from '../../http/router.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';
import { storageKeys } from '../../storage/keys.ts';
import { THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import { MAX_LOGO_BYTES, MAX_LOGO_SIDE, MAX_SVG_LOGO_BYTES } from '../../../shared/processor/operations.ts';
import { pngDimensions } from '../../../shared/png.ts';
import { checkSvgLogo, MAX_EMBEDDED_SIDE } from '../../../shared/svg.ts';
import { PROCESSOR_FONT_FAMILIES, processorFontFamily } from '../../../shared/processor/fonts.ts';
import { tags } from './presenter.ts';

const ProfileIdParam = idParam('profile_id', 'profile');

const bookendId = (what: string) =>
  z
    .string()
    .max(64)
    .nullable()
    .default(null)
    .openapi({
      description: `A clip (with its video) or a ready source video of this profile, ${what}; null = none`,
    });

const BrandKitSettings = z
  .object({
    logo_position: z.enum(logoPositions).default('bottom-right').openapi({ description: 'Corner of the logo' }),
    logo_opacity: z.number().min(0).max(1).default(1).openapi({ description: '0 (invisible) – 1 (as drawn)' }),
    logo_margin: z
      .number()
      .min(0)
      .max(0.25)
      .default(0.03)
      .openapi({ description: 'Distance from the two nearest edges, as a fraction of the output width' }),
    logo_scale: z
      .number()
      .min(0.02)
      .max(1)
      .default(0.15)
      .openapi({ description: 'Logo width as a fraction of the output width (height keeps the aspect ratio)' }),
    subtitle_settings: SubtitleSettingsSchema.nullable()
      .default(null)
      .superRefine((settings, ctx) => {
        if (settings?.fontFamily !== undefined && !processorFontFamily(settings.fontFamily)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fontFamily'],
            message: `must be a font the renderer has: ${PROCESSOR_FONT_FAMILIES.join(', ')}`,
          });
        }
      })
      .openapi({
        description: `Default subtitle style for renders; a clip's own settings win field by field. \`fontFamily\` must be one the renderer has: ${PROCESSOR_FONT_FAMILIES.join(', ')}.`,
      }),
    intro_id: bookendId('joined before every render'),
    outro_id: bookendId('joined after every render'),
  })
  .strict()
  .openapi('BrandKitSettings');

const BrandKitResponse = z
  .object({
    profile_id: z.string(),
    logo: z
      .object({
        url: z.string().openapi({ description: 'Signed, short-lived URL of the PNG or SVG' }),
        content_type: z.enum(['image/png', 'image/svg+xml']),
        width: z.number().openapi({ description: "Pixels (an SVG's intrinsic size, rounded)" }),
        height: z.number(),
        size_bytes: z.number(),
      })
      .nullable(),
    logo_position: z.enum(logoPositions),
    logo_opacity: z.number(),
    logo_margin: z.number(),
    logo_scale: z.number(),
    subtitle_settings: SubtitleSettingsSchema.nullable(),
    intro_id: z.string().nullable(),
    outro_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('BrandKit');
type BrandKitResponse = z.infer<typeof BrandKitResponse>;

async function present(env: Bindings, scope: ProfileScope, kit: BrandKitRow): Promise<BrandKitResponse> {
  const format = logoFormat(kit);
  const logo =
    format && kit.logoWidth && kit.logoHeight && kit.logoBytes
      ? {
          url: (await signedMediaUrl(env, scope, brandLogoTarget(format), { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS }))
            .url,
          content_type: LOGO_CONTENT_TYPES[format],
          width: kit.logoWidth,
          height: kit.logoHeight,
          size_bytes: kit.logoBytes,
        }
      : null;
  return {
    profile_id: kit.profileId,
    logo,
    logo_position: kit.logoPosition,
    logo_opacity: kit.logoOpacity,
    logo_margin: kit.logoMargin,
    logo_scale: kit.logoScale,
    subtitle_settings: (kit.subtitleSettings ?? null) as BrandKitResponse['subtitle_settings'],
    intro_id: kit.introId,
    outro_id: kit.outroId,
    created_at: kit.createdAt,
    updated_at: kit.updatedAt,
  };
}

/** The path's profile, after checking it is the caller's (another user's: 403; unknown: 404). */
async function profileScope(c: UserContext, profileId: string): Promise<ProfileScope> {
  const db = createDb(c.env.DB);
  const profile = await ownedProfile(db, c.get('principal').userId, profileId);
  return scopeForVerifiedProfile(db, { profileId: profile.id });
}

const noKit = () => new ApiError(404, 'not_found', 'This profile has no brand kit');

/** The whole body when it is at most `max` bytes; 413 otherwise (read no further than max + 1). */
async function boundedBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    throw new ApiError(413, 'payload_too_large', `The logo must be at most ${max} bytes`);
  }
  if (!request.body) throw new ApiError(400, 'bad_request', "The request has no body: send the logo's bytes");
  const { head, rest } = await peek(request.body, max + 1);
  await rest.cancel();
  if (head.length > max) throw new ApiError(413, 'payload_too_large', `The logo must be at most ${max} bytes`);
  return head;
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const size = pngDimensions(bytes);
  if (!size) throw new ApiError(400, 'invalid_media', 'The body is not a PNG image');
  if (size.width > MAX_LOGO_SIDE || size.height > MAX_LOGO_SIDE) {
    throw new ApiError(400, 'invalid_media', `The logo must be at most ${MAX_LOGO_SIDE} pixels on a side`);
  }
  return size;
}

function svgSize(bytes: Uint8Array): { width: number; height: number } {
  const checked = checkSvgLogo(bytes);
  if (!checked.ok) throw new ApiError(400, 'invalid_media', `The SVG logo is refused: ${checked.problem}`);
  return { width: checked.width, height: checked.height };
}

export function profileBrandKitRoutes() {
  const router = createUserRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getProfileBrandKit',
        path: '/{profile_id}/brand-kit',
        tags,
        security,
        summary: "The profile's brand kit",
        description: '404 when the profile has none (renders then add no logo and use the built-in subtitle style).',
        request: { params: ProfileIdParam },
        responses: { 200: jsonContent(BrandKitResponse, 'Brand kit'), ...errorResponses },
      }),
      async (c) => {
        const scope = await profileScope(c, c.req.valid('param').profile_id);
        const kit = await getBrandKit(scope);
        if (!kit) throw noKit();
        return c.json(await present(c.env, scope, kit), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        operationId: 'putProfileBrandKit',
        path: '/{profile_id}/brand-kit',
        tags,
        security,
        summary: "Create or replace the brand kit's settings",
        description:
          'Every setting not given takes its default. The logo is uploaded separately (`PUT …/brand-kit/logo`) and kept.',
        request: { params: ProfileIdParam, body: jsonBody(BrandKitSettings) },
        responses: { 200: jsonContent(BrandKitResponse, 'Saved'), ...errorResponses },
      }),
      async (c) => {
        const scope = await profileScope(c, c.req.valid('param').profile_id);
        const body = c.req.valid('json');
        for (const field of ['intro_id', 'outro_id'] as const) {
          const id = body[field];
          if (id !== null && !(await bookendTarget(scope, id))) {
            throw new ApiError(
              404,
              'not_found',
              `${field}: no clip with a video or ready source video ${id} in this profile`,
            );
          }
        }
        const kit = await saveBrandKitSettings(scope, {
          introId: body.intro_id,
          outroId: body.outro_id,
          logoPosition: body.logo_position,
          logoOpacity: body.logo_opacity,
          logoMargin: body.logo_margin,
          logoScale: body.logo_scale,
          subtitleSettings: body.subtitle_settings,
        });
        return c.json(await present(c.env, scope, kit), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteProfileBrandKit',
        path: '/{profile_id}/brand-kit',
        tags,
        security,
        summary: 'Delete the brand kit and its logo',
        request: { params: ProfileIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted') }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = await profileScope(c, c.req.valid('param').profile_id);
        const kit = await deleteBrandKit(scope);
        if (!kit) throw noKit();
        const format = logoFormat(kit);
        if (format) await c.env.MEDIA.delete(storageKeys.brandLogo(scope, format));
        return c.json({ status: 'deleted' as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteProfileBrandLogo',
        path: '/{profile_id}/brand-kit/logo',
        tags,
        security,
        summary: "Remove the brand kit's logo (the settings stay)",
        request: { params: ProfileIdParam },
        responses: { 200: jsonContent(BrandKitResponse, 'Logo removed'), ...errorResponses },
      }),
      async (c) => {
        const scope = await profileScope(c, c.req.valid('param').profile_id);
        const before = await getBrandKit(scope);
        const format = before ? logoFormat(before) : null;
        if (!format) throw new ApiError(404, 'not_found', 'This profile has no logo');
        const kit = await setBrandLogo(scope, null);
        await c.env.MEDIA.delete(storageKeys.brandLogo(scope, format));
        return c.json(await present(c.env, scope, kit), 200);
      },
    );

  // Not an `openapi()` route: the body is raw bytes, read with a bound. Documented here.
  return plainRoute(
    router,
    createRoute({
      method: 'put',
      operationId: 'putProfileBrandLogo',
      path: '/{profile_id}/brand-kit/logo',
      tags,
      security,
      summary: "Upload the brand kit's logo (PNG or SVG)",
      description: [
        `The body is the logo itself. \`Content-Type: image/png\`: a PNG of at most ${MAX_LOGO_BYTES} bytes and ${MAX_LOGO_SIDE} pixels on a side (400 \`invalid_media\` when the bytes are not one).`,
        `\`Content-Type: image/svg+xml\`: a UTF-8 SVG of at most ${MAX_SVG_LOGO_BYTES} bytes, rasterised by each render at the size it draws the logo. It must be a static picture that references nothing outside itself, else 400 \`invalid_media\` naming the problem: a root \`<svg>\` in the SVG namespace with a \`viewBox\` or absolute \`width\` and \`height\`; no DOCTYPE or ENTITY declarations, no processing instructions but the XML declaration, no \`script\` or \`foreignObject\` elements, no HTML, no \`on…\` event attributes; every \`href\`/\`xlink:href\` and CSS \`url(…)\` a \`#fragment\` or a base64 \`data:image/png\`/\`data:image/jpeg\` URI (embedded images at most ${MAX_EMBEDDED_SIDE} pixels on a side); no \`@import\`, \`image-set()\` or backslash escapes.`,
        'Any other type: 415. Creates the kit with default settings when the profile has none; replaces an earlier logo (of either format).',
      ].join('\n\n'),
      request: {
        params: ProfileIdParam,
        body: {
          required: true,
          content: {
            'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) },
            'image/svg+xml': {
              schema: z.string().openapi({ type: 'string', description: 'The SVG document (UTF-8)' }),
            },
          },
        },
      },
      responses: {
        200: jsonContent(BrandKitResponse, 'Stored'),
        ...errorResponses,
        ...tooLargeResponse,
        415: errorResponse(415, 'Neither image/png nor image/svg+xml', ['unsupported_media_type']),
      },
    }),
    async (c) => {
      const scope = await profileScope(c, c.req.param('profile_id'));
      const declared = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const format: LogoFormat | null = declared === 'image/png' ? 'png' : declared === 'image/svg+xml' ? 'svg' : null;
      if (!format) {
        throw new ApiError(415, 'unsupported_media_type', 'The logo must be sent as image/png or image/svg+xml');
      }
      const bytes = await boundedBody(c.req.raw, format === 'svg' ? MAX_SVG_LOGO_BYTES : MAX_LOGO_BYTES);
      const size = format === 'svg' ? svgSize(bytes) : pngSize(bytes);
      const before = await getBrandKit(scope);
      const key = storageKeys.brandLogo(scope, format);
      await c.env.MEDIA.put(key, bytes, { httpMetadata: { contentType: LOGO_CONTENT_TYPES[format] } });
      const kit = await setBrandLogo(scope, { key, width: size.width, height: size.height, bytes: bytes.length });
      // A logo of the other format is replaced, not kept beside the new one.
      const previous = before ? logoFormat(before) : null;
      if (previous && previous !== format) await c.env.MEDIA.delete(storageKeys.brandLogo(scope, previous));
      return c.json(await present(c.env, scope, kit), 200);
    },
  );
}
