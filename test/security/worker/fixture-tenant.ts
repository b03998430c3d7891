/**
 * The fixture tenant the BOLA matrix attacks: one user whose profile holds a resource of every kind
 * the API has (source videos ready and mid-upload, a segment, a project with the segment assigned,
 * clips with content, a render with its export, a completed job with an output, a cost entry, a
 * Postiz connection with a publication and its publish job, a stored idempotent response, a webhook
 * endpoint with one settled delivery). Made through the API where a client can make it, through the
 * repositories where only jobs do.
 */
import { env } from 'cloudflare:workers';
import { recordCost } from '../../../src/db/repos/costs.ts';
import { completeJob, markRunning } from '../../../src/db/repos/jobs.ts';
import { getDelivery } from '../../../src/db/repos/webhooks.ts';
import { renderEventData } from '../../../src/routes/webhooks/events.ts';
import { storageKeys } from '../../../src/storage/keys.ts';
import { dispatchProfileEvents } from '../../../src/webhooks/dispatch.ts';
import type { Operation } from '../support/openapi.ts';
import type { RefKind } from '../support/fill.ts';
import { fakeBase, newPostizKey, renderClip, putRawClip } from '../../helpers/worker/postiz.ts';
import { fakeMp3 } from '../../helpers/worker/processing.ts';
import { insertTranscript } from '../../../src/db/repos/transcripts.ts';
import { scopeOf, seedClips } from '../../helpers/worker/seed.ts';
import { readyVideo, requestUpload } from '../../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../../helpers/worker/tenants.ts';
import { createReceiverEndpoint, receiver } from '../../helpers/worker/webhooks.ts';

export const SRT =
  '1\n00:00:01,000 --> 00:00:03,000\nalpha beta gamma\n\n2\n00:00:04,000 --> 00:00:06,000\ndelta alpha\n';

export interface FixtureTenant {
  owner: Tenant;
  ids: {
    profile: string;
    sourceVideo: string;
    pendingUpload: string;
    segment: string;
    project: string;
    clip: string;
    otherClip: string;
    job: string;
    publishJob: string;
    export: string;
    cost: string;
    publication: string;
    webhook: string;
    webhookDelivery: string;
    webhookEvent: string;
    transcript: string;
  };
  /** An Idempotency-Key the owner used (its stored response holds the owner's ids). */
  idempotencyKey: string;
}

