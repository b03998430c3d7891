/**
 * Retention of the active profile (docs/api.md#retention): how long sources, job outputs and trash
 * are kept, and a dry run of what the next hourly run deletes and what it keeps because it is needed.
 */
import { type FormEvent, useState } from 'react';
import { profiles as profilesApi } from '../api/endpoints.ts';
import type { Profile, RetentionItem, RetentionPreview } from '../api/types.ts';
import { ErrorText } from '../components/feedback.tsx';
import { DataTable, ValueField } from '../components/fields.tsx';

const days = (value: string) => (value.trim() === '' ? null : Number(value));

/** A retention period in whole days; empty leaves it to the default the placeholder names. */
function DaysField(props: { label: string; value: string; onValue: (value: string) => void; placeholder: string }) {
  return <ValueField type="number" min={1} {...props} />;
}

export function RetentionCard({ profile, onSaved }: { profile: Profile; onSaved: () => Promise<unknown> }) {
  const [sources, setSources] = useState(profile.source_retention_days?.toString() ?? '');
  const [outputs, setOutputs] = useState(profile.output_retention_days?.toString() ?? '');
  const [trash, setTrash] = useState(profile.trash_retention_days?.toString() ?? '');
  const [preview, setPreview] = useState<RetentionPreview | null>(null);
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<unknown>(null);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await profilesApi.update(profile.id, {
        source_retention_days: days(sources),
        output_retention_days: days(outputs),
        trash_retention_days: days(trash),
      });
      setSaved('Retention saved.');
      setPreview(null);
      await onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const dryRun = async () => {
    setError(null);
    try {
      setPreview(await profilesApi.retentionPreview(profile.id));
    } catch (err) {
      setError(err);
    }
  };

  const rows = (kind: string, items: RetentionItem[]) =>
    items.map((item) => (
      <tr key={`${kind}-${item.id}`}>
        <td>{kind}</td>
        <td>{item.name ?? item.id}</td>
        <td>{item.reason.replace(/_/g, ' ')}</td>
        <td>{new Date(item.since).toLocaleDateString()}</td>
        <td>{item.held_by ? `kept: ${item.held_by.replace(/_/g, ' ')}` : 'deleted'}</td>
      </tr>
    ));
  const all = preview
    ? [
        ...rows('Source video', [...preview.source_videos.delete, ...preview.source_videos.held]),
        ...rows('Clip', [...preview.clips.delete, ...preview.clips.held]),
        ...rows('Job', [...preview.jobs.delete, ...preview.jobs.held]),
      ]
    : [];

  return (
    <section className="card" aria-label="Retention">
      <h2>Retention of “{profile.name}”</h2>
      <form className="inline-form" onSubmit={save}>
        <DaysField label="Delete sources unused for (days)" value={sources} onValue={setSources} placeholder="keep" />
        <DaysField label="Delete job outputs after (days)" value={outputs} onValue={setOutputs} placeholder="keep" />
        <DaysField
          label="Empty the trash after (days)"
          value={trash}
          onValue={setTrash}
          placeholder="deployment default"
        />
        <button type="submit">Save retention</button>
        <button type="button" className="secondary" onClick={dryRun}>
          Preview next run
        </button>
      </form>
      {saved ? <p role="status">{saved}</p> : null}
      <ErrorText error={error} />
      {preview ? (
        all.length ? (
          <DataTable columns={['Kind', 'Name', 'Why', 'Since', 'Next run']}>{all}</DataTable>
        ) : (
          <p role="status">The next run deletes nothing.</p>
        )
      ) : null}
    </section>
  );
}
