/**
 * Writes a stream of unknown length into R2 with bounded memory: the bytes are cut into fixed-size
 * parts of an R2 multipart upload (one part filling while the previous one uploads, so at most two
 * parts are in memory). A stream shorter than one part becomes a single `put`. The object appears
 * only when the stream has ended; on any failure the upload is aborted and nothing is left.
 */

export const STREAM_PART_BYTES = 10 * 1024 * 1024;

export interface StreamToR2Options {
  contentType: string;
  partBytes?: number;
  /** Fails (and aborts) once more than this many bytes arrive. */
  maxBytes?: number;
  /** Bytes already read from the stream (e.g. while sniffing) that come first. */
  head?: Uint8Array;
}

export class StreamTooLargeError extends Error {
  override name = 'StreamTooLargeError';
}

export async function streamToR2(
  bucket: R2Bucket,
  key: string,
  stream: ReadableStream<Uint8Array>,
  options: StreamToR2Options,
): Promise<{ size: number; parts: number }> {
  const partBytes = options.partBytes ?? STREAM_PART_BYTES;
  const httpMetadata = { contentType: options.contentType };
  let upload: R2MultipartUpload | null = null;
  const uploaded: Promise<R2UploadedPart>[] = [];
  let inFlight: Promise<R2UploadedPart> | null = null;
  let buffer = new Uint8Array(partBytes);
  let filled = 0;
  let total = 0;

  const flushPart = async () => {
    upload ??= await bucket.createMultipartUpload(key, { httpMetadata });
    // Wait for the previous part first: at most one part uploads while the next one fills.
    if (inFlight) await inFlight;
    const partNumber = uploaded.length + 1;
    const body = buffer;
    inFlight = upload.uploadPart(partNumber, body);
    // Observed later (next flush or the end); mark it handled so a failure is not reported twice.
    inFlight.catch(() => {});
    uploaded.push(inFlight);
    buffer = new Uint8Array(partBytes);
    filled = 0;
  };

  const append = async (chunk: Uint8Array) => {
    total += chunk.length;
    if (options.maxBytes !== undefined && total > options.maxBytes)
      throw new StreamTooLargeError(`More than ${options.maxBytes} bytes`);
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(partBytes - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === partBytes) await flushPart();
    }
  };

  const reader = stream.getReader();
  try {
    if (options.head?.length) await append(options.head);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      await append(value);
    }
    if (!upload) {
      await bucket.put(key, buffer.subarray(0, filled), { httpMetadata });
      return { size: total, parts: 1 };
    }
    const mpu = upload as R2MultipartUpload;
    if (filled > 0) {
      if (inFlight) await inFlight;
      uploaded.push(mpu.uploadPart(uploaded.length + 1, buffer.subarray(0, filled)));
    }
    const parts = await Promise.all(uploaded);
    await mpu.complete(parts);
    return { size: total, parts: parts.length };
  } catch (err) {
    await reader.cancel(err).catch(() => {});
    // Settle in-flight parts before aborting, so no part lands after the abort.
    await Promise.allSettled(uploaded);
    if (upload) await (upload as R2MultipartUpload).abort().catch(() => {});
    throw err;
  }
}
