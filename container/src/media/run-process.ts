/**
 * The only place that starts child processes. Always an argv array (never a shell), always its own
 * process group so a timeout or an abort kills ffmpeg and anything it started, and stderr kept
 * (its tail) so failures can be mapped to clear error codes.
 */
import { spawn } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProcessorFailure } from '../errors.ts';

export interface RunOptions {
  /** Hard limit; the process group is killed with SIGKILL when it passes. */
  timeoutMs: number;
  /** Aborts (client went away, server shutting down) kill the process group too. */
  signal?: AbortSignal;
  /**
   * Bytes written to stdin, then stdin is closed; or a stream of them (written as the process reads:
   * if producing fails, the process is killed and that failure is the result). Without it /dev/null.
   */
  stdin?: Uint8Array | string | AsyncIterable<Uint8Array>;
  /** Streams stdout chunks instead of collecting them. */
  onStdout?: (chunk: Buffer) => void;
  /** Collect at most this many stdout bytes (default 64 MiB); more is a failure, not silent truncation. */
  maxStdoutBytes?: number;
  /** Called with each complete stderr line. */
  onStderrLine?: (line: string) => void;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Niceness added to this server's own (0–19): work off the critical path yields the cores to the
   * work on it.
   */
  lowerPriority?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last 64 KiB of stderr. */
  stderr: string;
}

const STDERR_TAIL_BYTES = 64 * 1024;
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Kills every process group this module started (server shutdown). */
export function killAllChildren(): void {
  for (const pid of running) killGroup(pid);
}

export function runningChildren(): number {
  return running.size;
}

export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ProcessorFailure('internal', 'Operation was cancelled'));
      return;
    }
    const started = performance.now();
    const child = spawn(command, args, {
      detached: true,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env ?? process.env,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    if (pid !== undefined && options.lowerPriority) {
      try {
        setPriority(pid, Math.min(19, getPriority() + options.lowerPriority));
      } catch {
        // Not allowed here, or gone already: it runs at the usual priority.
      }
    }

    const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stdoutOverflow = false;
    let stderrTail = '';
    let partialLine = '';
    let timedOut = false;
    let aborted = false;

    const stop = () => {
      if (pid !== undefined) killGroup(pid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout!.on('data', (chunk: Buffer) => {
      if (options.onStdout) {
        options.onStdout(chunk);
        return;
      }
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        stdoutOverflow = true;
        stop();
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
      if (options.onStderrLine) {
        const lines = (partialLine + text).split(/\r?\n|\r/);
        partialLine = lines.pop() ?? '';
        for (const line of lines) if (line) options.onStderrLine(line);
      }
    });
    let producerFailure: unknown = null;
    const stdin = options.stdin;
    if (stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => {
        // The process may exit before reading all of stdin (e.g. bad options); its exit code tells.
      });
      if (typeof stdin === 'string' || stdin instanceof Uint8Array) {
        child.stdin.end(stdin);
      } else {
        const guarded = (async function* () {
          try {
            yield* stdin;
          } catch (err) {
            producerFailure = err;
            throw err;
          }
        })();
        pipeline(Readable.from(guarded), child.stdin).catch(() => {
          // A producer failure ends the process; a closed pipe is the process's own doing (its exit tells).
          if (producerFailure) stop();
        });
      }
    }

    child.on('error', (err) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) running.delete(pid);
      reject(new ProcessorFailure('internal', `Could not start ${command}: ${err.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (process.env.PROCESSOR_LOG_COMMANDS === '1') {
        console.error(
          JSON.stringify({
            level: 'debug',
            msg: 'process done',
            command: command.split('/').pop(),
            ms: Math.round(performance.now() - started),
            exit: exitCode,
          }),
        );
      }
      if (pid !== undefined) {
        running.delete(pid);
        // Reap helpers ffmpeg may have left in its group.
        killGroup(pid);
      }
      if (timedOut) {
        reject(
          new ProcessorFailure(
            'timeout',
            `${command} exceeded its time limit of ${Math.round(options.timeoutMs / 1000)} s`,
          ),
        );
        return;
      }
      if (aborted) {
        reject(new ProcessorFailure('internal', 'Operation was cancelled'));
        return;
      }
      if (producerFailure) {
        reject(
          producerFailure instanceof ProcessorFailure
            ? producerFailure
            : new ProcessorFailure('internal', `Could not feed ${command}`),
        );
        return;
      }
      if (stdoutOverflow) {
        reject(new ProcessorFailure('limits_exceeded', `${command} produced more than ${maxStdout} bytes of output`));
        return;
      }
      resolve({ exitCode, signal, stdout: Buffer.concat(stdoutChunks), stderr: stderrTail });
    });
  });
}
