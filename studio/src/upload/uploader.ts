/**
 * Uploading a source video through the API's upload sessions (docs/uploads.md): one signed PUT for
 * small files, resumable multipart for big ones (parts in parallel; pause stops them, resume asks
 * the API which parts are missing and sends only those). Parts go with XMLHttpRequest because fetch
 * reports no upload progress. The session is remembered per file, so picking the same file again
 * after a reload resumes it.
 */
import { uploads } from '../api/endpoints.ts';
import { ApiError } from '../api/http.ts';
import type { MultipartUpload, SingleUpload, UploadContentType } from '../api/types.ts';

/** Files from this size go multipart (resumable); smaller ones in one PUT. */
export const MULTIPART_FROM_BYTES = 64 * 1024 * 1024;
const PARALLEL_PARTS = 2;

export type UploadState = 'starting' | 'uploading' | 'paused' | 'completing' | 'done' | 'failed';

export interface UploadProgress {
  state: UploadState;
  sent: number;
  total: number;
  /** Recent throughput (bytes per second). */
  bytesPerSecond: number;
  videoId?: string;
  jobId?: string;
  error?: string;
}

const TYPES: Record<string, UploadContentType> = {
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  qt: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  ts: 'video/mp2t',
  m2ts: 'video/mp2t',
  '3gp': 'video/3gpp',
};

/** The upload content type the API accepts for a file, or null when it is not a video we take. */
export function videoContentType(file: File): UploadContentType | null {
  const declared = Object.values(TYPES).find((type) => type === file.type);
  if (declared) return declared;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return TYPES[ext] ?? null;
}

const resumeKey = (profileId: string, file: File) =>
  `cutroom.upload.${profileId}.${file.name}:${file.size}:${file.lastModified}`;

class Throughput {
  private samples: { at: number; sent: number }[] = [];
  add(sent: number): number {
    const now = performance.now();
    this.samples.push({ at: now, sent });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 3000) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    return seconds > 0.2 ? Math.max(0, (sent - first.sent) / seconds) : 0;
  }
  reset() {
    this.samples = [];
  }
}

