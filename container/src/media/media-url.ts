/**
 * Inputs and outputs are URLs the Worker signed for its own media. The processor only accepts
 * http(s) URLs whose origin is in ALLOWED_MEDIA_ORIGINS, without credentials, and hands ffmpeg the
 * normalised form, so nothing else (file:, data:, pipe:, nested protocols) can ever reach it.
 * Applied to every media URL of every request by the request schemas (see request.ts).
 */
import type { MediaUrlCheck } from '../../../shared/processor/media.ts';

export function mediaUrlCheck(allowedOrigins: readonly string[]): MediaUrlCheck {
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { problem: 'not a URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'only http(s) URLs are accepted' };
    if (url.username || url.password) return { problem: 'URLs with credentials are not accepted' };
    if (!allowedOrigins.includes(url.origin)) return { problem: `origin ${url.origin} is not an allowed media origin` };
    return { url: url.href };
  };
}
