/**
 * Starts the real processor for tests, benchmarks and the e2e stack, on port 0 with a test secret,
 * and gives callers the Worker's real client for it. Two ways, one environment:
 * - by default `node container/src/server.ts` as a child process;
 * - with `PROCESSOR_IMAGE` set (`npm run test:image` sets `cutroom-processor:latest`), the built
 *   image under podman (`--network host`, so the URLs and ports are the same), started with exactly
 *   the environment the child process gets on top of the parent's.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { podmanEnv } from '../../../scripts/podman.ts';
import { createProcessorClient, type ProcessorConnection } from '../../../src/processor/client.ts';
import { ProcessorError } from '../../../src/processor/errors.ts';

export const TEST_PROCESSOR_SECRET = 'test-processor-secret-0123456789abcdef012345678';
const CONTAINER_DIR = resolve(import.meta.dirname, '../..');
const SERVER_ENTRY = resolve(CONTAINER_DIR, 'src/server.ts');

/** The processor image the tests run against, when they run against one. */
export const PROCESSOR_IMAGE = process.env.PROCESSOR_IMAGE || undefined;

export interface RunningProcessor {
  url: string;
  child: ChildProcess;
  client: ProcessorConnection;
  /** Everything the server wrote to stdout/stderr (JSON log lines). */
  logs: string[];
  exited(): boolean;
  /** Stops the server with `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** Host directories the processor must see at the same paths (bind-mounted into the image). */
  sharedDirs?: string[];
  /** Log lines are appended here (a restarted processor keeps its predecessor's lines). */
  logs?: string[];
}

let started = 0;

/** The container run for one processor: podman run in the foreground, so its output is the server's. */
function runImage(
  image: string,
  env: Record<string, string>,
  sharedDirs: string[],
): { child: ChildProcess; kill(): void } {
  started += 1;
  const name = `cutroom-processor-test-${process.pid}-${started}`;
  const child = spawn(
    'podman',
    [
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      ...sharedDirs.flatMap((dir) => ['--volume', `${dir}:${dir}`]),
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      image,
    ],
    { env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // A test process that ends without stop() must not leave its container running.
  const remove = () =>
    spawnSync('podman', ['rm', '--force', '--time', '0', name], { env: podmanEnv(), stdio: 'ignore' });
  process.once('exit', remove);
  child.once('exit', () => process.off('exit', remove));
  const kill = () => spawnSync('podman', ['kill', '--signal', 'SIGKILL', name], { env: podmanEnv(), stdio: 'ignore' });
  return { child, kill };
}

/** The line the server logs at the end of every operation it ran, after the operation's own lines. */
const OPERATION_END = /"msg":"operation (done|failed|crashed)"/;

/**
 * Makes a client's run() resolve only once the server's log holds the end line of every operation
 * the client saw finish, so a test reads the log lines of the operation it just ran. (The answer
 * and the log travel separately: the result line comes before the end line, and from the image the
 * log passes through podman.)
 */
function logsOfOperations() {
  let ended = 0;
  let finished = 0;
  const waiting = new Set<() => void>();
  const caughtUp = async () => {
    const target = ++finished;
    if (ended >= target) return;
    await new Promise<void>((done) => {
      // Bounded: a missing line then shows in the test's own assertion on the log.
      const timer = setTimeout(settle, 10_000);
      function settle() {
        clearTimeout(timer);
        waiting.delete(check);
        done();
      }
      function check() {
        if (ended >= target) settle();
      }
      waiting.add(check);
    });
  };
  return {
    seen(line: string) {
      if (!OPERATION_END.test(line)) return;
      ended += 1;
      for (const check of waiting) check();
    },
    awaitedBy(client: ProcessorConnection): ProcessorConnection {
      return {
        ...client,
        async run(operation, request, onProgress) {
          try {
            const result = await client.run(operation, request, onProgress);
            await caughtUp();
            return result;
          } catch (err) {
            // An error line of the operation's stream (a refusal before it has an HTTP status).
            const streamed =
              err instanceof ProcessorError &&
              err.status === undefined &&
              err.code !== 'unreachable' &&
              err.code !== 'protocol_error';
            if (streamed) await caughtUp();
            throw err;
          }
        },
      };
    },
  };
}

export async function startProcessor(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningProcessor> {
  const processorEnv: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    PROCESSOR_SECRET: TEST_PROCESSOR_SECRET,
    PROCESSOR_EXIT_WITH_PARENT: '1',
    ...env,
  };
  const image = PROCESSOR_IMAGE ? runImage(PROCESSOR_IMAGE, processorEnv, options.sharedDirs ?? []) : null;
  const child = image
    ? image.child
    : spawn(process.execPath, [SERVER_ENTRY], {
        cwd: CONTAINER_DIR,
        env: { ...process.env, ...processorEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  const logs: string[] = options.logs ?? [];
  const log = logsOfOperations();
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    exitCode = code ?? -1;
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    // A container start on a loaded machine takes longer than a process start.
    const timeoutMs = PROCESSOR_IMAGE ? 60_000 : 20_000;
    const timer = setTimeout(() => reject(new Error(`processor did not start:\n${logs.join('\n')}`)), timeoutMs);
    const onLine = (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        logs.push(line);
        log.seen(line);
        try {
          const parsed = JSON.parse(line) as { msg?: string; port?: number };
          if (parsed.msg === 'listening' && parsed.port) {
            clearTimeout(timer);
            resolvePort(parsed.port);
          }
        } catch {
          // not a log line
        }
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onLine);
    child.stderr!.setEncoding('utf8').on('data', onLine);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`processor exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    client: log.awaitedBy(
      createProcessorClient({
        baseUrl: url,
        secret: processorEnv.PROCESSOR_SECRET!,
        fetch: (request) => fetch(request),
      }),
    ),
    logs,
    exited: () => exitCode !== null,
    stop: async (signal = 'SIGTERM') => {
      if (exitCode !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      // podman run passes SIGTERM on to the server in the container; a SIGKILL would only kill the
      // podman client, so the container itself is killed.
      if (image && signal === 'SIGKILL') image.kill();
      else child.kill(signal);
      await done;
    },
  };
}
