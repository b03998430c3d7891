/**
 * POST /api/v1/tts/generate (docs/compatibility.md#routes-processing, docs/compatibility.md#tts): a `tts_generate` job (mp3 + SRT), through the
 * voice-over module: ElevenLabs with timestamps when configured and the profile allows it, the local
 * eSpeak NG voice otherwise. ElevenLabs costs are checked against the profile's budget first (402).
 */
import { z } from '@hono/zod-openapi';
import { assertWithinBudget } from '../../jobs/budget.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { estimateVoiceoverCostUsd } from '../../voiceover/synthesize.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { checkText, silenceFields, tags, voicePlan } from './voice-checks.ts';

const GenerateFields = z.object({ text: z.string(), ...silenceFields });

export function ttsGenerateRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'generateVoiceover',
      path: '/tts/generate',
      tags,
      summary: 'Generate a voice-over (job)',
      description:
        "JSON or form fields. ElevenLabs (with-timestamps) when a key is configured and the profile's `tts_provider` is `elevenlabs`, else the local eSpeak NG voice. `text` is limited per provider/model (5 000 for the local voice). The job result has `audio_url`, `srt` (captions aligned to the speech, re-timed after silence removal), `srt_url`, `duration`, `provider`, `characters`, `cost_usd` and `silence_removal` stats.",
      fields: GenerateFields,
      responses: {
        202: {
          description: 'Queued',
          schema: JobResponse.extend({
            provider: z.enum(['elevenlabs', 'local']),
            voice: z.string(),
            model: z.string().nullable(),
            estimated_cost_usd: z.number(),
          }),
        },
      },
    },
    (c) =>
      handleJobRoute(c, {}, GenerateFields, async ({ c, fields, jobId }) => {
        const scope = c.get('scope');
        const plan = await voicePlan(c.env, scope, fields.voice);
        const text = checkText(plan, fields.text, 'text');
        const estimate = estimateVoiceoverCostUsd(c.env, plan, text);
        if (estimate > 0) await assertWithinBudget(scope, estimate);
        const job = await enqueueJob(
          scope,
          c.env,
          'tts_generate',
          {
            text,
            voice: fields.voice || null,
            remove_silence: fields.remove_silence,
            min_silence_duration: fields.min_silence_duration,
            silence_padding: fields.silence_padding,
          },
          { id: jobId, step: 'Queued for TTS generation' },
        );
        return jobCreated(job, {
          provider: plan.provider,
          voice: plan.voice,
          model: plan.model,
          estimated_cost_usd: estimate,
        });
      }),
  );
}
