/** The active profile's Postiz connection: base URL in clear, API key sealed (src/lib/secret-box.ts). */
import { eq } from 'drizzle-orm';
import { profiles } from '../schema.ts';
import type { ProfileScope } from '../scope.ts';

export interface StoredPostizConfig {
  apiUrl: string;
  apiKeySealed: string;
  integrationIds?: string[];
}

export async function savePostizConfig(scope: ProfileScope, config: StoredPostizConfig): Promise<void> {
  await scope.db
    .update(profiles)
    .set({
      postizApiUrl: config.apiUrl,
      postizApiKeyEncrypted: config.apiKeySealed,
      ...(config.integrationIds ? { postizIntegrationIds: config.integrationIds } : {}),
      updatedAt: new Date().toISOString(),
    })
    .where(eq(profiles.id, scope.profileId));
}

export async function clearPostizConfig(scope: ProfileScope): Promise<void> {
  await scope.db
    .update(profiles)
    .set({
      postizApiUrl: null,
      postizApiKeyEncrypted: null,
      postizIntegrationIds: [],
      updatedAt: new Date().toISOString(),
    })
    .where(eq(profiles.id, scope.profileId));
}
