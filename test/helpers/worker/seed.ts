/** Seeds rows that only jobs create in production (clips), through the same repositories. */
import { env } from 'cloudflare:workers';
import { createDb } from '../../../src/db/client.ts';
import { insertClip, nextVariantIndex } from '../../../src/db/repos/clips.ts';
import { recountProjects } from '../../../src/db/repos/projects.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../../src/db/scope.ts';
import type { Tenant } from './tenants.ts';

export function scopeOf(t: Tenant): ProfileScope {
  return scopeForVerifiedProfile(createDb(env.DB), { profileId: t.profileId });
}

export async function seedClips(t: Tenant, projectId: string, count: number, extra: { duration?: number } = {}) {
  const scope = scopeOf(t);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const variantIndex = await nextVariantIndex(scope, projectId);
    const clip = await insertClip(scope, {
      projectId,
      variantIndex,
      variantName: `Variant ${variantIndex}`,
      duration: extra.duration ?? 15,
    });
    ids.push(clip.id);
  }
  await recountProjects(scope, [projectId]);
  return ids;
}
