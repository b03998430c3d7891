import { describe, expect, it } from 'vitest';
import { MultipartError, multipartBoundary, parseMultipart } from '../../src/core/multipart.ts';
import { concatBytes } from '../../src/core/streams.ts';

const enc = new TextEncoder();
const BOUNDARY = '----cutroomBoundary7MA4YWxkTrZu0gW';

const concat = concatBytes;

/** A body whose file content contains near-misses of the delimiter. */
function sampleBody(file: Uint8Array) {
  return concat([
    enc.encode(
      `preamble to ignore\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\nMy video\r\n`,
    ),
    enc.encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="video"; filename="clip \\"one\\".mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    ),
    file,
    enc.encode(
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n\r\n--${BOUNDARY}--\r\n`,
    ),
  ]);
}

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return concat(chunks);
    chunks.push(value);
  }
}

const trickyFile = () => {
  const noise = new Uint8Array(5000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 256;
  return concat([noise, enc.encode(`\r\n--${BOUNDARY.slice(0, 10)}x\r\n--`), noise, enc.encode('\r\n\r\n-')]);
};

describe('parseMultipart', () => {
  it.each([1, 3, 17, 64, 4096, 1 << 20])(
    'yields the same parts whatever the chunking (%i-byte chunks)',
    async (chunk) => {
      const file = trickyFile();
      const seen: { name: string; filename: string | null; type: string | null; data: Uint8Array }[] = [];
      for await (const part of parseMultipart(streamOf(sampleBody(file), chunk), BOUNDARY)) {
        seen.push({ name: part.name, filename: part.filename, type: part.contentType, data: await readAll(part.body) });
      }
      expect(seen.map((p) => p.name)).toEqual(['name', 'video', 'description']);
      expect(new TextDecoder().decode(seen[0]!.data)).toBe('My video');
      expect(seen[1]!.filename).toBe('clip "one".mp4');
      expect(seen[1]!.type).toBe('video/mp4');
      expect(seen[1]!.data).toEqual(file);
      expect(seen[2]!.data.length).toBe(0);
    },
  );

  it('lets a consumer skip a part and still reach the next one', async () => {
    const names: string[] = [];
    let description = 'unset';
    for await (const part of parseMultipart(streamOf(sampleBody(trickyFile()), 100), BOUNDARY)) {
      names.push(part.name);
      if (part.name === 'description') description = await part.text();
      // name and video are never read.
    }
    expect(names).toEqual(['name', 'video', 'description']);
    expect(description).toBe('');
  });

  it('caps text fields', async () => {
    const parts = parseMultipart(streamOf(sampleBody(trickyFile()), 1000), BOUNDARY);
    const first = await parts.next();
    await expect(first.value!.text(3)).rejects.toThrow(MultipartError);
  });

  it('fails on a truncated body and on a body without the boundary', async () => {
    const body = sampleBody(trickyFile());
    const truncated = async () => {
      for await (const part of parseMultipart(streamOf(body.subarray(0, body.length - 200), 512), BOUNDARY))
        await readAll(part.body);
    };
    await expect(truncated()).rejects.toThrow(MultipartError);
    const unrelated = async () => {
      for await (const _ of parseMultipart(streamOf(enc.encode('just some text'), 4), BOUNDARY));
    };
    await expect(unrelated()).rejects.toThrow(MultipartError);
  });
});

describe('multipartBoundary', () => {
  it('reads quoted and bare boundaries and refuses other types', () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b c"')).toBe('a b c');
    expect(multipartBoundary('application/json')).toBeNull();
    expect(multipartBoundary('multipart/form-data')).toBeNull();
  });
});
