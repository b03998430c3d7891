/** Set by vite.config.ts: the versioned path of the FFmpeg core files (`/vendor/ffmpeg-core-<version>`). */
declare const __FFMPEG_CORE_DIR__: string;
