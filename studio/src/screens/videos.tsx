/**
 * Source videos: upload (drag-and-drop or the file picker, optionally trimmed in the browser first),
 * import from a URL, live upload/import and probe progress, and the thumbnail grid with each
 * video's tags (editable) and a tag filter.
 */
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { Link } from 'wouter';
import { videos } from '../api/endpoints.ts';
import type { SourceVideo } from '../api/types.ts';
import { ErrorText, StatusBadge, confirmed, formatSeconds } from '../components/feedback.tsx';
import { Field, LoadMore } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';
import { PrepareUpload } from '../upload/prepare-upload.tsx';
import { uploadStore, useUploads } from '../upload/upload-store.ts';
import { UploadRow } from '../upload/upload-row.tsx';

export function VideosScreen() {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const pending = useUploads(profileId);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tagDraft, setTagDraft] = useState('');
  const [tag, setTag] = useState<string | undefined>(undefined);
  // Imports started here download as `pending_upload`: the list is polled until they end.
  const [importing, setImporting] = useState<string[]>([]);
  const list = useInfiniteQuery({
    queryKey: [profileId, 'videos', { tag }],
    queryFn: ({ pageParam }) => videos.list(pageParam, tag),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Uploads in progress elsewhere (another tab, the API) show up as they get probed.
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) =>
        p.items.some((v) => v.status === 'processing' || (v.status === 'pending_upload' && importing.includes(v.id))),
      )
        ? 3000
        : false,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: [profileId, 'videos'] });

  const add = (files: FileList | null) => {
    if (files) uploadStore.add(files);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(e.dataTransfer.files);
  };
  const remove = async (video: SourceVideo) => {
    if (!confirmed(`Delete “${video.name}” with its segments?`)) return;
    setError(null);
    try {
      await videos.remove(video.id);
      await refresh();
    } catch (err) {
      setError(err);
    }
  };

  const all = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1>Videos</h1>
      <section
        className={`dropzone${dragging ? ' dragging' : ''}`}
        aria-label="Upload"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop video files here, or</p>
        <label className="button" htmlFor="upload-input">
          Choose files
        </label>
        <input
          id="upload-input"
          className="visually-hidden"
          type="file"
          accept="video/*,.mkv,.ts,.m2ts"
          multiple
          aria-label="Upload video"
          onChange={(e) => {
            add(e.target.files);
            e.target.value = '';
          }}
        />
      </section>
      {pending.map((item) =>
        item.upload ? (
          <UploadRow key={item.key} item={item} onFinished={refresh} />
        ) : (
          <PrepareUpload
            key={item.key}
            file={item.file}
            onCancel={() => uploadStore.dismiss(item.key)}
            onReady={(choice) => uploadStore.send(item.key, choice)}
          />
        ),
      )}
      <ImportFromUrl
        onImported={async (id) => {
          setImporting((ids) => [...ids, id]);
          await refresh();
        }}
      />
      <ErrorText error={error ?? list.error} />
      <h2>Your videos</h2>
      <form
        className="filters card"
        aria-label="Filter videos"
        onSubmit={(e) => {
          e.preventDefault();
          setTag(tagDraft.trim() || undefined);
        }}
      >
        <Field label="Tag" value={tagDraft} onChange={(e) => setTagDraft(e.target.value)} />
        <button type="submit">Filter</button>
      </form>
      {list.isPending ? <p>Loading…</p> : null}
      {list.isSuccess && all.length === 0 ? (
        <p>{tag ? `No videos tagged “${tag}”.` : 'No videos yet: upload one above.'}</p>
      ) : null}
      <ul className="grid" aria-label="Source videos">
        {all.map((video) => (
          <VideoCard key={video.id} video={video} onDelete={() => remove(video)} onChanged={refresh} />
        ))}
      </ul>
      <LoadMore list={list} />
    </>
  );
}

/** "Import from URL": the service fetches a public https URL (a job), then probes it as an upload. */
function ImportFromUrl({ onImported }: { onImported: (videoId: string) => Promise<void> }) {
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const created = await videos.importUrl({
        url: url.trim(),
        name: name.trim() || url.trim().split('/').pop() || 'Imported video',
      });
      setDone(`Importing “${created.source_video.name}”…`);
      setUrl('');
      setName('');
      await onImported(created.source_video.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="filters card" aria-label="Import from URL" onSubmit={submit}>
      <Field
        label="Video URL"
        type="url"
        required
        placeholder="https://…"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <Field label="Title" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" disabled={busy}>
        Import from URL
      </button>
      {done ? <p role="status">{done}</p> : null}
      <ErrorText error={error} />
    </form>
  );
}

/** Tags of one video, edited as comma-separated text (the API normalises them). */
function TagEditor({ video, onChanged }: { video: SourceVideo; onChanged: () => Promise<void> }) {
  const inputId = useId();
  const [text, setText] = useState(video.tags.join(', '));
  const [error, setError] = useState<unknown>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const tags = text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const saved = await videos.setTags(video.id, tags);
      setText(saved.tags.join(', '));
      await onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="tag-editor" onSubmit={save}>
      <div>
        {/* Shown as "Tags"; named after the video for assistive tech (every card has one). */}
        <label htmlFor={inputId}>Tags</label>
        <input
          id={inputId}
          aria-label={`Tags of ${video.name}`}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <button type="submit" className="secondary">
        Save tags
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function VideoCard({
  video,
  onDelete,
  onChanged,
}: {
  video: SourceVideo;
  onDelete: () => void;
  onChanged: () => Promise<void>;
}) {
  return (
    <li className="card video-card">
      {video.thumbnail_url ? (
        <img src={video.thumbnail_url} alt="" loading="lazy" width={320} height={180} />
      ) : (
        <div className="thumb-placeholder" aria-hidden="true" />
      )}
      <h3>{video.status === 'ready' ? <Link href={`/videos/${video.id}`}>{video.name}</Link> : video.name}</h3>
      <p className="meta">
        <StatusBadge status={video.status} /> {formatSeconds(video.duration)}
        {video.width ? ` · ${video.width}×${video.height}` : ''} · {video.segments_count} segments
      </p>
      {video.error ? <p className="error">{video.error.message}</p> : null}
      {video.tags.length ? <p className="keywords">{video.tags.map((t) => `#${t}`).join(' ')}</p> : null}
      <TagEditor video={video} onChanged={onChanged} />
      <div className="actions">
        {video.status === 'ready' ? <Link href={`/videos/${video.id}`}>Open editor</Link> : null}
        <button type="button" className="danger" onClick={onDelete} aria-label={`Delete ${video.name}`}>
          Delete
        </button>
      </div>
    </li>
  );
}
