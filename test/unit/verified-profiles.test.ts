/**
 * The per-isolate memory of active-profile checks (src/db/verified-profiles.ts): answers are kept
 * per user and requested profile, expire after the TTL, are forgotten on delete / default change,
 * and the memory stays bounded.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_VERIFIED_PROFILES, VERIFIED_PROFILE_TTL_MS } from '../../src/core/limits.ts';
import {
  forgetAllProfiles,
  forgetProfile,
  rememberProfile,
  rememberedProfile,
} from '../../src/db/verified-profiles.ts';

const T = 1_000_000;

describe('verified profile memory', () => {
  beforeEach(forgetAllProfiles);

  it('answers per user and requested profile, until the TTL runs out', () => {
    rememberProfile('alice', 'prf_a', 'prf_a', T);
    rememberProfile('alice', undefined, 'prf_default', T);
    expect(rememberedProfile('alice', 'prf_a', T + 1)).toBe('prf_a');
    expect(rememberedProfile('alice', undefined, T + 1)).toBe('prf_default');
    expect(rememberedProfile('bob', 'prf_a', T + 1)).toBeNull();
    expect(rememberedProfile('alice', 'prf_a', T + VERIFIED_PROFILE_TTL_MS)).toBeNull();
  });

  it('forgets a profile and the user’s default together', () => {
    rememberProfile('alice', 'prf_b', 'prf_b', T);
    rememberProfile('alice', undefined, 'prf_a', T);
    rememberProfile('alice', 'prf_a', 'prf_a', T);
    forgetProfile('alice', 'prf_b');
    expect(rememberedProfile('alice', 'prf_b', T)).toBeNull();
    expect(rememberedProfile('alice', undefined, T)).toBeNull();
    expect(rememberedProfile('alice', 'prf_a', T)).toBe('prf_a');
  });

  it('keeps at most MAX_VERIFIED_PROFILES answers, dropping the oldest', () => {
    for (let i = 0; i <= MAX_VERIFIED_PROFILES; i++) rememberProfile(`user${i}`, undefined, `prf_${i}`, T);
    expect(rememberedProfile('user0', undefined, T)).toBeNull();
    expect(rememberedProfile('user1', undefined, T)).toBe('prf_1');
    expect(rememberedProfile(`user${MAX_VERIFIED_PROFILES}`, undefined, T)).toBe(`prf_${MAX_VERIFIED_PROFILES}`);
  });
});
