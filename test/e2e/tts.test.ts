/**
 * Text-to-speech end to end: the Worker, the queue consumer and the real processor. Without a key
 * the local eSpeak NG voice speaks; with the ElevenLabs fake (started here, speaking ElevenLabs'
 * wire format) the voice comes from it and the call lands in the cost ledger. Audio and captions
 * are checked with ffprobe and against each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELEVENLABS_FAKE_KEY, ElevenLabsFake } from '../fakes/elevenlabs-server.ts';
import { makeVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { parseSrt } from '../../src/core/srt.ts';
import { durationOf, rmsDb, saveBytes, streamsOf, videoPacketHashes } from './helpers/media-checks.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const TEXT = 'Hello there. This voice was made for a short video, with a pause.   And then it goes on.';

async function finished(stack: Stack, t: Tenant, jobId: string) {
  const job = await stack.waitForJob(t, jobId, { timeoutMs: 120_000 });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  return job;
}

/** Checks the audio is an MP3 as long as the job says, and the SRT lies within it. */
async function checkVoiceover(stack: Stack, t: Tenant, job: { id: string; result: Record<string, unknown> | null }) {
  const result = job.result as any;
  const audio = await stack.fetchUrl(result.audio_url);
  expect(audio.status).toBe(200);
  const file = await saveBytes(audio.bytes, 'mp3');
  expect((await streamsOf(file)).map((s) => s.codec_name)).toEqual(['mp3']);
  const duration = await durationOf(file);
  expect(Math.abs(duration - result.duration)).toBeLessThan(0.15);
  const cues = parseSrt(result.srt).cues;
  expect(cues.length).toBeGreaterThanOrEqual(2);
  expect(cues.map((c) => c.text).join(' ')).toContain('Hello there.');
  for (const cue of cues) {
    expect(cue.end).toBeGreaterThan(cue.start);
    expect(cue.end).toBeLessThanOrEqual(duration + 0.1);
  }
  const srtFile = await stack.fetchUrl(result.srt_url);
  expect(srtFile.text).toBe(result.srt);
  // The download route names the file as the original did.
  const dl = await stack.api(t)(`/api/v1/tts/${job.id}/download`);
  expect(dl.status).toBe(200);
  expect(dl.headers.get('content-disposition')).toContain(`voiceover_${job.id}.mp3`);
  return { file, duration, cues };
}

describe('without an ElevenLabs key (local voice)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('speaks with eSpeak NG, removes silence, and keeps the captions aligned; no cost is recorded', async () => {
    const t = await stack.newTenant();
    const raw = await stack.api(t)('/api/v1/tts/generate', { json: { text: TEXT, remove_silence: false } });
    expect(raw.status, raw.text).toBe(202);
    expect(raw.body).toMatchObject({ provider: 'local', voice: 'en-us', estimated_cost_usd: 0 });
    const rawJob = await finished(stack, t, raw.body.job_id);
    const unpadded = await checkVoiceover(stack, t, rawJob);
    expect(rawJob.result).toMatchObject({ provider: 'local', cost_usd: 0, silence_removal: { enabled: false } });

    const trimmed = await stack.api(t)('/api/v1/tts/generate', {
      json: { text: TEXT, remove_silence: true, min_silence_duration: 0.1, silence_padding: 0.02 },
    });
    const trimmedJob = await finished(stack, t, trimmed.body.job_id);
    const cut = await checkVoiceover(stack, t, trimmedJob);
    const stats = (trimmedJob.result as any).silence_removal;
    expect(stats).toMatchObject({ enabled: true, applied: true });
    expect(stats.new_duration).toBeLessThan(stats.original_duration);
    expect(cut.duration).toBeLessThan(unpadded.duration);
    // Same words in the same order, only earlier.
    expect(cut.cues.map((c) => c.text)).toEqual(unpadded.cues.map((c) => c.text));
    expect(cut.cues.at(-1)!.start).toBeLessThan(unpadded.cues.at(-1)!.start);

    expect((await stack.api(t)('/api/v1/costs')).body.entry_count).toBe(0);
  });

  it('adds one voice-over to owned videos with the video copied and the source ducked', async () => {
    const t = await stack.newTenant();
    const path = await makeVideo({ width: 320, height: 240, duration: 6, frequency: 440 });
    const form = new FormData();
    form.append('video', new Blob([await readWhole(path)], { type: 'video/mp4' }), 'tone.mp4');
    form.append('name', 'Tone');
    const uploaded = await stack.api(t)('/api/v1/segments/source-videos', { method: 'POST', body: form });
    expect(uploaded.status, uploaded.text).toBe(201);
    await finished(stack, t, uploaded.body.job_id);

    const addVoice = async (options: Record<string, unknown>) => {
      const res = await stack.api(t)('/api/v1/tts/add-to-videos', {
        json: {
          source_video_ids: [uploaded.body.id],
          tts_text: 'A short line over the tone.',
          remove_silence: false,
          ...options,
        },
      });
      expect(res.status, res.text).toBe(202);
      const job = await finished(stack, t, res.body.job_id);
      const result = job.result as any;
      expect(result).toMatchObject({ total: 1, successful: 1 });
      const item = result.processed_videos[0];
      expect(item).toMatchObject({ status: 'success', video_copied: true, download_filename: 'tone_with_tts.mp4' });
      const out = await saveBytes((await stack.fetchUrl(item.with_tts_url)).bytes, 'mp4');
      expect(await videoPacketHashes(out)).toEqual(await videoPacketHashes(path));
      return { out, voiceSeconds: result.voiceover.duration as number, ducking: result.voiceover.ducking };
    };

    // By default the tone goes down only while the voice sounds; ducking: constant (as the original)
    // keeps it at 10 % (−20 dB) throughout. After the voice the two differ by exactly that.
    const sidechain = await addVoice({});
    const constant = await addVoice({ ducking: 'constant' });
    expect([sidechain.ducking, constant.ducking]).toEqual(['sidechain', 'constant']);
    const tail = { start: sidechain.voiceSeconds + 0.6, end: 5.8 };
    expect(tail.end - tail.start).toBeGreaterThan(1);
    const before = await rmsDb(path, tail.start, tail.end);
    const back = await rmsDb(sidechain.out, tail.start, tail.end);
    const after = await rmsDb(constant.out, tail.start, tail.end);
    expect(Math.abs(back - after - 20), JSON.stringify({ before, back, after })).toBeLessThanOrEqual(1);
    expect(after).toBeLessThan(before - 12);
    expect(after).toBeGreaterThan(before - 30);
  });
});

