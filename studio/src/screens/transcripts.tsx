/**
 * Transcripts of a source video or a clip (shown on the video editor and on the clip screen):
 * "Transcribe" (Gemini when the deployment has a key, otherwise a script aligned to the detected
 * speech) with the job's live progress, the list of transcripts, and an editor: the cues as rows
 * (text, start, end) or the SRT text, saved with PATCH, the API's validation message shown next to
 * the cue or field it names, and "Download SRT".
 */
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { formatSrt, parseSrtBlocks } from '../../../shared/srt.ts';
import { type TranscriptTarget, gemini, transcripts as transcriptsApi } from '../api/endpoints.ts';
import { ApiError } from '../api/http.ts';
import type { Job, TranscriptListItem } from '../api/types.ts';
import { ErrorText, JobProgress, confirmed, formatSeconds } from '../components/feedback.tsx';
import { DataTable, LoadMore } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

/** One `details` entry of the API's error shape. */
interface ErrorDetail {
  path: string;
  message: string;
}

function detailsOf(error: unknown): ErrorDetail[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter(
    (d): d is ErrorDetail => typeof d === 'object' && d !== null && typeof d.path === 'string' && 'message' in d,
  );
}

export function TranscriptsPanel({
  target,
  name,
  onUseSrt,
}: {
  target: TranscriptTarget;
  /** The video's or clip's name (headings, file names). */
  name: string;
  /** Offered as "Use as subtitles" when the screen burns subtitles (the clip's render). */
  onUseSrt?: (srt: string) => void;
}) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const listKey = [profileId, 'transcripts', target.kind, target.id];
  const list = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => transcriptsApi.list(target, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listKey });

  const remove = async (t: TranscriptListItem) => {
    if (!confirmed('Delete this transcript?')) return;
    setError(null);
    try {
      await transcriptsApi.remove(t.id);
      if (open === t.id) setOpen(null);
      await refresh();
    } catch (err) {
      setError(err);
    }
  };
  const use = async (t: TranscriptListItem) => {
    setError(null);
    try {
      onUseSrt?.((await transcriptsApi.get(t.id)).srt);
    } catch (err) {
      setError(err);
    }
  };

  const items = list.data?.pages.flatMap((p) => p.transcripts) ?? [];
  return (
    <section className="card" aria-labelledby="transcripts-heading">
      <h2 id="transcripts-heading">Transcripts</h2>
      <TranscribeForm
        target={target}
        onTranscribed={async (id) => {
          await refresh();
          if (id) setOpen(id);
        }}
      />
      <ErrorText error={error ?? list.error} />
      {list.isSuccess && items.length === 0 ? <p>No transcripts of {name} yet.</p> : null}
      {items.length ? (
        <DataTable columns={['Made', 'Engine', 'Words', 'Edited', 'Actions']}>
          {items.map((t, i) => {
            const label = `transcript ${items.length - i}`;
            return (
              <tr key={t.id}>
                <td>{new Date(t.created_at).toLocaleString()}</td>
                <td>
                  {t.engine === 'gemini' ? 'Gemini' : 'Script alignment'}
                  {t.approximate ? ' (approximate timings)' : ''}
                </td>
                <td>{t.word_count}</td>
                <td>{t.edited_at ? new Date(t.edited_at).toLocaleString() : '–'}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Edit ${label}`}
                    aria-pressed={open === t.id}
                    onClick={() => setOpen(open === t.id ? null : t.id)}
                  >
                    Edit
                  </button>
                  <DownloadSrt id={t.id} fileName={`${name} ${label}`} label={`Download SRT of ${label}`} />
                  {onUseSrt ? (
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Use as subtitles: ${label}`}
                      onClick={() => use(t)}
                    >
                      Use as subtitles
                    </button>
                  ) : null}
                  <button type="button" className="danger" aria-label={`Delete ${label}`} onClick={() => remove(t)}>
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </DataTable>
      ) : null}
      <LoadMore list={list} />
      {open ? <TranscriptEditor key={open} id={open} onSaved={refresh} /> : null}
    </section>
  );
}

