/**
 * One project: its segments in order (drag to reorder, or the Up/Down buttons), variant generation
 * with live progress, and the clips grid (preview, rename, select and bulk actions, remove audio,
 * trash and restore).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { clips as clipsApi, projects, segments as segmentsApi } from '../api/endpoints.ts';
import type { Clip, GenerateFromSegments, Segment } from '../api/types.ts';
import { ErrorText, JobProgress, StatusBadge, clipName, confirmed, formatSeconds } from '../components/feedback.tsx';
import { Field } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

export function ProjectScreen({ projectId }: { projectId: string }) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const project = useQuery({ queryKey: [profileId, 'project', projectId], queryFn: () => projects.get(projectId) });
  const [error, setError] = useState<unknown>(null);
  const refreshProject = () => queryClient.invalidateQueries({ queryKey: [profileId, 'project', projectId] });
  const refreshClips = () => queryClient.invalidateQueries({ queryKey: [profileId, 'project-clips', projectId] });

  if (project.isPending) return <p>Loading…</p>;
  if (project.isError) return <ErrorText error={project.error} />;
  const p = project.data;
  return (
    <>
      <p>
        <Link href="/projects">← Projects</Link>
      </p>
      <h1>{p.name}</h1>
      <p className="meta">
        <StatusBadge status={p.status} /> target {p.target_duration} s · {p.variants_count} clips
      </p>
      <ErrorText error={error} />
      <AssignedSegments projectId={projectId} onError={setError} />
      <GenerateForm
        projectId={projectId}
        targetDuration={p.target_duration}
        runningJobId={p.status === 'generating' ? p.generation_job_id : null}
        onDone={() => {
          void refreshProject();
          void refreshClips();
        }}
        onError={setError}
      />
      <ClipsGrid projectId={projectId} onError={setError} />
    </>
  );
}

function AssignedSegments({ projectId, onError }: { projectId: string; onError: (e: unknown) => void }) {
  const profileId = useProfileId();
  const assigned = useQuery({
    queryKey: [profileId, 'project-segments', projectId],
    queryFn: () => segmentsApi.ofProject(projectId),
  });
  const library = useQuery({
    queryKey: [profileId, 'segments', 'picker'],
    queryFn: () => segmentsApi.list({}, undefined, 100),
  });
  const [order, setOrder] = useState<Segment[] | null>(null);
  const [dragged, setDragged] = useState<number | null>(null);
  const [saved, setSaved] = useState('');
  useEffect(() => {
    if (assigned.data) setOrder(assigned.data);
  }, [assigned.data]);

  const current = order ?? [];
  const move = (from: number, to: number) => {
    if (to < 0 || to >= current.length || from === to) return;
    const next = [...current];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item!);
    setOrder(next);
    setSaved('');
  };
  const save = async () => {
    try {
      await segmentsApi.assign(
        projectId,
        current.map((s) => s.id),
      );
      setSaved(`Saved ${current.length} segments in this order.`);
      await assigned.refetch();
    } catch (err) {
      onError(err);
    }
  };
  const available = (library.data?.items ?? []).filter((s) => !current.some((c) => c.id === s.id));
  const onDrop = (e: DragEvent, to: number) => {
    e.preventDefault();
    if (dragged !== null) move(dragged, to);
    setDragged(null);
  };

  return (
    <section className="card" aria-labelledby="segments-heading">
      <h2 id="segments-heading">Segments</h2>
      {current.length === 0 ? <p>No segments assigned yet: add some from the library below.</p> : null}
      <ol className="sortable">
        {current.map((s, i) => (
          <li
            key={s.id}
            draggable
            onDragStart={() => setDragged(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => onDrop(e, i)}
            className={dragged === i ? 'dragging' : undefined}
          >
            <span className="grip" aria-hidden="true">
              ⠿
            </span>
            <span className="grow">{segmentLabel(s)}</span>
            <button
              type="button"
              className="secondary"
              onClick={() => move(i, i - 1)}
              aria-label={`Move segment ${i + 1} up`}
            >
              ↑
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => move(i, i + 1)}
              aria-label={`Move segment ${i + 1} down`}
            >
              ↓
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setOrder(current.filter((x) => x.id !== s.id));
                setSaved('');
              }}
              aria-label={`Remove segment ${i + 1}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ol>
      {available.length ? (
        <details>
          <summary>Add segments from the library ({available.length})</summary>
          <ul className="picker">
            {available.map((s) => (
              <li key={s.id}>
                <span className="grow">{segmentLabel(s)}</span>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setOrder([...current, s]);
                    setSaved('');
                  }}
                  aria-label={`Add ${segmentLabel(s)}`}
                >
                  Add
                </button>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="actions">
        <button type="button" onClick={save}>
          Save segments
        </button>
        <span role="status">{saved}</span>
      </div>
    </section>
  );
}

/** "Beach day · 0:01.0–0:03.5 · beach, sunset" */
const segmentLabel = (s: Segment) =>
  `${s.source_video_name} · ${formatSeconds(s.start_time)}–${formatSeconds(s.end_time)}${s.keywords.length ? ` · ${s.keywords.join(', ')}` : ''}`;

