/**
 * Milliseconds from an operation's start to each named point of its work, logged once at the end:
 * where a job's time goes (bench/media.ts prints the smart cut's breakdown from it).
 */
import { log } from '../log.ts';

export interface StageClock {
  /** Records `stage` now (the first mark of a name wins: later ones are ignored). */
  mark(stage: string): void;
  /** Logs every mark, in ms since the clock started. */
  report(msg: string, fields?: Record<string, unknown>): void;
}

export function startStageClock(): StageClock {
  const started = performance.now();
  const marks: Record<string, number> = {};
  return {
    mark(stage) {
      marks[stage] ??= Math.round((performance.now() - started) * 10) / 10;
    },
    report(msg, fields = {}) {
      log('info', msg, { ...fields, stages_ms: marks });
    },
  };
}
