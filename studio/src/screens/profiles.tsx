/** Profiles (brands) of the user: create, rename, delete, set the default. */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { profiles as profilesApi } from '../api/endpoints.ts';
import type { Profile } from '../api/types.ts';
import { DataTable, Field } from '../components/fields.tsx';
import { ErrorText, confirmed } from '../components/feedback.tsx';
import { useProfiles } from '../profiles/profile-context.tsx';
import { BrandKitCard } from './brand-kit.tsx';
import { RetentionCard } from './retention.tsx';

export function ProfilesScreen() {
  const { profiles, active, setActive } = useProfiles();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['profiles'] });
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await refresh();
    } catch (err) {
      setError(err);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const created = await profilesApi.create(name.trim());
      setName('');
      setActive(created.id);
    });
  };
  const rename = (p: Profile) => {
    const next = window.prompt('Profile name', p.name);
    if (next?.trim()) void act(() => profilesApi.update(p.id, { name: next.trim() }));
  };
  return (
    <>
      <h1>Profiles</h1>
      <p>Each profile is one brand: its videos, segments, projects, jobs and costs are its own.</p>
      <form className="card inline-form" onSubmit={create} aria-label="New profile">
        <Field
          label="New profile name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
        />
        <button type="submit">Create profile</button>
      </form>
      <ErrorText error={error} />
      <DataTable columns={['Name', 'Status', 'Actions']}>
        {profiles.map((p) => (
          <tr key={p.id}>
            <td>{p.name}</td>
            <td>
              {p.is_default ? 'default' : ''}
              {p.id === active.id ? `${p.is_default ? ' · ' : ''}active` : ''}
            </td>
            <td className="actions">
              {p.id !== active.id ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => setActive(p.id)}
                  aria-label={`Switch to ${p.name}`}
                >
                  Switch to
                </button>
              ) : null}
              <button type="button" className="secondary" onClick={() => rename(p)} aria-label={`Rename ${p.name}`}>
                Rename
              </button>
              {!p.is_default ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => act(() => profilesApi.setDefault(p.id))}
                  aria-label={`Make default: ${p.name}`}
                >
                  Make default
                </button>
              ) : null}
              {!p.is_default ? (
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    confirmed(`Delete the profile “${p.name}” and everything in it?`) &&
                    act(() => profilesApi.remove(p.id))
                  }
                  aria-label={`Delete ${p.name}`}
                >
                  Delete
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <RetentionCard key={active.id} profile={active} onSaved={refresh} />
      <BrandKitCard key={`brand-${active.id}`} profile={active} />
    </>
  );
}