function put(
  url: string,
  body: Blob,
  contentType: string | null,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else {
        let message = `upload failed: ${xhr.status}`;
        try {
          message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
        } catch {
          // not the API's error shape
        }
        reject(new ApiError(xhr.status, 'upload_failed', message));
      }
    };
    xhr.onerror = () => reject(new Error('network error during upload'));
    xhr.onabort = () => reject(new DOMException('paused', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export class VideoUpload {
  private progress: UploadProgress;
  private controller = new AbortController();
  private throughput = new Throughput();
  private partSent = new Map<number, number>();
  private doneBytes = 0;
  private upload: SingleUpload | MultipartUpload | null = null;

  constructor(
    readonly profileId: string,
    readonly file: File,
    readonly name: string,
    private readonly onProgress: (p: UploadProgress) => void,
  ) {
    this.progress = { state: 'starting', sent: 0, total: file.size, bytesPerSecond: 0 };
  }

  get current(): UploadProgress {
    return this.progress;
  }

  private set(patch: Partial<UploadProgress>) {
    this.progress = { ...this.progress, ...patch };
    this.onProgress(this.progress);
  }

  private report() {
    let inFlight = 0;
    for (const n of this.partSent.values()) inFlight += n;
    const sent = Math.min(this.file.size, this.doneBytes + inFlight);
    this.set({ sent, bytesPerSecond: this.throughput.add(sent) });
  }

  async start(): Promise<void> {
    const contentType = videoContentType(this.file);
    if (!contentType) {
      this.set({ state: 'failed', error: `${this.file.name} is not a video file the studio can upload` });
      return;
    }
    try {
      const remembered = localStorage.getItem(resumeKey(this.profileId, this.file));
      if (remembered && (await this.resumeFrom(remembered))) return;
      const created = await uploads.start(this.profileId, {
        name: this.name,
        size_bytes: this.file.size,
        content_type: contentType,
        filename: this.file.name,
        multipart: this.file.size >= MULTIPART_FROM_BYTES,
      });
      this.upload = created.upload;
      this.set({ videoId: created.source_video.id, state: 'uploading' });
      if (created.upload.method === 'multipart')
        localStorage.setItem(resumeKey(this.profileId, this.file), created.source_video.id);
      await this.send();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Picks up an earlier multipart session of the same file; false when there is none to resume. */
  private async resumeFrom(videoId: string): Promise<boolean> {
    try {
      const status = await uploads.status(this.profileId, videoId);
      if (status.status !== 'pending_upload' || status.upload?.method !== 'multipart') return false;
      this.upload = status.upload;
      this.doneBytes = status.received_bytes;
      this.set({ videoId, state: 'uploading', sent: status.received_bytes });
      await this.send();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        localStorage.removeItem(resumeKey(this.profileId, this.file));
        return false;
      }
      throw err;
    }
  }

  pause(): void {
    if (this.progress.state !== 'uploading') return;
    this.controller.abort();
    this.set({ state: 'paused', bytesPerSecond: 0 });
  }

  async resume(): Promise<void> {
    if (this.progress.state !== 'paused' || !this.progress.videoId) return;
    this.controller = new AbortController();
    this.throughput.reset();
    try {
      const status = await uploads.status(this.profileId, this.progress.videoId);
      this.doneBytes = status.received_bytes;
      this.partSent.clear();
      this.set({ state: 'uploading', sent: status.received_bytes });
      await this.send();
    } catch (err) {
      this.fail(err);
    }
  }

  async cancel(): Promise<void> {
    this.controller.abort();
    localStorage.removeItem(resumeKey(this.profileId, this.file));
    if (this.progress.videoId && this.progress.state !== 'done')
      await uploads.abort(this.profileId, this.progress.videoId).catch(() => {});
    this.set({ state: 'failed', error: 'Upload cancelled' });
  }

  private fail(err: unknown) {
    if (err instanceof DOMException && err.name === 'AbortError') return; // paused
    this.set({ state: 'failed', error: err instanceof Error ? err.message : String(err) });
  }

  private async send(): Promise<void> {
    const upload = this.upload!;
    const signal = this.controller.signal;
    if (upload.method === 'PUT') {
      this.doneBytes = 0;
      await put(
        upload.upload_url,
        this.file,
        upload.headers['Content-Type'],
        (loaded) => {
          this.partSent.set(1, loaded);
          this.report();
        },
        signal,
      );
    } else {
      await this.sendParts(upload, signal);
    }
    if (signal.aborted) return;
    this.set({ state: 'completing', sent: this.file.size, bytesPerSecond: 0 });
    const completed = await uploads.complete(this.profileId, this.progress.videoId!);
    localStorage.removeItem(resumeKey(this.profileId, this.file));
    this.set({ state: 'done', jobId: completed.job_id ?? undefined });
  }

  private async sendParts(upload: MultipartUpload, signal: AbortSignal): Promise<void> {
    const videoId = this.progress.videoId!;
    let from: number | null = 1;
    while (from !== null && !signal.aborted) {
      const page = await uploads.parts(this.profileId, videoId, from);
      const queue = [...page.parts];
      const worker = async () => {
        for (let part = queue.shift(); part && !signal.aborted; part = queue.shift()) {
          const start = (part.part_number - 1) * upload.part_size;
          const blob = this.file.slice(start, start + part.size_bytes);
          await put(
            part.url,
            blob,
            null,
            (loaded) => {
              this.partSent.set(part!.part_number, loaded);
              this.report();
            },
            signal,
          );
          this.partSent.delete(part.part_number);
          this.doneBytes += part.size_bytes;
          this.report();
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
      from = page.next_from;
    }
  }
}

/** Shown while uploading: "12.3 MB of 80 MB · 4.1 MB/s". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
