/**
 * Claims on images being made (src/db/repos/media-claims.ts) on the real local D1: one winner among
 * simultaneous claimants, a live claim refused, an expired one taken over, released only by its
 * holder, and a profile cannot take over or release another profile's claim.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { claimMedia, releaseMedia, sweepExpiredMediaClaims } from '../../src/db/repos/media-claims.ts';
import { createDb } from '../../src/db/client.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { seedUser } from '../helpers/worker/tenants.ts';

const MINUTE = 60_000;

describe('media claims', () => {
  it('one of many simultaneous claimants wins; the others are refused until it is released', async () => {
    const scope = scopeOf(await seedUser('claims-race'));
    const key = `p/${scope.profileId}/videos/vid_x/posters/f1-w640.jpg`;
    const now = Date.now();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => claimMedia(scope, key, { now, expiresAt: now + MINUTE })),
    );
    const won = claims.filter((c) => c !== null);
    expect(won).toHaveLength(1);
    expect(await claimMedia(scope, key, { now, expiresAt: now + MINUTE })).toBeNull();

    await releaseMedia(scope, won[0]!);
    expect(await claimMedia(scope, key, { now, expiresAt: now + MINUTE })).not.toBeNull();
  });

  it('an expired claim is taken over, and the old holder can no longer release it', async () => {
    const scope = scopeOf(await seedUser('claims-expiry'));
    const key = `p/${scope.profileId}/videos/vid_x/storyboard.jpg`;
    const now = Date.now();
    const dead = await claimMedia(scope, key, { now, expiresAt: now + MINUTE });
    expect(dead).not.toBeNull();
    expect(await claimMedia(scope, key, { now: now + MINUTE - 1, expiresAt: now + 2 * MINUTE })).toBeNull();
    const next = await claimMedia(scope, key, { now: now + MINUTE, expiresAt: now + 2 * MINUTE });
    expect(next).not.toBeNull();
    // The dead maker waking up does not free the key it lost.
    await releaseMedia(scope, dead!);
    expect(await claimMedia(scope, key, { now: now + MINUTE, expiresAt: now + 2 * MINUTE })).toBeNull();
  });

  it("a profile cannot take over or release another profile's claim", async () => {
    const owner = scopeOf(await seedUser('claims-owner'));
    const other = scopeOf(await seedUser('claims-other'));
    const key = `p/${owner.profileId}/videos/vid_x/posters/f2-w640.jpg`;
    const now = Date.now();
    const claim = await claimMedia(owner, key, { now, expiresAt: now + MINUTE });
    expect(claim).not.toBeNull();
    // Even once it expired: the row stays the owner's.
    expect(await claimMedia(other, key, { now: now + 2 * MINUTE, expiresAt: now + 3 * MINUTE })).toBeNull();
    await releaseMedia(other, claim!);
    expect(await claimMedia(owner, key, { now, expiresAt: now + MINUTE })).toBeNull();
  });

  it('the hourly sweep removes claims whose maker died and keeps live ones', async () => {
    const scope = scopeOf(await seedUser('claims-sweep'));
    const now = Date.now();
    const dead = `p/${scope.profileId}/videos/vid_x/posters/dead.jpg`;
    const live = `p/${scope.profileId}/videos/vid_x/posters/live.jpg`;
    expect(await claimMedia(scope, dead, { now: now - 2 * MINUTE, expiresAt: now - MINUTE })).not.toBeNull();
    expect(await claimMedia(scope, live, { now, expiresAt: now + MINUTE })).not.toBeNull();
    expect(await sweepExpiredMediaClaims(createDb(env.DB), now)).toBeGreaterThanOrEqual(1);
    const keys = await env.DB.prepare('SELECT key FROM media_claims WHERE profile_id = ?')
      .bind(scope.profileId)
      .all<{ key: string }>();
    expect(keys.results.map((r) => r.key)).toEqual([live]);
  });
});
