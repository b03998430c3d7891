/** Times on both sides of the Worker ↔ processor boundary. */

/** Seconds with millisecond precision, as every result and response reports them. */
export function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
