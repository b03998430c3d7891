/**
 * One piece of media work per stored image. The first request for a poster, preview or sprite
 * claims its R2 key (db/repos/media-claims.ts) and runs the processor; a request that arrives while
 * it works does not run it again: it polls R2 (a HEAD every 100 ms–1 s, sleeping in between, no
 * CPU held) for a few seconds and serves the object once it is stored, or answers 503 with
 * `Retry-After` if it is still being made. A maker that died holds its key until the claim expires.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { claimMedia, releaseMedia } from '../db/repos/media-claims.ts';
import type { ProfileScope } from '../db/scope.ts';

/** How long a claim lasts: longer than the slowest image (a 400 s storyboard decodes every frame, ~12 s here). */
export const MEDIA_CLAIM_SECONDS = 120;
/** How long a request waits for another request's image before answering 503. */
export const MEDIA_WAIT_MS = 5_000;
/** What the 503 asks a client to wait before trying again. */
export const BEING_MADE_RETRY_SECONDS = 2;
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1_000;

export interface MadeImage {
  key: string;
  /** This call ran the processor (false: it was stored, or another request made it meanwhile). */
  made: boolean;
}

export interface MakeOptions {
  /** How long to wait for another maker (default MEDIA_WAIT_MS; 0: answer at once). */
  waitMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function beingMade(): ApiError {
  return new ApiError(503, 'unavailable', 'This image is being made by another request; try again shortly', {
    headers: { 'Retry-After': String(BEING_MADE_RETRY_SECONDS) },
  });
}

/**
 * The R2 object `key`, made by `make` (which must store it under `key`) only when it is not
 * stored and no other request is making it; throws `beingMade()` when another maker has not
 * finished within the wait.
 */
export async function makeOnce(
  env: Bindings,
  scope: ProfileScope,
  key: string,
  make: () => Promise<unknown>,
  options: MakeOptions = {},
): Promise<MadeImage> {
  if (await env.MEDIA.head(key)) return { key, made: false };
  const now = Date.now();
  const claim = await claimMedia(scope, key, { now, expiresAt: now + MEDIA_CLAIM_SECONDS * 1000 });
  if (claim) {
    try {
      // A maker may have stored it and let go between our HEAD and our claim.
      if (await env.MEDIA.head(key)) return { key, made: false };
      await make();
      return { key, made: true };
    } finally {
      await releaseMedia(scope, claim);
    }
  }
  const deadline = Date.now() + (options.waitMs ?? MEDIA_WAIT_MS);
  for (let delay = FIRST_POLL_MS; Date.now() + delay <= deadline; delay = Math.min(MAX_POLL_MS, delay * 2)) {
    await sleep(delay);
    if (await env.MEDIA.head(key)) return { key, made: false };
  }
  throw beingMade();
}
