/**
 * The active profile (brand). Every tenant request carries it as X-Profile-Id; query keys start
 * with it, so switching profiles never shows one brand's data under another. The choice is kept per
 * user in localStorage; without one, the user's default profile is active.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, createContext, useCallback, useContext, useMemo, useState } from 'react';
import { profiles as profilesApi } from '../api/endpoints.ts';
import { credentials } from '../api/http.ts';
import type { Profile } from '../api/types.ts';

interface ProfileState {
  profiles: Profile[];
  active: Profile;
  setActive(id: string): void;
}

const ProfileContext = createContext<ProfileState | null>(null);

const storageKey = (userId: string) => `cutroom.profile.${userId}`;

export function useProfiles(): ProfileState {
  const state = useContext(ProfileContext);
  if (!state) throw new Error('useProfiles outside ProfileProvider');
  return state;
}

/** The active profile id, for query keys. */
export function useProfileId(): string {
  return useProfiles().active.id;
}

export function ProfileProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['profiles', userId], queryFn: profilesApi.list });
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(storageKey(userId)));
  const setActive = useCallback(
    (id: string) => {
      localStorage.setItem(storageKey(userId), id);
      setChosen(id);
    },
    [userId],
  );
  const list = query.data ?? [];
  const active = list.find((p) => p.id === chosen) ?? list.find((p) => p.is_default) ?? list[0];
  credentials.profileId = active?.id ?? null;
  const value = useMemo(() => (active ? { profiles: list, active, setActive } : null), [list, active, setActive]);
  if (query.isError) {
    return (
      <main className="centered">
        <p role="alert">Could not load your profiles: {(query.error as Error).message}</p>
        <button type="button" onClick={() => queryClient.invalidateQueries({ queryKey: ['profiles'] })}>
          Try again
        </button>
      </main>
    );
  }
  if (!value) return <p className="centered">Loading your profiles…</p>;
  return <ProfileContext.Provider value={value}>{children}</ProfileContext.Provider>;
}
