/**
 * Before a file goes up: its name, a local preview, and optionally an in/out range cut in the
 * browser (trim.ts) so only that part is uploaded.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ErrorText, ProgressBar, formatSeconds } from '../components/feedback.tsx';
import { SecondsField } from '../components/fields.tsx';
import { type TrimResult, loadFFmpeg, planTrim, trimFile } from './trim.ts';
import { formatBytes } from './uploader.ts';

export interface UploadChoice {
  file: File;
  name: string;
  /** What the trim did, shown with the upload. */
  note?: string;
}

type Stage =
  | { kind: 'choosing' }
  | { kind: 'loading'; loaded: number; total: number | null }
  | { kind: 'cutting'; ratio: number };

const baseName = (file: File) => file.name.replace(/\.[^.]+$/, '') || file.name;

export function PrepareUpload({
  file,
  onReady,
  onCancel,
}: {
  file: File;
  onReady: (choice: UploadChoice) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    const objectUrl = URL.createObjectURL(file);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);
  const video = useRef<HTMLVideoElement>(null);
  const [name, setName] = useState(baseName(file));
  const [duration, setDuration] = useState<number | null>(null);
  const [trim, setTrim] = useState(false);
  const [start, setStart] = useState(0);
  const [end, setEnd] = useState(0);
  const [stage, setStage] = useState<Stage>({ kind: 'choosing' });
  const [error, setError] = useState<unknown>(null);
  const id = useId();

  const plan = planTrim(file, start, end, duration);
  const rangeError =
    trim && !(end > start)
      ? 'The end must be after the start.'
      : trim && duration && end > duration + 0.001
        ? 'The end is past the end of the video.'
        : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!trim) {
      onReady({ file, name });
      return;
    }
    if (rangeError) return;
    if (!plan.ok) {
      onReady({ file, name, note: `${plan.reason} Uploading the whole file.` });
      return;
    }
    try {
      setStage({ kind: 'loading', loaded: 0, total: null });
      await loadFFmpeg((loaded, total) => setStage({ kind: 'loading', loaded, total }));
      setStage({ kind: 'cutting', ratio: 0 });
      const cut: TrimResult = await trimFile(file, start, end, (ratio) => setStage({ kind: 'cutting', ratio }));
      const moved = cut.start < start - 0.0005 ? ` (from the keyframe at ${cut.start.toFixed(2)} s)` : '';
      onReady({
        file: cut.file,
        name,
        note: `Trimmed in the browser to ${cut.duration.toFixed(2)} s${moved}: ${formatBytes(cut.file.size)} instead of ${formatBytes(file.size)}.`,
      });
    } catch (err) {
      setStage({ kind: 'choosing' });
      setError(err);
    }
  };

  const busy = stage.kind !== 'choosing';
  const atPlayhead = () => video.current?.currentTime ?? 0;
  return (
    <form className="card prepare" onSubmit={submit} aria-label={`Prepare ${file.name}`}>
      <h2>{file.name}</h2>
      <p className="meta">
        {formatBytes(file.size)}
        {duration ? ` · ${formatSeconds(duration)}` : ''}
      </p>
      <video
        ref={video}
        src={url}
        controls
        muted
        preload="metadata"
        aria-label={`Preview of ${file.name}`}
        onLoadedMetadata={(e) => {
          const d = e.currentTarget.duration;
          if (Number.isFinite(d)) {
            setDuration(d);
            setEnd((current) => (current > 0 ? current : Number(d.toFixed(3))));
          }
        }}
      />
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} />
      <label className="checkbox">
        <input type="checkbox" checked={trim} onChange={(e) => setTrim(e.target.checked)} /> Trim before upload
      </label>
      {trim ? (
        <fieldset>
          <legend>Part to upload (seconds)</legend>
          <div className="row">
            <SecondsField
              label="Trim start"
              value={start}
              onChange={(value) => setStart(Number(value))}
              button="Start at playhead"
              playhead={atPlayhead}
            />
          </div>
          <div className="row">
            <SecondsField
              label="Trim end"
              value={end}
              onChange={(value) => setEnd(Number(value))}
              button="End at playhead"
              playhead={atPlayhead}
            />
          </div>
          <p className="hint">
            Cut without re-encoding: the start moves back to the nearest keyframe.
            {plan.ok ? '' : ` ${plan.reason} The whole file will be uploaded.`}
          </p>
          {rangeError ? <p className="error">{rangeError}</p> : null}
        </fieldset>
      ) : null}
      {stage.kind === 'loading' ? (
        <ProgressBar label="Loading FFmpeg" value={stage.total ? (100 * stage.loaded) / stage.total : 0}>
          loading FFmpeg ({formatBytes(stage.loaded)})
        </ProgressBar>
      ) : null}
      {stage.kind === 'cutting' ? (
        <ProgressBar label={`Trimming ${file.name}`} value={100 * stage.ratio}>
          cutting
        </ProgressBar>
      ) : null}
      <ErrorText error={error} />
      <div className="actions">
        <button type="submit" disabled={busy || Boolean(rangeError)}>
          {trim ? 'Trim and upload' : 'Upload'}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
