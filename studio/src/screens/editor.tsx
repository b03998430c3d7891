/**
 * Segment editor for one source video: the player (the signed stream URL, read by range), the
 * waveform with detected voice shaded (wavesurfer.js and its regions plugin), drag on the waveform
 * to mark a segment, numeric Start/End, keywords, notes, favourite, and the video's segments.
 * The video's transcripts (transcribe, edit the cues, download the SRT) below the segments.
 * Keyboard: Space plays/pauses, I/O set the in/out points at the playhead, Enter adds the segment.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { segments as segmentsApi, videos } from '../api/endpoints.ts';
import type { Segment } from '../api/types.ts';
import { ErrorText, JobProgress, confirmed, formatSeconds } from '../components/feedback.tsx';
import { DataTable, SecondsField } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';
import { StoryboardPreview } from '../components/storyboard-preview.tsx';
import { Waveform, type WaveformRegion } from '../components/waveform.tsx';
import { TranscriptsPanel } from './transcripts.tsx';

const round = (n: number) => Math.round(n * 1000) / 1000;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
  return target.isContentEditable;
}

export function EditorScreen({ videoId }: { videoId: string }) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const video = useQuery({ queryKey: [profileId, 'video', videoId], queryFn: () => videos.get(videoId) });
  const waveform = useQuery({
    queryKey: [profileId, 'waveform', videoId],
    queryFn: () => videos.waveform(videoId, 1600),
    enabled: video.data?.status === 'ready',
    staleTime: Number.POSITIVE_INFINITY,
  });
  const storyboard = useQuery({
    queryKey: [profileId, 'storyboard', videoId],
    queryFn: () => videos.storyboard(videoId),
    enabled: video.data?.status === 'ready',
    // The sprite URL is signed for an hour: fetch again well before it expires.
    staleTime: 30 * 60 * 1000,
  });
  const voice = useQuery({
    queryKey: [profileId, 'voice', videoId],
    queryFn: () => videos.voice(videoId),
    enabled: video.data?.status === 'ready' && video.data.has_audio !== false,
  });
  const list = useQuery({ queryKey: [profileId, 'video-segments', videoId], queryFn: () => videos.segments(videoId) });

  const player = useRef<HTMLVideoElement>(null);
  const poster = useRef<HTMLCanvasElement>(null);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [keywords, setKeywords] = useState('');
  const [notes, setNotes] = useState('');
  const [favorite, setFavorite] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);

  const refreshSegments = () => {
    void queryClient.invalidateQueries({ queryKey: [profileId, 'video-segments', videoId] });
    void queryClient.invalidateQueries({ queryKey: [profileId, 'segments'] });
  };

  const addSegment = async (e?: FormEvent) => {
    e?.preventDefault();
    if (saving) return;
    setError(null);
    const startTime = Number(start);
    const endTime = Number(end);
    if (start === '' || end === '' || !(endTime > startTime)) {
      setError(new Error('Mark a range first: Start must be before End.'));
      return;
    }
    setSaving(true);
    try {
      const created = await videos.createSegment(videoId, {
        start_time: startTime,
        end_time: endTime,
        keywords: keywords
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
        notes: notes.trim() || null,
      });
      if (favorite) await segmentsApi.toggleFavorite(created.id);
      setStatus(`Segment ${formatSeconds(created.start_time)}–${formatSeconds(created.end_time)} added.`);
      setStart('');
      setEnd('');
      setKeywords('');
      setNotes('');
      setFavorite(false);
      refreshSegments();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  // The frame at the playhead, drawn whenever the player stops on a frame.
  const drawPoster = useCallback(() => {
    const v = player.current;
    const canvas = poster.current;
    if (!v || !canvas || v.readyState < 2 || !v.videoWidth) return;
    canvas.width = 320;
    canvas.height = Math.round((320 * v.videoHeight) / v.videoWidth);
    canvas.getContext('2d')?.drawImage(v, 0, 0, canvas.width, canvas.height);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const v = player.current;
      if (!v || e.ctrlKey || e.metaKey || e.altKey) return;
      const typing = isTyping(e.target);
      if (e.key === ' ' && !typing && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        if (v.paused) void v.play();
        else v.pause();
      } else if ((e.key === 'i' || e.key === 'I') && !typing) {
        setStart(String(round(v.currentTime)));
      } else if ((e.key === 'o' || e.key === 'O') && !typing) {
        setEnd(String(round(v.currentTime)));
      } else if (
        e.key === 'Enter' &&
        !typing &&
        !(e.target instanceof HTMLButtonElement) &&
        !(e.target instanceof HTMLAnchorElement)
      ) {
        e.preventDefault();
        void addSegment();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const onDraft = useCallback((region: { start: number; end: number }) => {
    setStart(String(round(region.start)));
    setEnd(String(round(region.end)));
  }, []);

  const onSegmentMoved = async (id: string, region: { start: number; end: number }) => {
    setError(null);
    try {
      await segmentsApi.update(id, { start_time: round(region.start), end_time: round(region.end) });
      setStatus('Segment updated.');
    } catch (err) {
      setError(err);
    }
    refreshSegments();
  };

  const regions = useMemo<WaveformRegion[]>(
    () => [
      ...(voice.data?.status === 'completed'
        ? voice.data.segments.map((r, i) => ({ id: `voice-${i}`, start: r.start, end: r.end, kind: 'voice' as const }))
        : []),
      ...(list.data ?? []).map((s) => ({ id: s.id, start: s.start_time, end: s.end_time, kind: 'segment' as const })),
    ],
    [voice.data, list.data],
  );
  const draftStart = start !== '' ? Number(start) : Number.NaN;
  const draftEnd = end !== '' ? Number(end) : Number.NaN;
  const draft = useMemo(
    () => (draftEnd > draftStart ? { start: draftStart, end: draftEnd } : null),
    [draftStart, draftEnd],
  );

  if (video.isPending) return <p>Loading…</p>;
  if (video.isError) return <ErrorText error={video.error} />;
  const v = video.data;

  return (
    <>
      <p>
        <Link href="/videos">← Videos</Link>
      </p>
      <h1>{v.name}</h1>
      {v.status !== 'ready' ? <p>This video is {v.status.replaceAll('_', ' ')}; segments need a ready video.</p> : null}
      <div className="editor">
        <div className="editor-media">
          {/* biome-ignore lint/a11y/useMediaCaption: user footage has no caption track */}
          <video
            ref={player}
            src={v.stream_url ?? undefined}
            controls
            preload="auto"
            aria-label={`Video ${v.name}`}
            onSeeked={drawPoster}
            onPause={drawPoster}
            onLoadedData={drawPoster}
          />
          <figure className="poster">
            <canvas ref={poster} role="img" aria-label="Frame at the playhead" width={320} height={180} />
            <figcaption>Frame at the playhead</figcaption>
          </figure>
        </div>
        {waveform.data ? (
          <StoryboardPreview board={storyboard.data}>
            <Waveform
              media={player}
              peaks={waveform.data.peaks}
              duration={waveform.data.duration ?? v.duration ?? 0}
              regions={regions}
              draft={draft}
              onDraft={onDraft}
              onSegmentMoved={onSegmentMoved}
            />
          </StoryboardPreview>
        ) : (
          <section className="waveform-placeholder" aria-label="Waveform">
            {waveform.isError ? <ErrorText error={waveform.error} /> : 'Loading the waveform…'}
          </section>
        )}
        <p className="legend">
          <span className="swatch swatch-voice" aria-hidden="true" /> voice{' '}
          <span className="swatch swatch-segment" aria-hidden="true" /> segments{' '}
          <span className="swatch swatch-draft" aria-hidden="true" /> new segment · Drag on the waveform to mark a
          range; drag a segment's edges to change it.
        </p>
        {voice.data?.status === 'processing' ? (
          <JobProgress
            jobId={voice.data.job_id}
            label="Detecting voice"
            onFinish={() => queryClient.invalidateQueries({ queryKey: [profileId, 'voice', videoId] })}
          />
        ) : null}
        <form className="card segment-form" onSubmit={addSegment} aria-label="New segment">
          <div className="row">
            <SecondsField
              label="Start"
              value={start}
              onChange={setStart}
              button="Set in (I)"
              playhead={() => player.current?.currentTime ?? 0}
              max={v.duration ?? undefined}
              describedBy="seg-keys"
            />
            <SecondsField
              label="End"
              value={end}
              onChange={setEnd}
              button="Set out (O)"
              playhead={() => player.current?.currentTime ?? 0}
              max={v.duration ?? undefined}
              describedBy="seg-keys"
            />
            <span className="meta">{draft ? `${(draft.end - draft.start).toFixed(2)} s` : ''}</span>
          </div>
          <label htmlFor="seg-keywords">Keywords (comma-separated)</label>
          <input id="seg-keywords" value={keywords} onChange={(e) => setKeywords(e.target.value)} />
          <label htmlFor="seg-notes">Notes</label>
          <textarea id="seg-notes" rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          <label className="checkbox">
            <input type="checkbox" checked={favorite} onChange={(e) => setFavorite(e.target.checked)} /> Favourite
          </label>
          <p className="hint" id="seg-keys">
            Keys: Space play/pause · I set in · O set out · Enter add segment. Times in seconds (decimals allowed).
          </p>
          <ErrorText error={error} />
          <p role="status" className="status">
            {status}
          </p>
          <button type="submit" disabled={saving || v.status !== 'ready'}>
            Add segment
          </button>
        </form>
      </div>
      <h2>Segments of this video</h2>
      <SegmentTable
        segments={list.data ?? []}
        onPlay={(s) => {
          if (!player.current) return;
          player.current.currentTime = s.start_time;
          void player.current.play();
        }}
        onChange={refreshSegments}
        onError={setError}
      />
      {v.status === 'ready' ? <TranscriptsPanel target={{ kind: 'source_video', id: v.id }} name={v.name} /> : null}
    </>
  );
}

