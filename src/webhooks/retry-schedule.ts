/**
 * When a failed delivery is tried again: exponential backoff (×3 per attempt from a base of 30 s,
 * capped at 6 h) for at least 24 h after the first attempt, then the delivery fails. With the
 * defaults: 30 s, 1.5 min, 4.5 min, 13.5 min, 40.5 min, 2 h, then every 6 h, so the last attempt
 * lands about 27 h after the first (11 attempts).
 */
import {
  WEBHOOK_RETRY_BASE_SECONDS,
  WEBHOOK_RETRY_MAX_DELAY_SECONDS,
  WEBHOOK_RETRY_WINDOW_SECONDS,
} from '../core/limits.ts';

const FACTOR = 3;

/** The base delay: the `WEBHOOK_RETRY_BASE_SECONDS` setting (tests shorten it), else the default. */
export function retryBaseSeconds(env: { WEBHOOK_RETRY_BASE_SECONDS?: string }): number {
  const configured = Number(env.WEBHOOK_RETRY_BASE_SECONDS);
  return Number.isFinite(configured) && configured >= 1 ? Math.floor(configured) : WEBHOOK_RETRY_BASE_SECONDS;
}

/** Seconds to wait after failed attempt number `attempt` (1-based). */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  const delay = baseSeconds * FACTOR ** Math.max(0, attempt - 1);
  return Math.min(WEBHOOK_RETRY_MAX_DELAY_SECONDS, Math.round(delay));
}

/** Whether a delivery first attempted at `firstAttemptAt` is still inside its retry window at `now`. */
export function withinRetryWindow(firstAttemptAt: string, now = Date.now()): boolean {
  return now - Date.parse(firstAttemptAt) < WEBHOOK_RETRY_WINDOW_SECONDS * 1000;
}
