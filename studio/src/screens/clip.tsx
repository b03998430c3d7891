/**
 * One clip: its content (voice-over text, SRT subtitles and their style, with a live preview of the
 * cue at the playhead over the video), its transcripts (one can become the subtitles), render with a platform preset (live progress), download and
 * publish.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type CSSProperties, type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { parseSrtBlocks } from '../../../shared/srt.ts';
import { clips as clipsApi } from '../api/endpoints.ts';
import type { SubtitleSettings } from '../api/types.ts';
import { ErrorText, JobProgress, StatusBadge, clipName, formatSeconds } from '../components/feedback.tsx';
import { Field } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';
import { TranscriptsPanel } from './transcripts.tsx';

/** What the renderer uses when a field is not set (src/library/subtitle-settings.ts). */
const STYLE_DEFAULTS: Required<SubtitleSettings> = {
  fontSize: 48,
  fontFamily: 'DejaVu Sans',
  textColor: '#FFFFFF',
  outlineColor: '#000000',
  outlineWidth: 3,
  positionY: 85,
  bold: true,
};

export function ClipScreen({ clipId }: { clipId: string }) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: [profileId, 'clip', clipId], queryFn: () => clipsApi.get(clipId) });
  const presets = useQuery({ queryKey: ['presets'], queryFn: clipsApi.presets, staleTime: Number.POSITIVE_INFINITY });
  const [ttsText, setTtsText] = useState('');
  const [srt, setSrt] = useState('');
  const [style, setStyle] = useState<Required<SubtitleSettings>>(STYLE_DEFAULTS);
  const [preset, setPreset] = useState('');
  const [renderJob, setRenderJob] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(0);
  const [videoHeight, setVideoHeight] = useState(1080);
  const [shownHeight, setShownHeight] = useState(360);
  const player = useRef<HTMLVideoElement>(null);

  const loaded = query.data;
  useEffect(() => {
    if (!loaded) return;
    setTtsText(loaded.content?.tts_text ?? '');
    setSrt(loaded.content?.srt_content ?? '');
    setStyle({ ...STYLE_DEFAULTS, ...(loaded.content?.subtitle_settings ?? {}) });
  }, [loaded]);
  useEffect(() => {
    const list = presets.data?.presets ?? [];
    if (!preset && list.length) setPreset((list.find((p) => p.is_default) ?? list[0]!).name);
  }, [presets.data, preset]);

  const cues = useMemo(() => parseSrtBlocks(srt).flatMap((b) => (b.ok ? [b.cue] : [])), [srt]);
  const problems = useMemo(() => parseSrtBlocks(srt).filter((b) => !b.ok).length, [srt]);
  const cue = cues.find((c) => now >= c.start && now < c.end);

  if (query.isPending) return <p>Loading…</p>;
  if (query.isError) return <ErrorText error={query.error} />;
  const { clip } = query.data;
  const name = clipName(clip);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await clipsApi.saveContent(clip.id, {
        tts_text: ttsText.trim() || null,
        srt_content: srt.trim() || null,
        subtitle_settings: style,
      });
      setSaved('Content saved.');
      await queryClient.invalidateQueries({ queryKey: [profileId, 'clip', clipId] });
    } catch (err) {
      setError(err);
    }
  };
  const render = async () => {
    setError(null);
    try {
      setRenderJob((await clipsApi.render(clip.id, preset)).job_id);
    } catch (err) {
      setError(err);
    }
  };

  const scale = shownHeight / Math.max(1, videoHeight);
  const overlay: CSSProperties = {
    top: `${style.positionY}%`,
    fontFamily: `"${style.fontFamily}", sans-serif`,
    fontSize: `${Math.max(8, style.fontSize * scale)}px`,
    fontWeight: style.bold ? 700 : 400,
    color: style.textColor,
    WebkitTextStroke: `${Math.max(0, style.outlineWidth * scale)}px ${style.outlineColor}`,
    paintOrder: 'stroke fill',
  };
  const setStyleField = <K extends keyof SubtitleSettings>(key: K, value: Required<SubtitleSettings>[K]) => {
    setStyle({ ...style, [key]: value });
    setSaved('');
  };

  return (
    <>
      <p>
        <Link href={`/projects/${clip.project_id}`}>← Project</Link>
      </p>
      <h1>{name}</h1>
      <p className="meta">
        {formatSeconds(clip.duration)} · render <StatusBadge status={clip.final_status} />
        {clip.final_preset ? ` (${clip.final_preset})` : ''} · post <StatusBadge status={clip.postiz_status} />
      </p>
      <div className="clip-layout">
        <div className="clip-stage">
          {clip.video_url ? (
            // biome-ignore lint/a11y/useMediaCaption: the clip's own subtitles are drawn over it (below)
            <video
              ref={player}
              src={clip.video_url}
              controls
              aria-label={`Video of ${name}`}
              onTimeUpdate={(e) => setNow(e.currentTarget.currentTime)}
              onSeeked={(e) => setNow(e.currentTarget.currentTime)}
              onLoadedMetadata={(e) => {
                setVideoHeight(e.currentTarget.videoHeight || 1080);
                setShownHeight(e.currentTarget.clientHeight || 360);
              }}
            />
          ) : (
            <p>This clip has no video yet.</p>
          )}
          {cue ? (
            <div className="subtitle-overlay" style={overlay} aria-live="off">
              {cue.text}
            </div>
          ) : null}
        </div>
        <form className="card" onSubmit={save} aria-label="Clip content">
          <h2>Content</h2>
          <label htmlFor="clip-tts">Voice-over text</label>
          <textarea id="clip-tts" rows={3} value={ttsText} onChange={(e) => setTtsText(e.target.value)} />
          <label htmlFor="clip-srt">Subtitles (SRT)</label>
          <textarea
            id="clip-srt"
            rows={6}
            value={srt}
            onChange={(e) => {
              setSrt(e.target.value);
              setSaved('');
            }}
            spellCheck={false}
          />
          <p className="hint">
            {cues.length} cues{problems ? `, ${problems} blocks that are not cues` : ''}. The cue at the playhead shows
            over the video.
          </p>
          <fieldset>
            <legend>Subtitle style</legend>
            <div className="inline-form">
              <Field
                label="Font size (px at full size)"
                type="number"
                min={16}
                max={200}
                value={style.fontSize}
                onChange={(e) => setStyleField('fontSize', Number(e.target.value))}
              />
              <Field
                label="Font"
                value={style.fontFamily}
                onChange={(e) => setStyleField('fontFamily', e.target.value)}
              />
              <Field
                label="Text colour"
                type="color"
                value={style.textColor}
                onChange={(e) => setStyleField('textColor', e.target.value.toUpperCase())}
              />
              <Field
                label="Outline colour"
                type="color"
                value={style.outlineColor}
                onChange={(e) => setStyleField('outlineColor', e.target.value.toUpperCase())}
              />
              <Field
                label="Outline width"
                type="number"
                min={0}
                max={10}
                step={0.5}
                value={style.outlineWidth}
                onChange={(e) => setStyleField('outlineWidth', Number(e.target.value))}
              />
              <Field
                label="Vertical position (% from top)"
                type="number"
                min={0}
                max={100}
                value={style.positionY}
                onChange={(e) => setStyleField('positionY', Number(e.target.value))}
              />
              <label className="checkbox">
                <input type="checkbox" checked={style.bold} onChange={(e) => setStyleField('bold', e.target.checked)} />{' '}
                Bold
              </label>
            </div>
          </fieldset>
          <ErrorText error={error} />
          <div className="actions">
            <button type="submit">Save content</button>
            <span role="status">{saved}</span>
          </div>
        </form>
      </div>
      {clip.video_url ? (
        <TranscriptsPanel
          target={{ kind: 'clip', id: clip.id }}
          name={name}
          onUseSrt={(text) => {
            setSrt(text);
            setSaved('Subtitles taken from the transcript: save the content to burn them in at render.');
          }}
        />
      ) : null}
      <section className="card" aria-labelledby="render-heading">
        <h2 id="render-heading">Render and publish</h2>
        <div className="inline-form">
          <div>
            <label htmlFor="render-preset">Platform preset</label>
            <select id="render-preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
              {(presets.data?.presets ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.display_name} ({p.width}×{p.height})
                </option>
              ))}
            </select>
          </div>
          <button type="button" onClick={render} disabled={!preset}>
            Render
          </button>
          {clip.final_video_url ? (
            <a className="button secondary" href={clip.final_video_url} download>
              Download render
            </a>
          ) : null}
          <Link className="button secondary" href={`/publish?clip=${clip.id}`}>
            Publish
          </Link>
        </div>
        {renderJob ? (
          <JobProgress
            key={renderJob}
            jobId={renderJob}
            label={`Rendering ${name}`}
            onFinish={() => queryClient.invalidateQueries({ queryKey: [profileId, 'clip', clipId] })}
          />
        ) : null}
      </section>
    </>
  );
}