function expectStatus(res: { status: number; text: string }, status: number, what: string) {
  if (res.status !== status) throw new Error(`fixture: ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
}

export async function seedFixtureTenant(label = 'fixture-owner'): Promise<FixtureTenant> {
  const owner = await seedUser(label);
  const api = as(owner);
  const scope = scopeOf(owner);

  // Subscribed before the video becomes ready: its one event is the endpoint's one delivery.
  const webhook = await createReceiverEndpoint(owner, ['source_video.ready'], 'fixture');
  const sourceVideo = await readyVideo(owner);
  const pendingUpload = (
    await requestUpload(owner, { name: 'Half uploaded', size_bytes: 12 * 1024 * 1024, multipart: true })
  ).id;

  const segment = await api(`/api/v1/segments/source-videos/${sourceVideo}/segments`, {
    json: { start_time: 0.5, end_time: 2.5, keywords: ['alpha', 'delta'], notes: 'fixture' },
  });
  expectStatus(segment, 201, 'segment');

  const project = await api('/api/v1/library/projects', { json: { name: 'Fixture project' } });
  expectStatus(project, 201, 'project');
  const assign = await api(`/api/v1/segments/projects/${project.body.id}/assign`, {
    json: { segment_ids: [segment.body.id] },
  });
  if (assign.status >= 300) throw new Error(`fixture: assign answered ${assign.status}: ${assign.text}`);

  const [clip, otherClip] = await seedClips(owner, project.body.id, 2);
  await renderClip(owner, clip!);
  await putRawClip(owner, otherClip!);
  expectStatus(
    await api(`/api/v1/library/clips/${clip}/content`, { method: 'PUT', json: { tts_text: 'Fixture voice-over' } }),
    200,
    'clip content',
  );
  const render = await api(`/api/v1/library/clips/${otherClip}/render`, { json: { preset_name: 'tiktok' } });
  expectStatus(render, 202, 'render');

  // A completed TTS job with a stored output (download routes), made through its route.
  const idempotencyKey = `fixture-${crypto.randomUUID()}`;
  const tts = await api('/api/v1/tts/generate', {
    json: { text: 'Fixture speech' },
    headers: { 'Idempotency-Key': idempotencyKey },
  });
  expectStatus(tts, 202, 'tts job');
  const job = tts.body.job_id as string;
  await markRunning(scope, job, 1);
  await env.MEDIA.put(storageKeys.jobOutput(scope, job, 'voiceover.mp3'), fakeMp3(2048), {
    httpMetadata: { contentType: 'audio/mpeg' },
  });
  await completeJob(scope, job, {
    status: 'success',
    audio_output: 'voiceover.mp3',
    main_output: 'voiceover.mp3',
    download_filename: 'voiceover_fixture.mp3',
  });
  await recordCost(scope, {
    service: 'elevenlabs',
    operation: 'tts',
    units: 14,
    unit: 'characters',
    unitPriceUsd: 0.0001,
    costUsd: 0.0014,
    model: 'eleven_flash_v2_5',
    jobId: job,
    callKey: `fixture:${job}`,
  });
  const cost = (await api('/api/v1/costs/all')).body.entries[0]?.id as string;

  expectStatus(
    await api('/api/v1/postiz/config', {
      method: 'PUT',
      json: { api_url: fakeBase(), api_key: newPostizKey(), integration_ids: ['int-x'] },
    }),
    200,
    'postiz config',
  );
  const publish = await api('/api/v1/postiz/publish', {
    json: { clip_id: clip, caption: 'Fixture post', integration_ids: ['int-x'] },
  });
  expectStatus(publish, 202, 'publish');

  // A brand kit (its GET answers 404 until the profile has one).
  expectStatus(
    await api(`/api/v1/profiles/${owner.profileId}/brand-kit`, { method: 'PUT', json: { intro_id: sourceVideo } }),
    200,
    'brand kit',
  );

  // A transcript of the video, as the transcribe job stores one (its routes read and edit it).
  const transcript = await insertTranscript(scope, {
    sourceVideoId: sourceVideo,
    engine: 'script_alignment',
    approximate: true,
    duration: 3,
    words: [
      { text: 'alpha', start: 1, end: 1.5 },
      { text: 'beta', start: 1.6, end: 2 },
    ],
    srt: '1\n00:00:01,000 --> 00:00:02,000\nalpha beta\n',
  });

  await dispatchProfileEvents(env, owner.profileId, renderEventData);
  const [delivered] = await receiver.waitFor(webhook.path, 1);
  const webhookDelivery = delivered!.headers['cutroom-delivery-id']!;
  for (let i = 0; i < 100 && (await getDelivery(scope, webhookDelivery))?.status !== 'succeeded'; i++)
    await new Promise((r) => setTimeout(r, 50));

  return {
    owner,
    ids: {
      profile: owner.profileId,
      sourceVideo,
      pendingUpload,
      segment: segment.body.id,
      project: project.body.id,
      clip: clip!,
      otherClip: otherClip!,
      job,
      publishJob: publish.body.job_id,
      export: render.body.export_id,
      cost,
      publication: publish.body.publication_ids[0],
      webhook: webhook.id,
      webhookDelivery,
      webhookEvent: delivered!.headers['cutroom-event-id']!,
      transcript: transcript.id,
    },
    idempotencyKey,
  };
}

/**
 * The owner's id for a reference of `kind` in an operation. Most kinds have one resource; a few
 * routes need a resource in a particular state to be meaningful for the owner, chosen by path here.
 */
export function fixtureIdOf(fixture: FixtureTenant, kind: RefKind, op: Operation, name: string): string {
  const { ids } = fixture;
  switch (kind) {
    case 'job':
      return /\/postiz\/publish\//.test(op.path) ? ids.publishJob : ids.job;
    case 'sourceVideo':
      return /\/(upload|complete|abort)\b/.test(op.path) ? ids.pendingUpload : ids.sourceVideo;
    case 'clip':
      return name === 'source_clip_id' ? ids.otherClip : ids.clip;
    case 'any':
      return ids.sourceVideo;
    case 'profile':
    case 'segment':
    case 'project':
    case 'export':
    case 'cost':
    case 'publication':
    case 'webhook':
    case 'webhookDelivery':
    case 'webhookEvent':
    case 'transcript':
      return ids[kind];
    default:
      throw new Error(`the fixture tenant holds no resource of kind ${kind} (${op.method} ${op.path})`);
  }
}
