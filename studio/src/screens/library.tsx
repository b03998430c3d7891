/** The segment library: every segment of the profile with the API's filters, cursor paging and previews. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { type SegmentFilters, segments, videos } from '../api/endpoints.ts';
import { ErrorText, formatSeconds } from '../components/feedback.tsx';
import { SegmentPreview } from '../components/segment-preview.tsx';
import { Field, LoadMore } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

export function LibraryScreen() {
  const profileId = useProfileId();
  const [draft, setDraft] = useState({
    search: '',
    keyword: '',
    tag: '',
    video: '',
    favorites: false,
    min: '',
    max: '',
  });
  const [filters, setFilters] = useState<SegmentFilters>({});
  const sources = useQuery({ queryKey: [profileId, 'videos', 'all'], queryFn: () => videos.list() });
  const list = useInfiniteQuery({
    queryKey: [profileId, 'segments', filters],
    queryFn: ({ pageParam }) => segments.list(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const streamOf = new Map((sources.data?.items ?? []).map((v) => [v.id, v.stream_url]));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters({
      search: draft.search.trim() || undefined,
      keyword: draft.keyword.trim() || undefined,
      tag: draft.tag.trim() || undefined,
      source_video_id: draft.video || undefined,
      favorites_only: draft.favorites || undefined,
      min_duration: draft.min ? Number(draft.min) : undefined,
      max_duration: draft.max ? Number(draft.max) : undefined,
    });
  };
  const all = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1>Library</h1>
      <form className="filters card" onSubmit={apply} aria-label="Filter segments">
        <Field
          label="Search"
          type="search"
          value={draft.search}
          onChange={(e) => setDraft({ ...draft, search: e.target.value })}
        />
        <Field
          label="Keyword"
          value={draft.keyword}
          onChange={(e) => setDraft({ ...draft, keyword: e.target.value })}
        />
        <Field label="Tag" value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} />
        <div>
          <label htmlFor="lib-video">Video</label>
          <select id="lib-video" value={draft.video} onChange={(e) => setDraft({ ...draft, video: e.target.value })}>
            <option value="">All videos</option>
            {(sources.data?.items ?? []).map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Min duration (s)"
          type="number"
          min={0}
          step="any"
          value={draft.min}
          onChange={(e) => setDraft({ ...draft, min: e.target.value })}
        />
        <Field
          label="Max duration (s)"
          type="number"
          min={0}
          step="any"
          value={draft.max}
          onChange={(e) => setDraft({ ...draft, max: e.target.value })}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.favorites}
            onChange={(e) => setDraft({ ...draft, favorites: e.target.checked })}
          />{' '}
          Favourites only
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <ErrorText error={list.error} />
      {list.isSuccess && all.length === 0 ? <p>No segments match.</p> : null}
      <ul className="grid" aria-label="Segments">
        {all.map((s) => (
          <li key={s.id} className="card segment-card">
            <SegmentPreview segment={s} sourceStreamUrl={streamOf.get(s.source_video_id)} />
            <h3>
              <Link href={`/videos/${s.source_video_id}`}>{s.source_video_name}</Link>
            </h3>
            <p className="meta">
              {formatSeconds(s.start_time)}–{formatSeconds(s.end_time)} · {s.duration.toFixed(1)} s
              {s.is_favorite ? ' · ★ favourite' : ''}
            </p>
            {s.keywords.length ? <p className="keywords">{s.keywords.join(', ')}</p> : null}
            {s.tags.length ? <p className="keywords">{s.tags.map((t) => `#${t}`).join(' ')}</p> : null}
            {s.notes ? <p className="notes">{s.notes}</p> : null}
          </li>
        ))}
      </ul>
      <LoadMore list={list} />
    </>
  );
}
