/**
 * Hostile inputs: every one is answered with a clear error code (never a crash, never a hang, never a
 * read of a file or URL it points at), and the server keeps serving afterwards.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessorOperation } from '../../shared/processor/operations.ts';
import { buildHostileInputs, type HostileInput } from './fixtures/hostile.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
let inputs: HostileInput[] = [];
/** Stands for an internal service a playlist might point at: it must never be contacted. */
let internal: Server;
let internalHits = 0;

beforeAll(async () => {
  internal = createServer((_req, res) => {
    internalHits++;
    res.end('secret');
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  h = await startHarness();
  inputs = await buildHostileInputs(h.dir, `http://127.0.0.1:${(internal.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await h?.close();
  internal?.close();
});

/** Requests by label: the operation, and its body for an input. Copy extracts run in-process for MP4. */
const CASES = {
  probe: 'probe',
  thumbnail: 'thumbnail',
  'extract (smart)': 'extract',
  'extract (copy, in-process for MP4)': 'extract',
  'mute (in-process for MP4)': 'mute',
  waveform: 'waveform',
} as const satisfies Record<string, ProcessorOperation>;
type Case = keyof typeof CASES;

const requestFor = (label: Case, name: string): never => {
  const input = { url: h.media.url(name) };
  const output = (type: string) => ({ url: h.media.uploadUrl(`out-${name}`), content_type: type });
  const requests: Record<Case, unknown> = {
    probe: { input },
    thumbnail: { input, time: 0.5, width: 160, output: output('image/jpeg') },
    'extract (smart)': { input, start: 0.2, end: 1, mode: 'smart', output: output('video/mp4') },
    'extract (copy, in-process for MP4)': { input, start: 0.2, end: 1, mode: 'copy', output: output('video/mp4') },
    'mute (in-process for MP4)': {
      input,
      intervals: [{ start: 0.2, end: 0.6 }],
      mode: 'hard',
      output: output('video/mp4'),
    },
    waveform: { input, bins: 100 },
  };
  return requests[label] as never;
};

describe('hostile inputs', () => {
  for (const label of Object.keys(CASES) as Case[]) {
    const operation = CASES[label];
    it(`${label}: each hostile input fails with its code`, async () => {
      const outcomes: Record<string, string> = {};
      for (const input of inputs) {
        const error = await h.processor.client.run(operation, requestFor(label, input.name)).then(
          () => 'succeeded',
          (e: { code?: string }) => e.code ?? 'no code',
        );
        outcomes[input.description] = error;
      }
      const expected = Object.fromEntries(inputs.map((i) => [i.description, i.code]));
      expect(outcomes).toEqual(expected);
    });
  }

  it('never follows a playlist to the files or URLs it names', () => {
    expect(internalHits).toBe(0);
    const fetched = new Set(h.media.requests().map((r) => r.name));
    expect([...fetched].every((name) => inputs.some((i) => i.name === name) || name === 'good.mp4')).toBe(true);
  });

  it('answers no_video_stream for audio-only input to a video operation', async () => {
    await expect(
      h.processor.client.run('extract', requestFor('extract (smart)', 'audio-only.m4a')),
    ).rejects.toMatchObject({ code: 'no_video_stream', retryable: false });
    await expect(
      h.processor.client.run('extract', requestFor('extract (copy, in-process for MP4)', 'audio-only.m4a')),
    ).rejects.toMatchObject({ code: 'no_video_stream', retryable: false });
    await expect(h.processor.client.run('thumbnail', requestFor('thumbnail', 'audio-only.m4a'))).rejects.toMatchObject({
      code: 'no_video_stream',
    });
  });

  it('answers input_unreachable (retryable) when the media server fails or the URL is unknown', async () => {
    h.media.failWith('flaky.mp4', 500);
    await expect(h.processor.client.run('probe', { input: { url: h.media.url('flaky.mp4') } })).rejects.toMatchObject({
      code: 'input_unreachable',
      retryable: true,
    });
    await expect(h.processor.client.run('probe', { input: { url: h.media.url('missing.mp4') } })).rejects.toMatchObject(
      { code: 'input_unreachable', retryable: true },
    );
  });

  it('keeps serving: health is ok, the process is alive, and good media still works', async () => {
    expect(h.processor.exited()).toBe(false);
    expect(await h.processor.client.health()).toMatchObject({ ok: true });
    const result = await h.processor.client.run('probe', { input: { url: h.media.url('good.mp4') } });
    expect(result.duration).toBeCloseTo(2, 1);
  });
});
