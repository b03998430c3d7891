/** Projects: the list and a form to start one. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { projects } from '../api/endpoints.ts';
import { ErrorText, StatusBadge } from '../components/feedback.tsx';
import { Field } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

export function ProjectsScreen() {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const list = useQuery({ queryKey: [profileId, 'projects'], queryFn: projects.list });
  const [name, setName] = useState('');
  const [target, setTarget] = useState('30');
  const [error, setError] = useState<unknown>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const project = await projects.create({ name: name.trim(), target_duration: Number(target) });
      await queryClient.invalidateQueries({ queryKey: [profileId, 'projects'] });
      navigate(`/projects/${project.id}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>Projects</h1>
      <form className="card inline-form" onSubmit={create} aria-label="New project">
        <Field label="Project name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <Field
          label="Target duration (s)"
          type="number"
          min={3}
          max={600}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
        <button type="submit">Create project</button>
      </form>
      <ErrorText error={error ?? list.error} />
      {list.data?.projects.length === 0 ? <p>No projects yet.</p> : null}
      <ul className="grid" aria-label="Projects">
        {(list.data?.projects ?? []).map((p) => (
          <li key={p.id} className="card">
            {p.thumbnail_url ? <img src={p.thumbnail_url} alt="" loading="lazy" /> : null}
            <h2 className="h3">
              <Link href={`/projects/${p.id}`}>{p.name}</Link>
            </h2>
            <p className="meta">
              <StatusBadge status={p.status} /> {p.variants_count} clips · {p.selected_count} selected · target{' '}
              {p.target_duration} s
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}
