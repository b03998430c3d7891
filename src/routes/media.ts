/**
 * /media/<token>[/<download-filename>]: signed media URLs (see storage/signed-urls.ts). No bearer
 * token: the HMAC-signed token is the credential, which is what `<video>`/`<img>` tags and upload
 * clients need. (The media processor reads and writes through its storage host instead,
 * storage/processor-gateway.ts; its capabilities are refused here.)
 * - GET/HEAD: the object with single-range support (206/416), ETag, private caching.
 * - PUT: streams the body into R2 (no buffering). Content-Length is required (411) and checked
 *   against the signed maximum before a byte is read (413); the Content-Type must be the signed one
 *   (415). R2 writes are atomic, so an interrupted upload leaves nothing visible.
 * Expired or tampered tokens answer 403.
 */
import { z } from '@hono/zod-openapi';
import { createDb } from '../db/client.ts';
import { ApiError, badRequest } from '../core/errors.ts';
import { errorResponse, errorResponses, jsonContent } from '../http/openapi.ts';
import type { PublicContext } from '../http/context.ts';
import { createPublicRouter, documentRoute } from '../http/router.ts';
import { serveObject } from '../storage/serve-object.ts';
import { type VerifiedMediaToken, verifyMediaToken } from '../storage/signed-urls.ts';
import { receiveSourceVideoBytes } from '../source-videos/uploads.ts';
import { declaredBody, ensureWritable } from '../storage/signed-put.ts';

const tags = ['Media'];
const wrongMethod = () => new ApiError(403, 'forbidden', 'This media link does not allow this method');

async function verified(c: PublicContext): Promise<VerifiedMediaToken> {
  const token = await verifyMediaToken(c.env, createDb(c.env.DB), c.req.param('token') ?? '');
  // The processor's capabilities work on its storage host only, never on the public route.
  if (token.surface !== 'public') throw new ApiError(403, 'forbidden', 'This media link is invalid or has expired');
  return token;
}

async function serve(c: PublicContext): Promise<Response> {
  const token = await verified(c);
  if (token.method !== 'GET') throw wrongMethod();
  const secondsLeft = token.expiresAt - Math.floor(Date.now() / 1000);
  return serveObject(c.env.MEDIA, token.key, c.req.raw, {
    attachmentFilename: token.attachmentFilename,
    maxAgeSeconds: Math.min(3600, secondsLeft),
  });
}

async function receive(c: PublicContext): Promise<Response> {
  const token = await verified(c);
  if (token.method !== 'PUT') throw wrongMethod();
  const { length, contentType } = declaredBody(token, c.req.raw);
  const body = c.req.raw.body;
  try {
    await ensureWritable(token);
    if (token.target.kind === 'source_video') {
      const stored = await receiveSourceVideoBytes(c.env, token.scope, token.target.id, body, length, token.part);
      c.header('ETag', stored.etag);
      return c.json({ status: 'stored' as const, ...stored }, 200);
    }
    const object = await c.env.MEDIA.put(token.key, body ?? new Uint8Array(0), {
      httpMetadata: { contentType: contentType ?? 'application/octet-stream' },
    });
    c.header('ETag', object.httpEtag);
    return c.json({ status: 'stored' as const, etag: object.httpEtag, size_bytes: object.size }, 200);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The stream broke or did not match its Content-Length; R2 stored nothing.
    throw badRequest(`The upload did not complete: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function mediaRoutes() {
  const app = createPublicRouter();
  const token = z
    .string()
    .openapi({ param: { name: 'token', in: 'path' }, description: 'Signed token from a `*_url` field' });
  const read = {
    method: 'get',
    tags,
    description:
      'No Authorization header: the signed token is the credential. Supports `Range: bytes=a-b`, `a-` and `-n` (206 with `Content-Range`; 416 past the end), HEAD, `If-None-Match`. Expired or tampered links answer 403.',
    responses: {
      200: { description: 'The object' },
      206: { description: 'A byte range' },
      304: { description: 'Not modified (`If-None-Match`)' },
      403: errorResponses[403],
      404: errorResponses[404],
      416: errorResponse(416),
    },
  } as const;
  documentRoute(app, {
    ...read,
    path: '/{token}',
    operationId: 'readMedia',
    summary: 'Read media through a signed URL',
    request: { params: z.object({ token }) },
  });
  documentRoute(app, {
    ...read,
    path: '/{token}/{filename}',
    operationId: 'downloadMedia',
    summary: 'Read media through a signed URL, with a download file name',
    request: {
      params: z.object({
        token,
        filename: z.string().openapi({
          param: { name: 'filename', in: 'path' },
          description: 'Any name; the signed token decides the `Content-Disposition` file name',
        }),
      }),
    },
  });
  documentRoute(app, {
    method: 'put',
    path: '/{token}',
    operationId: 'uploadMedia',
    tags,
    summary: 'Upload bytes through a signed URL',
    description:
      'Send the raw bytes with `Content-Length` (411 without) and the signed `Content-Type` (415 otherwise). Bodies over the signed size answer 413 before anything is read. Nothing is visible until the whole body is stored.',
    request: { params: z.object({ token }) },
    responses: {
      200: jsonContent(
        z.object({
          status: z.literal('stored'),
          etag: z.string(),
          size_bytes: z.number(),
          part_number: z.number().optional(),
        }),
        'Stored',
      ),
      400: errorResponses[400],
      403: errorResponses[403],
      404: errorResponses[404],
      409: errorResponse(409, 'The upload is no longer open'),
      411: errorResponse(411),
      413: errorResponse(413, 'Body larger than the link allows'),
      415: errorResponse(415, 'Not the signed Content-Type'),
    },
  });
  // GET routes also answer HEAD (Hono runs the GET handler and drops the body).
  return app.get('/:token', serve).get('/:token/:filename', serve).put('/:token', receive);
}
