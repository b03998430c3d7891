/**
 * A Postiz organisation's enabled channels with the caption limit of each: Postiz's own
 * `maxLength` from `/integration-settings/:id` when it answers, else our rules table
 * (src/providers/postiz-rules.ts). Settings are cached briefly per isolate: they change only when
 * Postiz is upgraded, and listing channels would otherwise cost one call per channel every time.
 */
import { sha256Hex } from '../../shared/encoding.ts';
import type { PostizClient, PostizIntegration } from '../providers/postiz.ts';
import { ruleFor } from '../providers/postiz-rules.ts';

export interface PostizChannel {
  id: string;
  name: string;
  /** Postiz provider identifier (`x`, `youtube`, `instagram-standalone`, …). */
  provider: string;
  /** The channel's handle on the platform. */
  handle: string | null;
  picture: string | null;
  disabled: boolean;
  maxCaptionLength: number | null;
  maxCaptionLengthSource: 'postiz' | 'rules' | null;
}

const SETTINGS_TTL_MS = 5 * 60_000;
const MAX_CACHE_ENTRIES = 500;
const settingsCache = new Map<string, { expires: number; maxLength: number | null }>();

/** 16 hex characters of SHA-256: keys the cache by API key without keeping the key itself. */
async function fingerprint(text: string): Promise<string> {
  return (await sha256Hex(text)).slice(0, 16);
}

async function postizMaxLength(
  client: PostizClient,
  cacheKey: string,
  integrationId: string,
): Promise<number | null | undefined> {
  const key = `${cacheKey}\n${integrationId}`;
  const hit = settingsCache.get(key);
  if (hit && hit.expires > Date.now()) return hit.maxLength;
  try {
    const settings = await client.integrationSettings(integrationId);
    if (settingsCache.size >= MAX_CACHE_ENTRIES) settingsCache.clear();
    settingsCache.set(key, { expires: Date.now() + SETTINGS_TTL_MS, maxLength: settings.maxLength });
    return settings.maxLength;
  } catch {
    // Older Postiz versions lack the route, and it 500s for odd channels: fall back to our table.
    return undefined;
  }
}

function toChannel(integration: PostizIntegration, postizMax: number | null | undefined): PostizChannel {
  const table = ruleFor(integration.provider).captionMax;
  const fromPostiz = typeof postizMax === 'number' && postizMax > 0 ? postizMax : null;
  return {
    id: integration.id,
    name: integration.name,
    provider: integration.provider,
    handle: integration.profile,
    picture: integration.picture,
    disabled: integration.disabled,
    maxCaptionLength: fromPostiz ?? table,
    maxCaptionLengthSource: fromPostiz !== null ? 'postiz' : table !== null ? 'rules' : null,
  };
}

/** Enabled channels; `only` limits the settings look-ups to the channels a request names. */
export async function listChannels(
  client: PostizClient,
  connection: { apiUrl: string; apiKey: string },
  only?: readonly string[],
): Promise<PostizChannel[]> {
  const integrations = await client.listIntegrations();
  const cacheKey = `${connection.apiUrl}\n${await fingerprint(connection.apiKey)}`;
  const wanted = only ? integrations.filter((i) => only.includes(i.id)) : integrations;
  return Promise.all(wanted.map(async (i) => toChannel(i, await postizMaxLength(client, cacheKey, i.id))));
}
