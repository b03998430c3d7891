/**
 * Source videos: upload (drag-and-drop or the file picker, optionally trimmed in the browser first),
 * live upload and probe progress, and the thumbnail grid.
 */
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useState } from 'react';
import { Link } from 'wouter';
import { videos } from '../api/endpoints.ts';
import type { SourceVideo } from '../api/types.ts';
import { ErrorText, StatusBadge, confirmed, formatSeconds } from '../components/feedback.tsx';
import { LoadMore } from '../components/fields.tsx';
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
  const list = useInfiniteQuery({
    queryKey: [profileId, 'videos'],
    queryFn: ({ pageParam }) => videos.list(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Uploads in progress elsewhere (another tab, the API) show up as they get probed.
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.items.some((v) => v.status === 'processing')) ? 3000 : false,
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
      <ErrorText error={error ?? list.error} />
      <h2>Your videos</h2>
      {list.isPending ? <p>Loading…</p> : null}
      {list.isSuccess && all.length === 0 ? <p>No videos yet: upload one above.</p> : null}
      <ul className="grid" aria-label="Source videos">
        {all.map((video) => (
          <VideoCard key={video.id} video={video} onDelete={() => remove(video)} />
        ))}
      </ul>
      <LoadMore list={list} />
    </>
  );
}

function VideoCard({ video, onDelete }: { video: SourceVideo; onDelete: () => void }) {
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
      <div className="actions">
        {video.status === 'ready' ? <Link href={`/videos/${video.id}`}>Open editor</Link> : null}
        <button type="button" className="danger" onClick={onDelete} aria-label={`Delete ${video.name}`}>
          Delete
        </button>
      </div>
    </li>
  );
}