/** "Transcribe": the engine (when Gemini is configured), the script for the local alignment, the job. */
function TranscribeForm({
  target,
  onTranscribed,
}: {
  target: TranscriptTarget;
  onTranscribed: (transcriptId: string | null) => Promise<void>;
}) {
  const scriptId = useId();
  const scriptErrorId = useId();
  const status = useQuery({ queryKey: ['gemini-status'], queryFn: gemini.status, staleTime: 10 * 60 * 1000 });
  const configured = status.data?.configured === true;
  const [engine, setEngine] = useState<'auto' | 'script_alignment'>('auto');
  const [script, setScript] = useState('');
  const [job, setJob] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const needsScript = !configured || engine === 'script_alignment';
  const scriptProblem = detailsOf(error).find((d) => d.path === 'script');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setJob(null);
    try {
      const queued = await transcriptsApi.transcribe(target, {
        engine: configured ? engine : 'auto',
        ...(needsScript && script.trim() ? { script: script.trim() } : {}),
      });
      setJob(queued.job_id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const finished = (done: Job) => {
    const id = done.status === 'completed' ? done.result?.transcript_id : null;
    void onTranscribed(typeof id === 'string' ? id : null);
  };

  return (
    <form className="transcribe-form" aria-label="Transcribe" onSubmit={submit}>
      {configured ? (
        <div>
          <label htmlFor={`${scriptId}-engine`}>Engine</label>
          <select
            id={`${scriptId}-engine`}
            value={engine}
            onChange={(e) => setEngine(e.target.value as 'auto' | 'script_alignment')}
          >
            <option value="auto">Gemini (hears the words; billed)</option>
            <option value="script_alignment">Align my script (free, approximate timings)</option>
          </select>
        </div>
      ) : (
        <p className="hint">
          Gemini is not configured here: write what is said and its words are spread over the detected speech
          (approximate timings).
        </p>
      )}
      {needsScript ? (
        <div>
          <label htmlFor={scriptId}>Script (what is said)</label>
          <textarea
            id={scriptId}
            rows={3}
            value={script}
            onChange={(e) => setScript(e.target.value)}
            aria-invalid={scriptProblem ? true : undefined}
            aria-describedby={scriptProblem ? scriptErrorId : undefined}
          />
          {scriptProblem ? (
            <p className="error" role="alert" id={scriptErrorId}>
              {scriptProblem.message}
            </p>
          ) : null}
        </div>
      ) : null}
      <button type="submit" disabled={busy}>
        Transcribe
      </button>
      {scriptProblem ? null : <ErrorText error={error} />}
      {job ? <JobProgress key={job} jobId={job} label="Transcribing" onFinish={finished} /> : null}
    </form>
  );
}

/** Fetches the API's SRT file (the route needs the token) and hands it to the browser as a download. */
function DownloadSrt({ id, fileName, label }: { id: string; fileName: string; label: string }) {
  const [error, setError] = useState<unknown>(null);
  const download = async () => {
    setError(null);
    try {
      const url = URL.createObjectURL(await transcriptsApi.srtFile(id));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${fileName.replace(/[^\w .-]+/g, '_')}.srt`;
      a.click();
      // The click has handed the blob to the download by the next task.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" className="secondary" aria-label={label} onClick={download}>
        Download SRT
      </button>
      <ErrorText error={error} />
    </>
  );
}

interface CueRow {
  text: string;
  start: string;
  end: string;
}

/** The cues of an SRT as editable rows (a cue's lines joined: the API keeps one line per cue). */
function rowsOf(srt: string): CueRow[] {
  return parseSrtBlocks(srt).flatMap((b) =>
    b.ok ? [{ text: b.cue.text.replaceAll('\n', ' '), start: String(b.cue.start), end: String(b.cue.end) }] : [],
  );
}

/** The rows as an SRT, as written: the API checks it (a broken row is its block). */
function srtOf(rows: CueRow[]): string {
  return formatSrt(rows.map((r) => ({ text: r.text.trim(), start: Number(r.start), end: Number(r.end) })));
}

/** The cue holding word `index` of the words the API rebuilds from the cues (whitespace-separated). */
function cueOfWord(rows: CueRow[], index: number): number | null {
  let seen = 0;
  for (const [i, row] of rows.entries()) {
    seen += row.text.split(/\s+/).filter(Boolean).length;
    if (index < seen) return i;
  }
  return null;
}

/**
 * Where the API's validation problems belong in the cue rows: `srt` details name the block
 * (`block N (line L): …`, block N is cue N), `words.i` the i-th word rebuilt from the cues.
 */
function problemsByCue(error: unknown, rows: CueRow[]): Map<number, string> {
  const byCue = new Map<number, string>();
  for (const d of detailsOf(error)) {
    const block = d.path === 'srt' ? /^block (\d+)/.exec(d.message) : null;
    const word = /^words\.(\d+)$/.exec(d.path);
    const cue = block ? Number(block[1]) - 1 : word ? cueOfWord(rows, Number(word[1])) : null;
    if (cue !== null && cue >= 0 && cue < rows.length && !byCue.has(cue)) byCue.set(cue, d.message);
  }
  return byCue;
}

function TranscriptEditor({ id, onSaved }: { id: string; onSaved: () => Promise<unknown> }) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const srtId = useId();
  const srtErrorId = useId();
  const key = [profileId, 'transcript', id];
  const query = useQuery({ queryKey: key, queryFn: () => transcriptsApi.get(id) });
  const [mode, setMode] = useState<'cues' | 'srt'>('cues');
  const [rows, setRows] = useState<CueRow[]>([]);
  const [srt, setSrt] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState('');

  const loaded = query.data;
  useEffect(() => {
    if (!loaded) return;
    setRows(rowsOf(loaded.srt));
    setSrt(loaded.srt);
  }, [loaded]);

  if (query.isPending) return <p>Loading the transcript…</p>;
  if (query.isError) return <ErrorText error={query.error} />;
  const transcript = query.data;

  const edit = (i: number, field: keyof CueRow, value: string) => {
    setRows(rows.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
    setStatus('');
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setStatus('');
    try {
      const saved = await transcriptsApi.update(id, { srt: mode === 'srt' ? srt : srtOf(rows) });
      queryClient.setQueryData(key, saved);
      setStatus('Transcript saved.');
      await onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const byCue = mode === 'cues' ? problemsByCue(error, rows) : new Map<number, string>();
  const srtProblems = mode === 'srt' ? detailsOf(error).filter((d) => d.path === 'srt') : [];
  // A problem placed next to its cue or field is not repeated; anything else shows under the form.
  const placed = byCue.size > 0 || srtProblems.length > 0;

  return (
    <form className="transcript-editor" aria-label="Transcript editor" onSubmit={save}>
      <h3>
        Transcript of {formatSeconds(transcript.duration)}
        {transcript.approximate ? ' (approximate timings)' : ''}
      </h3>
      <fieldset>
        <legend>Edit as</legend>
        <label className="checkbox">
          <input
            type="radio"
            name={`${srtId}-mode`}
            checked={mode === 'cues'}
            onChange={() => {
              setMode('cues');
              setRows(rowsOf(srt));
              setError(null);
            }}
          />{' '}
          Cues
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name={`${srtId}-mode`}
            checked={mode === 'srt'}
            onChange={() => {
              setMode('srt');
              setSrt(srtOf(rows));
              setError(null);
            }}
          />{' '}
          SRT text
        </label>
      </fieldset>
      {mode === 'cues' ? (
        <DataTable columns={['#', 'Text', 'Start (s)', 'End (s)']}>
          {rows.map((row, i) => {
            const problem = byCue.get(i);
            const problemId = `${srtId}-cue-${i}-error`;
            const described = problem ? problemId : undefined;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: cues are edited in place; their order is their identity
              <tr key={i}>
                <td>{i + 1}</td>
                <td>
                  <input
                    aria-label={`Cue ${i + 1} text`}
                    value={row.text}
                    onChange={(e) => edit(i, 'text', e.target.value)}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={described}
                  />
                  {problem ? (
                    <p className="error" role="alert" id={problemId}>
                      Cue {i + 1}: {problem}
                    </p>
                  ) : null}
                </td>
                {(['start', 'end'] as const).map((field) => (
                  <td key={field}>
                    <input
                      aria-label={`Cue ${i + 1} ${field} (s)`}
                      type="number"
                      step="any"
                      min={0}
                      value={row[field]}
                      onChange={(e) => edit(i, field, e.target.value)}
                      aria-invalid={problem ? true : undefined}
                      aria-describedby={described}
                    />
                  </td>
                ))}
              </tr>
            );
          })}
        </DataTable>
      ) : (
        <div>
          <label htmlFor={srtId}>SRT</label>
          <textarea
            id={srtId}
            rows={10}
            spellCheck={false}
            value={srt}
            onChange={(e) => {
              setSrt(e.target.value);
              setStatus('');
            }}
            aria-invalid={srtProblems.length ? true : undefined}
            aria-describedby={srtProblems.length ? srtErrorId : undefined}
          />
          {srtProblems.length ? (
            <div className="error" role="alert" id={srtErrorId}>
              <p>{error instanceof Error ? error.message : null}</p>
              <ul>
                {srtProblems.map((d) => (
                  <li key={d.message}>{d.message}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      )}
      {placed ? null : <ErrorText error={error} />}
      <div className="actions">
        <button type="submit" disabled={saving}>
          Save transcript
        </button>
        <span role="status">{status}</span>
      </div>
    </form>
  );
}