function GenerateForm({
  projectId,
  targetDuration,
  runningJobId,
  onDone,
  onError,
}: {
  projectId: string;
  targetDuration: number;
  runningJobId: string | null;
  onDone: () => void;
  onError: (e: unknown) => void;
}) {
  const [count, setCount] = useState('3');
  const [mode, setMode] = useState<GenerateFromSegments['selection_mode']>('random');
  const [target, setTarget] = useState(String(targetDuration));
  const [mute, setMute] = useState(false);
  const [voiceover, setVoiceover] = useState('');
  const [jobId, setJobId] = useState<string | null>(runningJobId);
  const [finished, setFinished] = useState('');

  const generate = async (e: FormEvent) => {
    e.preventDefault();
    setFinished('');
    try {
      const res = await projects.generate(projectId, {
        variant_count: Number(count),
        selection_mode: mode,
        target_duration: Number(target),
        mute_source_voice: mute,
        ...(voiceover.trim() ? { tts_text: voiceover.trim(), generate_tts: true } : {}),
      });
      setJobId(res.job_id);
    } catch (err) {
      onError(err);
    }
  };

  return (
    <form className="card" onSubmit={generate} aria-labelledby="generate-heading">
      <h2 id="generate-heading">Generate variants</h2>
      <div className="inline-form">
        <Field
          label="Variants"
          type="number"
          min={1}
          max={10}
          value={count}
          onChange={(e) => setCount(e.target.value)}
        />
        <div>
          <label htmlFor="gen-mode">Selection</label>
          <select
            id="gen-mode"
            value={mode}
            onChange={(e) => setMode(e.target.value as GenerateFromSegments['selection_mode'])}
          >
            <option value="random">Random</option>
            <option value="sequential">In order</option>
            <option value="weighted">Weighted (favourites first)</option>
          </select>
        </div>
        <Field
          label="Target duration (s)"
          type="number"
          min={3}
          max={600}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
        <label className="checkbox">
          <input type="checkbox" checked={mute} onChange={(e) => setMute(e.target.checked)} /> Mute source voice
        </label>
      </div>
      <label htmlFor="gen-voiceover">Voice-over text (optional)</label>
      <textarea id="gen-voiceover" rows={2} value={voiceover} onChange={(e) => setVoiceover(e.target.value)} />
      <div className="actions">
        <button type="submit" disabled={Boolean(jobId && !finished)}>
          Generate
        </button>
        {jobId && !finished ? (
          <button type="button" className="secondary" onClick={() => projects.cancel(projectId).catch(onError)}>
            Cancel generation
          </button>
        ) : null}
      </div>
      {jobId ? (
        <JobProgress
          key={jobId}
          jobId={jobId}
          label="Generating variants"
          onFinish={(job) => {
            setFinished(job.status);
            onDone();
          }}
        />
      ) : null}
      {finished === 'completed' ? <p role="status">Variants generated.</p> : null}
    </form>
  );
}

