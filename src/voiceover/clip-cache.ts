/**
 * A clip's cached voice-over: `clips/{id}/voiceover.mp3` (what `clip_content.tts_audio_key` points
 * at) plus `clips/{id}/voiceover.json` saying which text and voice it speaks, how long it is and its
 * captions. A render reuses it only when text and voice still match, so editing the text (or a
 * race with an edit) never plays stale speech.
 */
import { z } from 'zod';
import { type ClipContentRow, upsertClipContent } from '../db/repos/clips.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { storageKeys } from '../storage/keys.ts';

export const VoiceoverMeta = z.object({
  text: z.string(),
  voice: z.string().nullable(),
  duration: z.number().positive(),
  srt: z.string(),
  provider: z.string(),
});
export type VoiceoverMeta = z.infer<typeof VoiceoverMeta>;

/** The cached voice-over when it speaks exactly `text` with `voice`. */
export async function cachedVoiceover(
  env: Bindings,
  scope: ProfileScope,
  content: ClipContentRow,
  text: string,
): Promise<VoiceoverMeta | null> {
  const audioKey = storageKeys.clipVoiceover(scope, content.clipId);
  if (content.ttsAudioKey !== audioKey) return null;
  const [meta, audio] = await Promise.all([
    env.MEDIA.get(storageKeys.clipVoiceoverMeta(scope, content.clipId)),
    env.MEDIA.head(audioKey),
  ]);
  if (!meta || !audio) {
    await meta?.body.cancel();
    return null;
  }
  const parsed = VoiceoverMeta.safeParse(await meta.json().catch(() => null));
  if (!parsed.success || parsed.data.text !== text || parsed.data.voice !== (content.ttsVoiceId ?? null)) return null;
  return parsed.data;
}

/** Stores the voice-over's description and points the content at the audio. */
export async function rememberVoiceover(
  env: Bindings,
  scope: ProfileScope,
  clipId: string,
  meta: VoiceoverMeta,
): Promise<void> {
  await env.MEDIA.put(storageKeys.clipVoiceoverMeta(scope, clipId), JSON.stringify(meta), {
    httpMetadata: { contentType: 'application/json' },
  });
  await upsertClipContent(scope, clipId, { ttsAudioKey: storageKeys.clipVoiceover(scope, clipId) });
}

/** Copies a voice-over made once (e.g. for a whole generation) to a clip, with its description. */
export async function copyVoiceoverTo(
  env: Bindings,
  scope: ProfileScope,
  fromKey: string,
  clipId: string,
  meta: VoiceoverMeta,
): Promise<void> {
  const audio = await env.MEDIA.get(fromKey);
  if (!audio) throw new Error('the voice-over audio vanished from storage');
  await env.MEDIA.put(storageKeys.clipVoiceover(scope, clipId), audio.body, {
    httpMetadata: { contentType: 'audio/mpeg' },
  });
  await upsertClipContent(scope, clipId, { ttsText: meta.text, ttsVoiceId: meta.voice });
  await rememberVoiceover(env, scope, clipId, meta);
}
