/**
 * Starts the real processor (`node container/src/server.ts`) as a child process on port 0 with a
 * test secret, the way production runs it, and gives tests the Worker's real client for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createProcessorClient, type ProcessorConnection } from '../../../src/processor/client.ts';

export const TEST_PROCESSOR_SECRET = 'test-processor-secret-0123456789abcdef012345678';
const SERVER_ENTRY = resolve(import.meta.dirname, '../../src/server.ts');

export interface RunningProcessor {
  url: string;
  child: ChildProcess;
  client: ProcessorConnection;
  /** Everything the server wrote to stdout/stderr (JSON log lines). */
  logs: string[];
  exited(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Server entry (default: this checkout's container/src/server.ts) and its working directory. */
  entry?: string;
  cwd?: string;
}

export async function startProcessor(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningProcessor> {
  const child = spawn(process.execPath, [options.entry ?? SERVER_ENTRY], {
    cwd: options.cwd,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PROCESSOR_SECRET: TEST_PROCESSOR_SECRET,
      PROCESSOR_EXIT_WITH_PARENT: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    exitCode = code ?? -1;
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`processor did not start:\n${logs.join('\n')}`)), 20_000);
    const onLine = (text: string) => {
      for (const line of text.split('\n').filter(Boolean)) {
        logs.push(line);
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
    child.stdout.setEncoding('utf8').on('data', onLine);
    child.stderr.setEncoding('utf8').on('data', onLine);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`processor exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    client: createProcessorClient({ baseUrl: url, secret: TEST_PROCESSOR_SECRET, fetch: (request) => fetch(request) }),
    logs,
    exited: () => exitCode !== null,
    stop: async () => {
      if (exitCode !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await done;
    },
  };
}
