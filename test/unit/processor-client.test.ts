/**
 * The Worker side of the processor protocol, inside workerd: the WebCrypto signature matches the
 * format the processor verifies (vector computed with the processor's node:crypto signer), and the
 * client turns answers and streams into results or ProcessorErrors with the right `retryable`.
 */
import { describe, expect, it } from 'vitest';
import { createProcessorClient } from '../../src/processor/client.ts';
import type { ProbeResult } from '../../shared/processor/operations.ts';
import { ProcessorError } from '../../src/processor/errors.ts';
import { signProcessorRequest } from '../../shared/processor/signature.ts';

const SECRET = 'unit-test-secret-0123456789abcdef';

describe('processor signature', () => {
  it('matches the processor verifier’s format', async () => {
    const body = '{"input":{"url":"https://api.example/media/x"}}';
    expect(await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, 1_800_000_000)).toBe(
      't=1800000000,v1=33f77d6bb2d957cc34c02b614f55874fe174baba7e5a3fb64bbf76da7887c387',
    );
  });
});

function clientAnswering(answer: (request: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const client = createProcessorClient({
    baseUrl: 'http://processor',
    secret: SECRET,
    fetch: async (request) => {
      seen.push(request.clone());
      return answer(request);
    },
  });
  return { client, seen };
}

/** A whole probe result: the client checks every result against the operation's schema. */
const PROBE: ProbeResult = {
  duration: 4,
  width: 320,
  height: 180,
  coded_width: 320,
  coded_height: 180,
  rotation: 0,
  orientation: 'landscape',
  fps: 30,
  video_codec: 'h264',
  audio_codec: 'aac',
  has_video: true,
  has_audio: true,
  video_bitrate: 500_000,
  audio_bitrate: 128_000,
  bit_rate: 640_000,
  size_bytes: 320_000,
  format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
  pixel_format: 'yuv420p',
  keyframe_interval: 1,
};

const ndjson = (...lines: unknown[]) =>
  new Response(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, {
    headers: { 'content-type': 'application/x-ndjson' },
  });

describe('processor client', () => {
  it('signs the exact body it sends, forwards progress and returns the result', async () => {
    const { client, seen } = clientAnswering(() =>
      ndjson(
        { type: 'progress', percent: 10, step: 'probing' },
        { type: 'progress', percent: 60, step: 'encoding' },
        { type: 'result', result: PROBE },
      ),
    );
    const progress: number[] = [];
    const result = await client.run('probe', { input: { url: 'https://api.example/m' } }, (e) => {
      progress.push(e.percent);
    });
    expect(result).toEqual(PROBE);
    expect(progress).toEqual([10, 60]);
    const request = seen[0]!;
    expect(new URL(request.url).pathname).toBe('/v1/probe');
    const body = await request.text();
    const header = request.headers.get('x-cutroom-signature')!;
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
    expect(header).toBe(await signProcessorRequest(SECRET, 'POST', '/v1/probe', body, t));
  });

  it('maps stream errors and refusals to ProcessorError with retryable', async () => {
    const cases: [() => Response, string, boolean][] = [
      [() => ndjson({ type: 'error', code: 'invalid_media', message: 'not media' }), 'invalid_media', false],
      [() => ndjson({ type: 'error', code: 'input_unreachable', message: 'gone' }), 'input_unreachable', true],
      [() => ndjson({ type: 'error', code: 'timeout', message: 'slow' }), 'timeout', true],
      [() => Response.json({ error: { code: 'busy', message: 'full' } }, { status: 503 }), 'busy', true],
      [
        () => Response.json({ error: { code: 'invalid_request', message: 'bad' } }, { status: 400 }),
        'invalid_request',
        false,
      ],
      [() => new Response('<html>bad gateway</html>', { status: 502 }), 'unreachable', true],
      [() => ndjson({ type: 'progress', percent: 5, step: 'x' }), 'unreachable', true],
      [() => new Response('garbage\n'), 'protocol_error', false],
    ];
    for (const [answer, code, retryable] of cases) {
      const { client } = clientAnswering(answer);
      const error = await client.run('probe', { input: { url: 'https://api.example/m' } }).catch((e: unknown) => e);
      expect(error, code).toBeInstanceOf(ProcessorError);
      expect(error).toMatchObject({ code, retryable });
    }
  });

  it('refuses a result or a line that does not fit the contract as a protocol error', async () => {
    const answers = [
      ndjson({ type: 'result', result: { duration: 4 } }),
      ndjson({ type: 'result', result: { ...PROBE, rotation: 45 } }),
      ndjson({ type: 'progress', percent: 'half', step: 'x' }),
      ndjson({ type: 'error', code: 'exploded', message: 'boom' }),
    ];
    for (const answer of answers) {
      const { client } = clientAnswering(() => answer);
      await expect(client.run('probe', { input: { url: 'https://api.example/m' } })).rejects.toMatchObject({
        code: 'protocol_error',
        retryable: false,
      });
    }
  });

  it('reports an unreachable processor as retryable, and health as not ok', async () => {
    const { client } = clientAnswering(() => {
      throw new TypeError('connection refused');
    });
    await expect(client.run('probe', { input: { url: 'https://api.example/m' } })).rejects.toMatchObject({
      code: 'unreachable',
      retryable: true,
    });
    expect(await client.health()).toMatchObject({ ok: false, ffmpeg: false });
  });
});
