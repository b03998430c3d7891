/**
 * Uploads of this browser tab, kept outside the screens so they go on while the user works
 * elsewhere in the studio (and in the profile they were started in).
 */
import { useSyncExternalStore } from 'react';
import { credentials } from '../api/http.ts';
import type { UploadChoice } from './prepare-upload.tsx';
import { type UploadProgress, VideoUpload } from './uploader.ts';

export interface UploadItem {
  key: number;
  profileId: string;
  file: File;
  choice?: UploadChoice;
  upload?: VideoUpload;
  progress?: UploadProgress;
}

let items: UploadItem[] = [];
let nextKey = 1;
const listeners = new Set<() => void>();

function update(next: UploadItem[]) {
  items = next;
  for (const listener of listeners) listener();
}

function patch(key: number, change: Partial<UploadItem>) {
  update(items.map((item) => (item.key === key ? { ...item, ...change } : item)));
}

export const uploadStore = {
  add(files: Iterable<File>) {
    const profileId = credentials.profileId;
    if (!profileId) return;
    update([...items, ...[...files].map((file) => ({ key: nextKey++, profileId, file }))]);
  },
  /** Starts sending what the user chose for this file. */
  send(key: number, choice: UploadChoice) {
    const item = items.find((i) => i.key === key);
    if (!item || item.upload) return;
    const upload = new VideoUpload(item.profileId, choice.file, choice.name, (progress) => patch(key, { progress }));
    patch(key, { choice, upload, progress: upload.current });
    void upload.start();
  },
  dismiss(key: number) {
    const item = items.find((i) => i.key === key);
    const state = item?.progress?.state;
    if (item?.upload && (state === 'uploading' || state === 'paused' || state === 'starting'))
      void item.upload.cancel();
    update(items.filter((i) => i.key !== key));
  },
};

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The uploads of one profile. */
export function useUploads(profileId: string): UploadItem[] {
  const all = useSyncExternalStore(subscribe, () => items);
  return all.filter((item) => item.profileId === profileId);
}
