/**
 * The processing routes inside workerd: validation (400 with field paths), what gets queued,
 * uploads becoming source videos or job inputs, budget 402, Idempotency-Key replay and conflict,
 * downloads, and the cross-profile check on every route. Media work itself is tested e2e.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_AUDIO_UPLOAD_BYTES, MAX_JSON_BODY_BYTES, MAX_REQUEST_BODY_BYTES } from '../../src/core/limits.ts';
import { completeJob, getJob, markRunning } from '../../src/db/repos/jobs.ts';
import { setVoiceDetection } from '../../src/db/repos/source-videos.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { fakeMp3, jobsOf, postForm } from '../helpers/worker/processing.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { BASE, callUrl, fakeMp4, readyVideo, uploadVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';

const SRT = '1\n00:00:00,000 --> 00:00:02,000\nHello coffee\n\n2\n00:00:02,500 --> 00:00:04,000\nBye\n';

const issuesOf = (res: { body: any }) => (res.body.error?.details ?? []).map((d: { path: string }) => d.path);

async function setBudget(t: Tenant, usd: number | null) {
  const res = await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { monthly_budget_usd: usd } });
  expect(res.status, res.text).toBe(200);
}

async function r2Keys(t: Tenant, sub = ''): Promise<string[]> {
  const listing = await env.MEDIA.list({ prefix: `p/${t.profileId}/${sub}` });
  return listing.objects.map((o) => o.key);
}

describe('validation', () => {
  it('answers 400 with field paths for bad fields, in JSON and in forms', async () => {
    const t = await seedUser('proc');
    const api = as(t);
    const video = await readyVideo(t);
    expect(issuesOf(await api('/api/v1/detect-voice', { json: { source_video_id: video, threshold: 2 } }))).toEqual([
      'threshold',
    ]);
    expect(issuesOf(await api('/api/v1/detect-voice', { json: {} }))).toEqual(['video']);
    expect(issuesOf(await api('/api/v1/detect-voice', { json: { source_video_id: 'path/to/file.mp4' } }))).toEqual([
      'source_video_id',
    ]);
    expect(issuesOf(await api('/api/v1/mute-voice', { json: { source_video_id: video, mode: 'loud' } }))).toEqual([
      'mode',
    ]);
    expect(issuesOf(await api('/api/v1/analyze', { json: { source_video_id: video, target_duration: 0 } }))).toEqual([
      'target_duration',
    ]);
    expect(issuesOf(await postForm(t, '/api/v1/jobs', { source_video_id: video, target_duration: 'abc' }))).toEqual([
      'target_duration',
    ]);
    expect(issuesOf(await postForm(t, '/api/v1/jobs', { source_video_id: video, subtitle_settings: '{' }))).toEqual([
      'subtitle_settings',
    ]);
    expect(
      issuesOf(await api('/api/v1/jobs', { json: { source_video_id: video, subtitle_settings: { fontSize: 5 } } })),
    ).toEqual(['subtitle_settings.fontSize']);
    expect(
      issuesOf(await api('/api/v1/jobs', { json: { source_video_id: video, srt_content: 'not an srt' } })),
    ).toEqual(['srt']);
    expect(issuesOf(await api('/api/v1/jobs/multi-video', { json: { source_video_id: video } }))).toEqual(['srt']);
    expect(
      issuesOf(
        await api('/api/v1/jobs/multi-video', {
          json: { source_video_id: video, srt_content: SRT, secondary_source_video_id_1: video },
        }),
      ),
    ).toEqual(['secondary_keywords_1']);
    expect(issuesOf(await api('/api/v1/tts/generate', { json: { text: '   ' } }))).toEqual(['text']);
    expect(issuesOf(await api('/api/v1/tts/generate', { json: { text: 'Hi', voice: 'not a voice!' } }))).toEqual([
      'voice',
    ]);
    expect(
      issuesOf(await api('/api/v1/tts/add-to-videos', { json: { tts_text: 'Hi', video_paths: ['/etc/passwd'] } })),
    ).toEqual(['video_paths']);
    expect(issuesOf(await api('/api/v1/tts/add-to-videos', { json: { tts_text: 'Hi' } }))).toEqual(['clip_ids']);
    expect(
      (await api('/api/v1/analyze', { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } })).status,
    ).toBe(415);
    // Nothing was queued by any of these.
    expect(await jobsOf(t, 'process_video')).toEqual([]);
  });

  it('limits text by provider: 5 000 characters for the local voice', async () => {
    const t = await seedUser('proc');
    await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { tts_provider: 'local' } });
    const long = await as(t)('/api/v1/tts/generate', { json: { text: 'a'.repeat(5001) } });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/5000 characters \(local\)/);
    expect((await as(t)('/api/v1/tts/generate', { json: { text: 'a'.repeat(5000) } })).status).toBe(202);
  });

  it('clamps variant_count to 1–10 as the original did', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const res = await postForm(t, '/api/v1/jobs', { source_video_id: video, variant_count: '50' });
    expect(res.status, res.text).toBe(202);
    expect(res.body.input.variant_count).toBe(10);
  });
});

describe('jobs created', () => {
  it('detect-voice: a job for a new detection, the cached answer at once for the same parameters', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const queued = await as(t)('/api/v1/detect-voice', { json: { source_video_id: video } });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({
      type: 'detect_voice',
      status: 'pending',
      resource_id: video,
      source_video_id: video,
    });
    // Asking again while it runs reports the same job.
    expect((await as(t)('/api/v1/detect-voice', { json: { source_video_id: video } })).body.job_id).toBe(
      queued.body.job_id,
    );

    await setVoiceDetection(scopeOf(t), video, {
      params: { threshold: 0.5, min_speech_duration: 0.25, min_silence_duration: 0.1, padding: 0 },
      segments: [{ start: 1, end: 2.5, duration: 1.5, confidence: 0.5 }],
      total_voice_duration: 1.5,
    });
    const cached = await as(t)('/api/v1/detect-voice', { json: { source_video_id: video } });
    expect(cached.status).toBe(200);
    expect(cached.body).toEqual({
      status: 'success',
      source_video_id: video,
      voice_segments: [{ start: 1, end: 2.5, duration: 1.5, confidence: 0.5 }],
      total_voice_duration: 1.5,
      segments_count: 1,
      threshold_used: 0.5,
      cached: true,
    });
    // Other parameters: a new run.
    expect((await as(t)('/api/v1/detect-voice', { json: { source_video_id: video, threshold: 0.7 } })).status).toBe(
      202,
    );
  });

  it('mute-voice: keep_percentage alone means duck, as the original', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const res = await postForm(t, '/api/v1/mute-voice', { source_video_id: video, keep_percentage: '0.2' });
    expect(res.status, res.text).toBe(202);
    expect(res.body.input).toMatchObject({
      source_video_id: video,
      mode: 'duck',
      keep_percentage: 0.2,
      // Detected speech is widened so word tails are muted too (docs/voice-detection.md#muting-speech).
      margins: { pad_before: 0.1, pad_after: 0.25, merge_gap: 0.3 },
      output_name: `muted_${res.body.job_id}`,
    });
    const exact = await as(t)('/api/v1/mute-voice', {
      json: { source_video_id: video, pad_before: 0, pad_after: 0.5, merge_gap: 1 },
    });
    expect(exact.status, exact.text).toBe(202);
    expect(exact.body.input.margins).toEqual({ pad_before: 0, pad_after: 0.5, merge_gap: 1 });
    expect(
      issuesOf(await as(t)('/api/v1/mute-voice', { json: { source_video_id: video, pad_after: 3, merge_gap: -1 } })),
    ).toEqual(['pad_after', 'merge_gap']);
  });

  it('tts/add-to-videos: sidechain ducking by default, constant on request, nothing else', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const plain = await as(t)('/api/v1/tts/add-to-videos', { json: { source_video_ids: [video], tts_text: 'Hi' } });
    expect(plain.status, plain.text).toBe(202);
    expect(plain.body.input).toMatchObject({ duck_to: 0.1, ducking: 'sidechain' });
    const constant = await postForm(t, '/api/v1/tts/add-to-videos', {
      source_video_ids: JSON.stringify([video]),
      tts_text: 'Hi',
      ducking: 'constant',
    });
    expect(constant.status, constant.text).toBe(202);
    expect(constant.body.input).toMatchObject({ ducking: 'constant' });
    expect(
      issuesOf(
        await as(t)('/api/v1/tts/add-to-videos', {
          json: { source_video_ids: [video], tts_text: 'Hi', ducking: 'loud' },
        }),
      ),
    ).toEqual(['ducking']);
  });

  it('analyze: Gemini only with context_text (and a key), with its estimated cost', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const plain = await as(t)('/api/v1/analyze', { json: { source_video_id: video } });
    expect(plain.body).toMatchObject({ engine: 'highlights', estimated_cost_usd: 0 });
    const gemini = await as(t)('/api/v1/analyze', { json: { source_video_id: video, context_text: 'A cooking demo' } });
    expect(gemini.status).toBe(202);
    expect(gemini.body.engine).toBe('gemini');
    expect(gemini.body.estimated_cost_usd).toBeGreaterThan(0);
    expect(gemini.body.input).toMatchObject({ context_text: 'A cooking demo', target_duration: 20 });
  });

  it('video-info: stored metadata of a ready video at once; the probe job of one still processing', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const res = await as(t)('/api/v1/video-info', { json: { source_video_id: video } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      source_video_id: video,
      width: 320,
      height: 240,
      duration: 4,
      fps: 25,
      rotation: 0,
      aspect_ratio: 'landscape',
      is_vertical: false,
    });
    const { id, completed } = await uploadVideo(t, fakeMp4(4096));
    const probing = await as(t)('/api/v1/video-info', { json: { source_video_id: id } });
    expect(probing.status).toBe(202);
    expect(probing.body).toMatchObject({ job_id: completed.job_id, type: 'probe_source_video' });
  });

  it('POST /jobs with files: the video becomes a source video, audio and SRT are stored under the job', async () => {
    const t = await seedUser('proc');
    const res = await postForm(t, '/api/v1/jobs', {
      video: { bytes: fakeMp4(8192), filename: 'shop.mp4', type: 'video/mp4' },
      audio: { bytes: fakeMp3(), filename: 'voice.mp3', type: 'audio/mpeg' },
      srt: { bytes: SRT, filename: 'subs.srt' },
      output_name: 'shop',
      mute_source_voice: 'yes',
    });
    expect(res.status, res.text).toBe(202);
    const jobId = res.body.job_id;
    expect(res.body.input).toMatchObject({
      source_video_id: res.body.source_video_id,
      audio_input: 'input-audio',
      srt_input: 'input-srt.srt',
      output_name: 'shop',
      mute_source_voice: true,
      generate_audio: true,
      engine: 'highlights',
    });
    const video = (await as(t)(`${BASE}/${res.body.source_video_id}`)).body;
    expect(video).toMatchObject({ status: 'processing', original_filename: 'shop.mp4' });
    expect((await r2Keys(t, `jobs/${jobId}/`)).sort()).toEqual([
      `p/${t.profileId}/jobs/${jobId}/input-audio`,
      `p/${t.profileId}/jobs/${jobId}/input-srt.srt`,
    ]);
    expect(await (await env.MEDIA.get(storageKeys.jobOutput(scopeOf(t), jobId, 'input-srt.srt')))!.text()).toBe(SRT);
  });

  it('refuses an audio file that is not audio and keeps nothing of the request', async () => {
    const t = await seedUser('proc');
    const res = await postForm(t, '/api/v1/jobs', {
      video: { bytes: fakeMp4(8192), filename: 'shop.mp4', type: 'video/mp4' },
      audio: { bytes: 'not audio at all '.repeat(50), filename: 'voice.mp3', type: 'audio/mpeg' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_media');
    expect(await r2Keys(t)).toEqual([]);
    expect((await as(t)(BASE)).body).toEqual([]);
    expect(await jobsOf(t)).toEqual([]);
  });

  it('refuses (413) an audio file over the form limit, so the whole form stays under the 100 MB edge limit', async () => {
    expect(MAX_AUDIO_UPLOAD_BYTES + MAX_JSON_BODY_BYTES).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES);
    const t = await seedUser('proc');
    const res = await postForm(t, '/api/v1/jobs', {
      video: { bytes: fakeMp4(8192), filename: 'shop.mp4', type: 'video/mp4' },
      audio: { bytes: fakeMp3(MAX_AUDIO_UPLOAD_BYTES + 1), filename: 'voice.mp3', type: 'audio/mpeg' },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await r2Keys(t)).toEqual([]);
    expect(await jobsOf(t)).toEqual([]);
  });

  it('refuses (429) a request whose probes and job together exceed the concurrent job limit, keeping nothing', async () => {
    const t = await seedUser('proc');
    await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { max_concurrent_jobs: 2 } });
    const res = await postForm(t, '/api/v1/jobs/multi-video', {
      main_video: { bytes: fakeMp4(8192, 5), filename: 'main.mp4', type: 'video/mp4' },
      secondary_video_1: { bytes: fakeMp4(8192, 6), filename: 'b.mp4', type: 'video/mp4' },
      secondary_keywords_1: 'coffee',
      srt: { bytes: SRT, filename: 's.srt' },
    });
    expect(res.status).toBe(429);
    expect(res.body.error.details).toMatchObject({ active_jobs: 0, limit: 2, requested_jobs: 3 });
    expect(await jobsOf(t)).toEqual([]);
    expect((await as(t)(BASE)).body).toEqual([]);
    expect(await r2Keys(t)).toEqual([]);
  });

  it('library generate: the project is generating with its job; a second run is refused while it runs', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const project = (await as(t)('/api/v1/library/projects', { json: { name: 'Launch' } })).body;
    const res = await as(t)(`/api/v1/library/projects/${project.id}/generate`, {
      json: { source_video_id: video, variant_count: 2 },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      status: 'generating',
      project_id: project.id,
      variant_count: 2,
      source_video_id: video,
    });
    const after = (await as(t)(`/api/v1/library/projects/${project.id}`)).body;
    expect(after).toMatchObject({
      status: 'generating',
      generation_job_id: res.body.job_id,
      source_video_id: video,
      progress: 0,
    });
    const job = await getJob(scopeOf(t), res.body.job_id);
    expect(job?.input).toMatchObject({
      project_id: project.id,
      start_variant_index: 1,
      target_duration: 20,
      engine: 'highlights',
    });
    const again = await as(t)(`/api/v1/library/projects/${project.id}/generate`, { json: { source_video_id: video } });
    expect(again.status).toBe(409);
    expect(
      issuesOf(
        await as(t)(`/api/v1/library/projects/${project.id}/generate`, {
          json: { source_video_id: video, variant_count: 11 },
        }),
      ),
    ).toEqual(['variant_count']);
  });

  it('cancelling a generation releases the project', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    const project = (await as(t)('/api/v1/library/projects', { json: { name: 'Launch' } })).body;
    const res = await as(t)(`/api/v1/library/projects/${project.id}/generate`, { json: { source_video_id: video } });
    const cancelled = await as(t)(`/api/v1/jobs/${res.body.job_id}/cancel`, { method: 'POST' });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await as(t)(`/api/v1/library/projects/${project.id}`)).body).toMatchObject({
      status: 'failed',
      progress_step: 'Anulat (cancelled)',
    });
    expect(
      (await as(t)(`/api/v1/library/projects/${project.id}/generate`, { json: { source_video_id: video } })).status,
    ).toBe(202);
  });
});

describe('budget', () => {
  it('answers 402 with the figures before queueing anything that would exceed the monthly budget', async () => {
    const t = await seedUser('proc');
    const video = await readyVideo(t);
    await setBudget(t, 0.000001);
    const project = (await as(t)('/api/v1/library/projects', { json: { name: 'Launch', context_text: 'Coffee shop' } }))
      .body;
    const refused = [
      await as(t)('/api/v1/analyze', { json: { source_video_id: video, context_text: 'A cooking demo' } }),
      await as(t)('/api/v1/tts/generate', { json: { text: 'Hello from ElevenLabs' } }),
      await postForm(t, '/api/v1/jobs', { source_video_id: video, script_text: 'Say this' }),
      await as(t)('/api/v1/tts/add-to-videos', { json: { source_video_ids: [video], tts_text: 'Say this' } }),
      await as(t)(`/api/v1/library/projects/${project.id}/generate`, { json: { source_video_id: video } }),
    ];
    for (const res of refused) {
      expect(res.status, res.text).toBe(402);
      expect(res.body.error.code).toBe('budget_exceeded');
      expect(res.body.error.details).toMatchObject({ monthly_budget_usd: 0.000001, spent_this_month_usd: 0 });
      expect(res.body.error.details.estimated_cost_usd).toBeGreaterThan(0);
    }
    expect((await jobsOf(t)).filter((j) => j.type !== 'probe_source_video')).toEqual([]);
    expect((await as(t)(`/api/v1/library/projects/${project.id}`)).body.status).toBe('draft');
    // Free work still goes through.
    expect((await as(t)('/api/v1/analyze', { json: { source_video_id: video } })).status).toBe(202);
  });

  it('an upload refused for budget leaves nothing behind', async () => {
    const t = await seedUser('proc');
    await setBudget(t, 0.000001);
    const res = await postForm(t, '/api/v1/analyze', {
      video: { bytes: fakeMp4(8192), filename: 'a.mp4', type: 'video/mp4' },
      context_text: 'Demo',
    });
    expect(res.status).toBe(402);
    expect((await as(t)(BASE)).body).toEqual([]);
    expect(await r2Keys(t)).toEqual([]);
  });
});

describe('Idempotency-Key', () => {
  it('replays the same job for the same body, refuses a different body, and makes one job for 50 concurrent requests', async () => {
    const t = await seedUser('proc');
    const key = { 'Idempotency-Key': `tts-${crypto.randomUUID()}` };
    const first = await as(t)('/api/v1/tts/generate', { json: { text: 'Hello' }, headers: key });
    expect(first.status).toBe(202);
    const replay = await as(t)('/api/v1/tts/generate', { json: { remove_silence: true, text: 'Hello' }, headers: key });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body.job_id).toBe(first.body.job_id);
    const other = await as(t)('/api/v1/tts/generate', { json: { text: 'Goodbye' }, headers: key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_mismatch');

    const crowdKey = { 'Idempotency-Key': `crowd-${crypto.randomUUID()}` };
    const crowd = await Promise.all(
      Array.from({ length: 50 }, () =>
        as(t)('/api/v1/mute-voice', { json: { source_video_id: 'vid_00000000000000000000000000' }, headers: crowdKey }),
      ),
    );
    // A foreign id: 404, or 409 while another of them holds the key; never a job.
    for (const r of crowd) expect([404, 409]).toContain(r.status);
    expect(crowd.some((r) => r.status === 404)).toBe(true);
    expect(await jobsOf(t, 'mute_voice')).toEqual([]);

    const video = await readyVideo(t);
    const okKey = { 'Idempotency-Key': `ok-${crypto.randomUUID()}` };
    const many = await Promise.all(
      Array.from({ length: 50 }, () =>
        as(t)('/api/v1/mute-voice', { json: { source_video_id: video }, headers: okKey }),
      ),
    );
    for (const r of many) expect([202, 409], r.text).toContain(r.status);
    const ids = new Set(many.filter((r) => r.status === 202).map((r) => r.body.job_id));
    expect(ids.size).toBe(1);
    expect(await jobsOf(t, 'mute_voice')).toHaveLength(1);
    const later = await as(t)('/api/v1/mute-voice', { json: { source_video_id: video }, headers: okKey });
    expect(later.body.job_id).toBe([...ids][0]);
  });

  it('a replayed upload returns the same job and does not keep a second copy of the file', async () => {
    const t = await seedUser('proc');
    const headers = { 'Idempotency-Key': `up-${crypto.randomUUID()}` };
    const fields = { video: { bytes: fakeMp4(8192, 3), filename: 'a.mp4', type: 'video/mp4' }, target_duration: '10' };
    const first = await postForm(t, '/api/v1/analyze', fields, headers);
    const second = await postForm(t, '/api/v1/analyze', fields, headers);
    expect(first.status).toBe(202);
    expect(second.body.job_id).toBe(first.body.job_id);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await as(t)(BASE)).body.map((v: any) => v.id)).toEqual([first.body.source_video_id]);
    // Same key, different file: 422.
    const changed = await postForm(
      t,
      '/api/v1/analyze',
      { ...fields, video: { bytes: fakeMp4(8192, 4), filename: 'a.mp4', type: 'video/mp4' } },
      headers,
    );
    expect(changed.status).toBe(422);
    expect((await as(t)(BASE)).body).toHaveLength(1);
  });
});

describe('downloads', () => {
  async function completedJob(t: Tenant, type: string, result: Record<string, unknown>, bytes?: Uint8Array) {
    const res = await as(t)(type === 'tts_generate' ? '/api/v1/tts/generate' : '/api/v1/analyze', {
      json: type === 'tts_generate' ? { text: 'Hi' } : { source_video_id: await readyVideo(t) },
    });
    const scope = scopeOf(t);
    await markRunning(scope, res.body.job_id, 1);
    if (bytes)
      await env.MEDIA.put(storageKeys.jobOutput(scope, res.body.job_id, String(result.main_output)), bytes, {
        httpMetadata: { contentType: 'audio/mpeg' },
      });
    await completeJob(scope, res.body.job_id, result);
    return res.body.job_id as string;
  }

  it('redirects to a signed URL of the main output (or streams it); 400 before completion', async () => {
    const t = await seedUser('proc');
    const pending = await as(t)('/api/v1/tts/generate', { json: { text: 'Hi' } });
    expect((await as(t)(`/api/v1/jobs/${pending.body.job_id}/download`)).status).toBe(400);
    expect((await as(t)(`/api/v1/tts/${pending.body.job_id}/download`)).status).toBe(400);

    const bytes = fakeMp3(2048);
    const id = await completedJob(
      t,
      'tts_generate',
      {
        status: 'success',
        audio_output: 'voiceover.mp3',
        main_output: 'voiceover.mp3',
        download_filename: 'voiceover_x.mp3',
      },
      bytes,
    );
    const redirect = await as(t)(`/api/v1/tts/${id}/download`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const got = await callUrl(redirect.headers.get('Location')!);
    expect(got.bytes).toEqual(bytes);
    expect(got.headers.get('Content-Disposition')).toContain('voiceover_x.mp3');
    const streamed = await as(t)(`/api/v1/jobs/${id}/download?redirect=false`);
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('Content-Type')).toBe('audio/mpeg');
    // The job's result carries a fresh signed URL for each `*_output`.
    const job = (await as(t)(`/api/v1/jobs/${id}`)).body;
    expect((await callUrl(job.result.audio_url)).bytes).toEqual(bytes);

    const analysis = await completedJob(t, 'analyze_video', {
      status: 'success',
      video_info: { width: 320 },
      segments: [{ start: 1, end: 3 }],
    });
    // As the original's JobResponse: video_info and segments also at the top level.
    expect((await as(t)(`/api/v1/jobs/${analysis}`)).body).toMatchObject({
      video_info: { width: 320 },
      segments: [{ start: 1, end: 3 }],
    });
    expect((await as(t)(`/api/v1/jobs/${analysis}/download`)).status).toBe(400);
    expect((await as(t)(`/api/v1/tts/${analysis}/download`)).body.error.message).toMatch(/not a TTS generation/);
  });
});

describe('cross-profile', () => {
  it('answers 404 for every route naming another profile’s video, clip, project or job', async () => {
    const owner = await seedUser('owner');
    const video = await readyVideo(owner);
    const project = (await as(owner)('/api/v1/library/projects', { json: { name: 'Mine' } })).body;
    const [clip] = await seedClips(owner, project.id, 1);
    const job = (await as(owner)('/api/v1/tts/generate', { json: { text: 'Mine' } })).body;
    await expectCrossProfileIsolation(owner, [
      { method: 'POST', path: '/api/v1/detect-voice', json: { source_video_id: video } },
      { method: 'POST', path: '/api/v1/mute-voice', json: { source_video_id: video } },
      { method: 'POST', path: '/api/v1/analyze', json: { source_video_id: video } },
      { method: 'POST', path: '/api/v1/video-info', json: { source_video_id: video } },
      { method: 'POST', path: '/api/v1/jobs', json: { source_video_id: video } },
      { method: 'POST', path: '/api/v1/jobs/multi-video', json: { source_video_id: video, srt_content: SRT } },
      { method: 'POST', path: '/api/v1/tts/add-to-videos', json: { clip_ids: [clip], tts_text: 'x' } },
      { method: 'POST', path: '/api/v1/tts/add-to-videos', json: { source_video_ids: [video], tts_text: 'x' } },
      { method: 'POST', path: `/api/v1/library/projects/${project.id}/generate`, json: {} },
      { method: 'GET', path: `/api/v1/jobs/${job.job_id}/download` },
      { method: 'GET', path: `/api/v1/tts/${job.job_id}/download` },
    ]);
    // An intruder naming their own project with the owner's video: the video is still 404.
    const intruder = await seedUser('intruder');
    const theirs = (await as(intruder)('/api/v1/library/projects', { json: { name: 'Theirs' } })).body;
    expect(
      (await as(intruder)(`/api/v1/library/projects/${theirs.id}/generate`, { json: { source_video_id: video } }))
        .status,
    ).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents every processing route with its form and JSON bodies', async () => {
    const doc = (await as(await seedUser('doc'))('/openapi.json')).body;
    for (const path of [
      '/api/v1/detect-voice',
      '/api/v1/mute-voice',
      '/api/v1/analyze',
      '/api/v1/video-info',
      '/api/v1/jobs',
      '/api/v1/jobs/multi-video',
      '/api/v1/tts/generate',
      '/api/v1/tts/add-to-videos',
      '/api/v1/library/projects/{project_id}/generate',
    ]) {
      const op = doc.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(Object.keys(op.requestBody.content), path).toEqual(['multipart/form-data', 'application/json']);
    }
    for (const path of [
      '/api/v1/jobs/{job_id}/download',
      '/api/v1/tts/{job_id}/download',
      '/api/v1/usage',
      '/api/v1/gemini/status',
    ]) {
      expect(doc.paths[path]?.get, path).toBeDefined();
    }
  });
});
