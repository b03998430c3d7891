/**
 * Inputs and outputs are URLs the Worker signed for its own media. The processor only accepts
 * http(s) URLs whose origin is in ALLOWED_MEDIA_ORIGINS, without credentials, and hands ffmpeg the
 * normalised form, so nothing else (file:, data:, pipe:, nested protocols) can ever reach it.
 */
import { invalidRequest } from '../errors.ts';

export function checkMediaUrl(value: string, allowedOrigins: readonly string[], field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(`${field}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(`${field}: only http(s) URLs are accepted`);
  if (url.username || url.password) throw invalidRequest(`${field}: URLs with credentials are not accepted`);
  if (!allowedOrigins.includes(url.origin)) throw invalidRequest(`${field}: origin ${url.origin} is not an allowed media origin`);
  return url.href;
}
