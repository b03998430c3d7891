/**
 * The processor's storage path: how the processor reads its inputs and writes its outputs.
 *
 * Every media URL the Worker hands the processor is on one virtual host, `STORAGE_ORIGIN`, and
 * carries a capability token (signed by the Worker, scoped to one object of one profile: method,
 * size, content type, expiry). In production nothing answers that name on the network: the
 * Container's outbound handler (`outboundByHost`) runs the Worker's storage gateway in the Workers
 * runtime with the R2 binding, so no byte crosses the public edge and its 100 MB request limit. In
 * dev and tests the processor is a local process: its `STORAGE_URL` sends the same requests to the
 * dev Worker's `STORAGE_DEV_PATH` route, which runs the same gateway.
 *
 * On an object URL (`{STORAGE_ORIGIN}/v1/objects/{token}`):
 * - `GET`/`HEAD` with `Range`: the object's bytes (a read capability);
 * - `PUT` with `Content-Length` ≤ `STORAGE_PART_BYTES`: the whole object in one body;
 * - larger outputs go in an R2 multipart upload, every body at most `STORAGE_PART_BYTES`:
 *   `POST ?uploads` → `{upload_id}`; `PUT ?upload_id=…&part_number=n` → `{part_number, etag}`;
 *   `POST ?upload_id=…` with `{parts}` → the object; `DELETE ?upload_id=…` aborts.
 * Writing again to the same object replaces it, so a retried job overwrites its own output.
 */
import { z } from 'zod';

export const STORAGE_HOST = 'storage.cutroom.internal';
export const STORAGE_ORIGIN = `http://${STORAGE_HOST}`;
/** Path of an object on the storage host; the token follows. */
export const STORAGE_OBJECT_PATH = '/v1/objects/';
/** Where the dev Worker serves the storage host (local processors only; see `STORAGE_URL`). */
export const STORAGE_DEV_PATH = '/internal/storage';

const MiB = 1024 * 1024;
/**
 * The largest body the storage path accepts, and the processor's part size: every request body
 * stays far below the 100 MB a Worker accepts on every plan, and a part being sent (plus the next
 * one filling) is all an upload holds in memory.
 */
export const STORAGE_PART_BYTES = 32 * MiB;
/** R2: every part but the last is at least 5 MiB (and all of them the same size). */
export const STORAGE_MIN_PART_BYTES = 5 * MiB;
/** R2: at most 10 000 parts, so one output is at most 10 000 × the part size (320 GiB). */
export const STORAGE_MAX_PARTS = 10_000;

/** Query parameters of the multipart steps. */
export const STORAGE_QUERY = { create: 'uploads', uploadId: 'upload_id', partNumber: 'part_number' } as const;

export const multipartCreated = z.object({ upload_id: z.string().min(1).max(1024) });
export const partStored = z.object({ part_number: z.number().int().min(1).max(STORAGE_MAX_PARTS), etag: z.string() });
export const completeRequest = z.strictObject({ parts: z.array(partStored).min(1).max(STORAGE_MAX_PARTS) });
export const objectStored = z.object({ size_bytes: z.number().int().nonnegative(), etag: z.string() });
export type PartStored = z.infer<typeof partStored>;