function ClipsGrid({ projectId, onError }: { projectId: string; onError: (e: unknown) => void }) {
  const profileId = useProfileId();
  const [trash, setTrash] = useState(false);
  const [, navigate] = useLocation();
  const list = useQuery({
    queryKey: [profileId, 'project-clips', projectId, trash],
    queryFn: () => projects.clips(projectId, trash),
  });
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [audioJobs, setAudioJobs] = useState<Record<string, string>>({});
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await list.refetch();
    } catch (err) {
      onError(err);
    }
  };
  const clips = (list.data?.clips ?? []).filter((c) => c.is_deleted === trash);
  const toggle = (id: string, on: boolean) => {
    const next = new Set(checked);
    if (on) next.add(id);
    else next.delete(id);
    setChecked(next);
  };
  const ids = [...checked].filter((id) => clips.some((c) => c.id === id));
  return (
    <section className="card" aria-labelledby="clips-heading">
      <h2 id="clips-heading">{trash ? 'Trash' : 'Clips'}</h2>
      <div className="actions">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={clips.length > 0 && ids.length === clips.length}
            onChange={(e) => setChecked(new Set(e.target.checked ? clips.map((c) => c.id) : []))}
          />{' '}
          Select all
        </label>
        {!trash ? (
          <>
            <button
              type="button"
              className="secondary"
              disabled={!ids.length}
              onClick={() => act(() => clipsApi.bulkSelect(ids, true))}
            >
              Mark selected
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!ids.length}
              onClick={() => navigate(`/publish?${ids.map((id) => `clip=${id}`).join('&')}`)}
            >
              Publish checked
            </button>
            <button
              type="button"
              className="danger"
              disabled={!ids.length}
              onClick={() => confirmed(`Move ${ids.length} clips to the trash?`) && act(() => clipsApi.bulkTrash(ids))}
            >
              Move to trash
            </button>
          </>
        ) : null}
        <button type="button" className="secondary" aria-pressed={trash} onClick={() => setTrash(!trash)}>
          {trash ? 'Show clips' : 'Show trash'}
        </button>
      </div>
      <ErrorText error={list.error} />
      {list.isSuccess && clips.length === 0 ? <p>{trash ? 'The trash is empty.' : 'No clips yet.'}</p> : null}
      <ul className="grid" aria-label={trash ? 'Clips in the trash' : 'Clips'}>
        {clips.map((clip) => (
          <ClipCard
            key={clip.id}
            clip={clip}
            checked={checked.has(clip.id)}
            onCheck={(on) => toggle(clip.id, on)}
            audioJob={audioJobs[clip.id]}
            onAct={act}
            onAudioJob={(jobId) => setAudioJobs({ ...audioJobs, [clip.id]: jobId })}
          />
        ))}
      </ul>
    </section>
  );
}

function ClipCard({
  clip,
  checked,
  onCheck,
  audioJob,
  onAct,
  onAudioJob,
}: {
  clip: Clip;
  checked: boolean;
  onCheck: (on: boolean) => void;
  audioJob?: string;
  onAct: (fn: () => Promise<unknown>) => Promise<void>;
  onAudioJob: (jobId: string) => void;
}) {
  const name = clipName(clip);
  const rename = () => {
    const next = window.prompt('Clip name', name);
    if (next !== null) void onAct(() => clipsApi.rename(clip.id, next.trim() || null));
  };
  return (
    <li className={`card clip-card${clip.is_selected ? ' selected' : ''}`}>
      {clip.video_url ? (
        // biome-ignore lint/a11y/useMediaCaption: a generated clip; its subtitles are edited on the clip screen
        <video
          src={clip.video_url}
          poster={clip.thumbnail_url ?? undefined}
          controls
          preload="none"
          aria-label={`Preview of ${name}`}
        />
      ) : (
        <div className="thumb-placeholder" aria-hidden="true" />
      )}
      <label className="checkbox">
        <input type="checkbox" checked={checked} onChange={(e) => onCheck(e.target.checked)} /> {name}
      </label>
      <p className="meta">
        {formatSeconds(clip.duration)} · {clip.has_audio ? 'with audio' : 'no audio'}
        {clip.is_selected ? ' · selected' : ''} · render <StatusBadge status={clip.final_status} /> · post{' '}
        <StatusBadge status={clip.postiz_status} />
      </p>
      {audioJob ? (
        <JobProgress jobId={audioJob} label={`Removing audio of ${name}`} onFinish={() => onAct(async () => {})} />
      ) : null}
      <div className="actions">
        {clip.is_deleted ? (
          <button type="button" onClick={() => onAct(() => clipsApi.restore(clip.id))} aria-label={`Restore ${name}`}>
            Restore
          </button>
        ) : (
          <>
            <Link href={`/clips/${clip.id}`} aria-label={`Edit ${name}`}>
              Edit
            </Link>
            <button type="button" className="secondary" onClick={rename} aria-label={`Rename ${name}`}>
              Rename
            </button>
            <button
              type="button"
              className="secondary"
              aria-pressed={clip.is_selected}
              onClick={() => onAct(() => clipsApi.select(clip.id, !clip.is_selected))}
              aria-label={`Select ${name}`}
            >
              Select
            </button>
            {clip.has_audio ? (
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  onAct(async () => {
                    const res = await clipsApi.removeAudio(clip.id);
                    if (res.job_id) onAudioJob(res.job_id);
                  })
                }
                aria-label={`Remove audio of ${name}`}
              >
                Remove audio
              </button>
            ) : null}
            <button
              type="button"
              className="danger"
              onClick={() => onAct(() => clipsApi.trash(clip.id))}
              aria-label={`Trash ${name}`}
            >
              Trash
            </button>
          </>
        )}
      </div>
    </li>
  );
}
