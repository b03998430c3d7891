/**
 * Where the processor's requests to its storage host actually connect. Media URLs always name the
 * storage host (`http://storage.cutroom.internal/…`, shared/processor/storage.ts). In production
 * nothing else is needed: the Container's outbound handler answers that name inside the Workers
 * runtime. A local processor (dev, tests) has no such handler, so `STORAGE_URL` maps the host onto
 * the dev Worker's storage route, the way a hosts-file entry would: the URL the processor checks,
 * logs and keys its caches by stays the storage host's; only the connection goes elsewhere.
 * Set once at start-up (server.ts) with the part size of multipart outputs.
 */
import { STORAGE_ORIGIN, STORAGE_PART_BYTES } from '../../../shared/processor/storage.ts';

let storageBase: string | null = null;
let partBytes = STORAGE_PART_BYTES;

export interface StorageRoute {
  /** Base URL standing in for the storage host, or null to connect to it as named. */
  url: string | null;
  /** Size of each part of a multipart output (and the largest output sent in one PUT). */
  partBytes: number;
}

export function configureStorageRoute(route: StorageRoute): void {
  storageBase = route.url ? route.url.replace(/\/+$/, '') : null;
  partBytes = route.partBytes;
}

export function storagePartBytes(): number {
  return partBytes;
}

/** The URL to connect to for `url`: the storage host's requests mapped, anything else unchanged. */
export function connectionUrl(url: string): string {
  if (!storageBase) return url;
  const parsed = new URL(url);
  if (parsed.origin !== STORAGE_ORIGIN) return url;
  return `${storageBase}${parsed.pathname}${parsed.search}`;
}
