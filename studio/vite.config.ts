/**
 * The studio: a single-page app built into studio/dist, which the Worker serves as static assets
 * (wrangler.toml `[assets]`). `npm run studio:dev` serves it with hot reload and forwards the API to
 * the stack `npm start` runs on :8787.
 *
 * FFmpeg for the browser (trim before upload): `@ffmpeg/core`'s wasm is 32 MB, over the 25 MiB per
 * file limit of Workers assets, so it ships gzip-compressed (10 MB) under a versioned path and the
 * browser inflates it with DecompressionStream when a user first trims (studio/src/upload/trim.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

const root = import.meta.dirname;
const require = createRequire(import.meta.url);
/** `@ffmpeg/core` exports no package.json; its CommonJS entry is dist/umd/ffmpeg-core.js. */
const ffmpegCorePackage = resolve(dirname(require.resolve('@ffmpeg/core')), '../..');
const ffmpegCoreVersion = (
  JSON.parse(readFileSync(join(ffmpegCorePackage, 'package.json'), 'utf8')) as { version: string }
).version;
/** Versioned, so browsers may cache it for good. */
const FFMPEG_CORE_DIR = `vendor/ffmpeg-core-${ffmpegCoreVersion}`;

/** The two files of the FFmpeg core, as the build emits them and the dev server serves them. */
function ffmpegCoreFiles(): Record<string, () => Buffer> {
  const dist = join(ffmpegCorePackage, 'dist/esm');
  const cacheDir = resolve(root, '../node_modules/.cache/cutroom-studio');
  const gzPath = join(cacheDir, `${FFMPEG_CORE_DIR.replaceAll('/', '_')}.wasm.gz`);
  return {
    'ffmpeg-core.js': () => readFileSync(join(dist, 'ffmpeg-core.js')),
    'ffmpeg-core.wasm.gz': () => {
      if (!existsSync(gzPath)) {
        mkdirSync(cacheDir, { recursive: true });
        writeFileSync(gzPath, gzipSync(readFileSync(join(dist, 'ffmpeg-core.wasm')), { level: 9 }));
      }
      return readFileSync(gzPath);
    },
  };
}

function ffmpegCore(): Plugin {
  const files = ffmpegCoreFiles();
  return {
    name: 'cutroom-ffmpeg-core',
    generateBundle() {
      for (const [name, read] of Object.entries(files)) {
        this.emitFile({ type: 'asset', fileName: `${FFMPEG_CORE_DIR}/${name}`, source: read() });
      }
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith(`/${FFMPEG_CORE_DIR}/`) ? req.url.slice(FFMPEG_CORE_DIR.length + 2) : '';
        const read = files[name];
        if (!read) return next();
        res.setHeader('Content-Type', name.endsWith('.js') ? 'text/javascript' : 'application/gzip');
        res.end(read());
      });
    },
  };
}

const api = process.env.CUTROOM_API ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root,
  plugins: [react(), ffmpegCore()],
  define: { __FFMPEG_CORE_DIR__: JSON.stringify(`/${FFMPEG_CORE_DIR}`) },
  // @ffmpeg/ffmpeg starts its own module Worker with `new URL('./worker.js', import.meta.url)`.
  optimizeDeps: { exclude: ['@ffmpeg/ffmpeg', '@ffmpeg/util'] },
  worker: { format: 'es' },
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(['/api', '/media', '/docs', '/openapi.json', '/health'].map((p) => [p, api])),
  },
});
