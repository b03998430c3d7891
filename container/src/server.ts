/**
 * Entry point: `node src/server.ts` (Node 22 strips the types). Refuses to start without
 * PROCESSOR_SECRET. Prints one JSON line `{"msg":"listening","port":…}` once ready (tests start it
 * on port 0 and read the port from there). SIGTERM/SIGINT stop accepting, abort running operations
 * (killing their ffmpeg process groups, removing temp dirs) and exit.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.ts';
import { createProcessorServer } from './http/app.ts';
import { binaries } from './media/binaries.ts';
import { startGateway } from './media/range-gateway.ts';
import { killAllChildren } from './media/run-process.ts';
import { configureStorageRoute } from './media/storage-route.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(JSON.stringify({ level: 'error', msg: err.message }));
      process.exit(1);
    }
    throw err;
  }
  const found = binaries();
  if (!found.ffmpeg || !found.ffprobe) {
    console.error(
      JSON.stringify({ level: 'warn', msg: 'ffmpeg/ffprobe not found: media operations will fail', ...found }),
    );
  }
  if (config.allowedMediaOrigins.length === 0) {
    console.error(
      JSON.stringify({ level: 'warn', msg: 'ALLOWED_MEDIA_ORIGINS is empty: every media URL will be refused' }),
    );
  }

  configureStorageRoute({ url: config.storageUrl, partBytes: config.storagePartBytes });
  await startGateway();
  const processor = createProcessorServer(config);
  processor.server.listen(config.port, config.host, () => {
    const { port } = processor.server.address() as AddressInfo;
    console.log(
      JSON.stringify({
        level: 'info',
        msg: 'listening',
        port,
        host: config.host,
        ...found,
        max_concurrent_ops: config.maxConcurrentOps,
      }),
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: 'info', msg: 'stopping', signal, in_flight: processor.inFlight() }));
    processor.server.close();
    processor.abortAll();
    // Give the finally blocks a moment to remove temp dirs, then make sure no ffmpeg outlives us.
    setTimeout(() => {
      killAllChildren();
      process.exit(0);
    }, 500).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Tests and `npm start` run the processor as a child: never outlive the parent that started it.
  if (process.env.PROCESSOR_EXIT_WITH_PARENT === '1') {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('parent exited');
    }, 1000).unref();
  }
}

await main();