describe('with the ElevenLabs fake', () => {
  let stack: Stack;
  let fake: ElevenLabsFake;
  beforeAll(async () => {
    fake = await ElevenLabsFake.start();
    stack = await startStack({
      vars: {
        ELEVENLABS_BASE_URL: fake.url,
        ELEVENLABS_API_KEY: ELEVENLABS_FAKE_KEY,
        ELEVENLABS_MODEL: 'eleven_flash_v2_5',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  it('speaks through ElevenLabs with timestamps, captions from the alignment, one cost row; a redelivery changes nothing', async () => {
    const t = await stack.newTenant();
    const res = await stack.api(t)('/api/v1/tts/generate', { json: { text: TEXT } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.provider).toBe('elevenlabs');
    expect(res.body.estimated_cost_usd).toBeCloseTo(TEXT.length * 0.00005, 8);
    const job = await finished(stack, t, res.body.job_id);
    await checkVoiceover(stack, t, job);
    const result = job.result as any;
    expect(result).toMatchObject({ provider: 'elevenlabs', model: 'eleven_flash_v2_5', characters: TEXT.length });
    expect(result.request_id).toBeTruthy();

    const costs = await stack.api(t)('/api/v1/costs/all');
    expect(costs.body.entries).toHaveLength(1);
    expect(costs.body.entries[0]).toMatchObject({
      job_id: job.id,
      service: 'elevenlabs',
      units: TEXT.length,
      unit: 'characters',
      model: 'eleven_flash_v2_5',
      request_id: result.request_id,
    });
    expect(costs.body.entries[0].cost_usd).toBeCloseTo(TEXT.length * 0.00005, 8);
    expect(fake.server.requestsFor({ method: 'POST', path: '/v1/text-to-speech/' })).toHaveLength(1);

    // The queue delivers the same message again: nothing is called, billed or written twice.
    const keys = stack.r2Keys(`p/${t.profileId}/`);
    await stack.deliver({ kind: 'job', job_id: job.id, profile_id: t.profileId, type: 'tts_generate' });
    expect((await stack.api(t)(`/api/v1/jobs/${job.id}`)).body).toMatchObject({
      status: 'completed',
      updated_at: (job as any).updated_at,
    });
    expect(fake.server.requestsFor({ method: 'POST', path: '/v1/text-to-speech/' })).toHaveLength(1);
    expect((await stack.api(t)('/api/v1/costs/all')).body.entries).toHaveLength(1);
    expect(stack.r2Keys(`p/${t.profileId}/`)).toEqual(keys);
  });

  it('uses the local voice for a profile set to tts_provider=local, even with a key', async () => {
    const t = await stack.newTenant();
    const patched = await stack.api(t)(`/api/v1/profiles/${t.profileId}`, {
      method: 'PATCH',
      json: { tts_provider: 'local' },
    });
    expect(patched.status, patched.text).toBeLessThan(300);
    const res = await stack.api(t)('/api/v1/tts/generate', { json: { text: 'Local please.' } });
    expect(res.body.provider).toBe('local');
    const job = await finished(stack, t, res.body.job_id);
    expect(job.result).toMatchObject({ provider: 'local', cost_usd: 0 });
  });
});