function SegmentTable({
  segments,
  onPlay,
  onChange,
  onError,
}: {
  segments: Segment[];
  onPlay: (s: Segment) => void;
  onChange: () => void;
  onError: (err: unknown) => void;
}) {
  if (segments.length === 0) return <p>No segments yet.</p>;
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      onChange();
    } catch (err) {
      onError(err);
    }
  };
  return (
    <DataTable columns={['Range', 'Duration', 'Keywords', 'Notes', 'Actions']}>
      {segments.map((s) => (
        <tr key={s.id}>
          <td>
            {formatSeconds(s.start_time)}–{formatSeconds(s.end_time)}
          </td>
          <td>{s.duration.toFixed(2)} s</td>
          <td>{s.keywords.join(', ')}</td>
          <td>{s.notes}</td>
          <td className="actions">
            <button type="button" className="secondary" onClick={() => onPlay(s)}>
              Play
            </button>
            <button
              type="button"
              className="secondary"
              aria-pressed={s.is_favorite}
              onClick={() => act(() => segmentsApi.toggleFavorite(s.id))}
            >
              {s.is_favorite ? '★ Favourite' : '☆ Favourite'}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => confirmed('Delete this segment?') && act(() => segmentsApi.remove(s.id))}
            >
              Delete
            </button>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
