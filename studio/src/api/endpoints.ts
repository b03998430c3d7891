/**
 * Every API call the studio makes, one function each. Paths, parameters, bodies and results are
 * checked against the OpenAPI document (see contract.ts).
 */
import { type Body, type Path, call, callPage, pathOf } from './contract.ts';
import { ApiError, apiFetch } from './http.ts';
import type {
  BrandKitSettings,
  GenerateFromSegments,
  JobStatus,
  SegmentInput,
  TranscribeRequest,
  TranscriptWord,
} from './types.ts';

export const devSignIn = {
  available: () => call('get', '/dev/sign-in', { withoutProfile: true }),
  signIn: (userId: string) => call('post', '/dev/sign-in', { json: { user_id: userId }, withoutProfile: true }),
};

export const profiles = {
  list: () => call('get', '/api/v1/profiles', { withoutProfile: true }),
  create: (name: string) => call('post', '/api/v1/profiles', { json: { name }, withoutProfile: true }),
  update: (id: string, fields: Body<'/api/v1/profiles/{profile_id}', 'patch'>) =>
    call('patch', '/api/v1/profiles/{profile_id}', { path: { profile_id: id }, json: fields, withoutProfile: true }),
  remove: (id: string) =>
    call('delete', '/api/v1/profiles/{profile_id}', { path: { profile_id: id }, withoutProfile: true }),
  setDefault: (id: string) =>
    call('post', '/api/v1/profiles/{profile_id}/set-default', { path: { profile_id: id }, withoutProfile: true }),
  retentionPreview: (id: string) =>
    call('get', '/api/v1/profiles/{profile_id}/retention/preview', { path: { profile_id: id }, withoutProfile: true }),
  /** The brand kit, or null when the profile has none. */
  brandKit: async (id: string) => {
    try {
      return await call('get', '/api/v1/profiles/{profile_id}/brand-kit', {
        path: { profile_id: id },
        withoutProfile: true,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
  saveBrandKit: (id: string, settings: BrandKitSettings) =>
    call('put', '/api/v1/profiles/{profile_id}/brand-kit', {
      path: { profile_id: id },
      json: settings,
      withoutProfile: true,
    }),
  /** A PNG or an SVG (by the file's type, or its .svg name when the browser gives none). */
  uploadBrandLogo: (id: string, file: Blob & { name?: string }) =>
    call('put', '/api/v1/profiles/{profile_id}/brand-kit/logo', {
      path: { profile_id: id },
      body: file,
      headers: {
        'Content-Type':
          file.type === 'image/svg+xml' || file.name?.toLowerCase().endsWith('.svg') ? 'image/svg+xml' : 'image/png',
      },
      withoutProfile: true,
    }),
  removeBrandLogo: (id: string) =>
    call('delete', '/api/v1/profiles/{profile_id}/brand-kit/logo', { path: { profile_id: id }, withoutProfile: true }),
};

export const videos = {
  list: (cursor?: string, tag?: string) =>
    callPage('get', '/api/v1/segments/source-videos', { query: { cursor, limit: 48, tag } }),
  get: (id: string) => call('get', '/api/v1/segments/source-videos/{id}', { path: { id } }),
  setTags: (id: string, tags: string[]) =>
    call('patch', '/api/v1/segments/source-videos/{id}', { path: { id }, json: { tags } }),
  /** Fetched by the service from a public https URL (a job), then probed as an upload. */
  importUrl: (body: Body<'/api/v1/segments/source-videos/imports', 'post'>) =>
    call('post', '/api/v1/segments/source-videos/imports', { json: body }),
  remove: (id: string) => call('delete', '/api/v1/segments/source-videos/{id}', { path: { id } }),
  waveform: (id: string, bins: number) =>
    call('get', '/api/v1/segments/source-videos/{id}/waveform', { path: { id }, query: { bins } }),
  voice: (id: string) => call('get', '/api/v1/segments/source-videos/{id}/voice', { path: { id } }),
  /** Made on the first call (the sprite), stored afterwards. */
  storyboard: (id: string) => call('get', '/api/v1/segments/source-videos/{id}/storyboard', { path: { id } }),
  segments: (id: string) => call('get', '/api/v1/segments/source-videos/{id}/segments', { path: { id } }),
  createSegment: (id: string, body: SegmentInput) =>
    call('post', '/api/v1/segments/source-videos/{id}/segments', { path: { id }, json: body }),
  transcribe: (id: string, body: TranscribeRequest) =>
    call('post', '/api/v1/segments/source-videos/{id}/transcribe', { path: { id }, json: body }),
};

/** Upload calls name their profile: an upload goes on if the user switches profiles meanwhile. */
export const uploads = {
  start: (profileId: string, body: Body<'/api/v1/segments/source-videos/uploads', 'post'>) =>
    call('post', '/api/v1/segments/source-videos/uploads', { json: body, profileId }),
  status: (profileId: string, id: string) =>
    call('get', '/api/v1/segments/source-videos/{id}/upload', { path: { id }, profileId }),
  parts: (profileId: string, id: string, from: number) =>
    call('get', '/api/v1/segments/source-videos/{id}/upload/parts', {
      path: { id },
      query: { from, limit: 100, missing: 'true' },
      profileId,
    }),
  complete: (profileId: string, id: string) =>
    call('post', '/api/v1/segments/source-videos/{id}/complete', { path: { id }, profileId }),
  abort: (profileId: string, id: string) =>
    call('post', '/api/v1/segments/source-videos/{id}/abort', { path: { id }, profileId }),
};

/** The library's filters, as the screen keeps them (the query's `favorites_only` is a string flag). */
export interface SegmentFilters {
  keyword?: string;
  source_video_id?: string;
  favorites_only?: boolean;
  min_duration?: number;
  max_duration?: number;
  search?: string;
  tag?: string;
}

export const segments = {
  list: (filters: SegmentFilters, cursor?: string, limit = 30) =>
    callPage('get', '/api/v1/segments', {
      query: { ...filters, favorites_only: filters.favorites_only ? 'true' : undefined, cursor, limit },
    }),
  update: (id: string, body: Body<'/api/v1/segments/{id}', 'patch'>) =>
    call('patch', '/api/v1/segments/{id}', { path: { id }, json: body }),
  remove: (id: string) => call('delete', '/api/v1/segments/{id}', { path: { id } }),
  toggleFavorite: (id: string) => call('post', '/api/v1/segments/{id}/favorite', { path: { id } }),
  ofProject: (projectId: string) =>
    call('get', '/api/v1/segments/projects/{project_id}/segments', { path: { project_id: projectId } }),
  assign: (projectId: string, segmentIds: string[]) =>
    call('post', '/api/v1/segments/projects/{project_id}/assign', {
      path: { project_id: projectId },
      json: { segment_ids: segmentIds },
    }),
};

export const projects = {
  list: () => call('get', '/api/v1/library/projects', { query: { limit: 100 } }),
  get: (id: string) => call('get', '/api/v1/library/projects/{project_id}', { path: { project_id: id } }),
  create: (body: Body<'/api/v1/library/projects', 'post'>) => call('post', '/api/v1/library/projects', { json: body }),
  update: (id: string, body: Body<'/api/v1/library/projects/{project_id}', 'patch'>) =>
    call('patch', '/api/v1/library/projects/{project_id}', { path: { project_id: id }, json: body }),
  remove: (id: string) => call('delete', '/api/v1/library/projects/{project_id}', { path: { project_id: id } }),
  clips: (id: string, includeDeleted: boolean) =>
    call('get', '/api/v1/library/projects/{project_id}/clips', {
      path: { project_id: id },
      query: { include_deleted: includeDeleted ? 'true' : 'false' },
    }),
  generate: (id: string, body: GenerateFromSegments) =>
    call('post', '/api/v1/library/projects/{project_id}/generate-from-segments', {
      path: { project_id: id },
      json: body,
    }),
  cancel: (id: string) => call('post', '/api/v1/library/projects/{project_id}/cancel', { path: { project_id: id } }),
};

export const clips = {
  get: (id: string) => call('get', '/api/v1/library/clips/{clip_id}', { path: { clip_id: id } }),
  rename: (id: string, name: string | null) =>
    call('patch', '/api/v1/library/clips/{clip_id}', { path: { clip_id: id }, json: { variant_name: name } }),
  select: (id: string, selected: boolean) =>
    call('patch', '/api/v1/library/clips/{clip_id}/select', {
      path: { clip_id: id },
      query: { selected: selected ? 'true' : 'false' },
    }),
  bulkSelect: (ids: string[], selected: boolean) =>
    call('post', '/api/v1/library/clips/bulk-select', { json: ids, query: { selected: selected ? 'true' : 'false' } }),
  trash: (id: string) => call('delete', '/api/v1/library/clips/{clip_id}', { path: { clip_id: id } }),
  bulkTrash: (ids: string[]) => call('post', '/api/v1/library/clips/bulk-delete', { json: { clip_ids: ids } }),
  restore: (id: string) => call('post', '/api/v1/library/clips/{clip_id}/restore', { path: { clip_id: id } }),
  removeAudio: (id: string) => call('post', '/api/v1/library/clips/{clip_id}/remove-audio', { path: { clip_id: id } }),
  saveContent: (id: string, body: Body<'/api/v1/library/clips/{clip_id}/content', 'put'>) =>
    call('put', '/api/v1/library/clips/{clip_id}/content', { path: { clip_id: id }, json: body }),
  render: (id: string, preset: string) =>
    call('post', '/api/v1/library/clips/{clip_id}/render', { path: { clip_id: id }, json: { preset_name: preset } }),
  presets: () => call('get', '/api/v1/library/export-presets'),
  transcribe: (id: string, body: TranscribeRequest) =>
    call('post', '/api/v1/library/clips/{clip_id}/transcribe', { path: { clip_id: id }, json: body }),
};

/** What a transcript belongs to: a source video or a clip. */
export type TranscriptTarget = { kind: 'source_video'; id: string } | { kind: 'clip'; id: string };

export const transcripts = {
  list: (target: TranscriptTarget, cursor?: string) =>
    call('get', '/api/v1/transcripts', {
      query: {
        [target.kind === 'clip' ? 'clip_id' : 'source_video_id']: target.id,
        cursor,
        limit: 20,
      },
    }),
  get: (id: string) => call('get', '/api/v1/transcripts/{transcript_id}', { path: { transcript_id: id } }),
  /** Exactly one of `words` or `srt` (the other is rebuilt by the API). */
  update: (id: string, edit: { words: TranscriptWord[] } | { srt: string }) =>
    call('patch', '/api/v1/transcripts/{transcript_id}', { path: { transcript_id: id }, json: edit }),
  remove: (id: string) => call('delete', '/api/v1/transcripts/{transcript_id}', { path: { transcript_id: id } }),
  /** The SRT file as the API serves it (the route needs the token, so it is fetched, not linked). */
  srtFile: async (id: string) => (await apiFetch(`/api/v1/transcripts/${id}/srt`)).blob(),
  transcribe: (target: TranscriptTarget, body: TranscribeRequest) =>
    target.kind === 'clip' ? clips.transcribe(target.id, body) : videos.transcribe(target.id, body),
};

export const gemini = {
  status: () => call('get', '/api/v1/gemini/status'),
};

export const postiz = {
  status: () => call('get', '/api/v1/postiz/status'),
  integrations: () => call('get', '/api/v1/postiz/integrations'),
  publish: (body: Body<'/api/v1/postiz/publish', 'post'>) => call('post', '/api/v1/postiz/publish', { json: body }),
  bulkPublish: (body: Body<'/api/v1/postiz/bulk-publish', 'post'>) =>
    call('post', '/api/v1/postiz/bulk-publish', { json: body }),
  publications: (clipId: string) =>
    call('get', '/api/v1/postiz/clips/{clip_id}/publications', { path: { clip_id: clipId } }),
  approve: (id: string) =>
    call('post', '/api/v1/postiz/publications/{publication_id}/approve', { path: { publication_id: id } }),
  withdraw: (id: string) =>
    call('post', '/api/v1/postiz/publications/{publication_id}/cancel', { path: { publication_id: id } }),
  findSlot: (integrationId: string) =>
    call('get', '/api/v1/postiz/find-slot', { query: { integration_id: integrationId } }),
};

export const jobs = {
  /** A job of a given profile (the job watcher keeps the profile a job was started in). */
  getIn: (profileId: string | undefined, id: string) =>
    call('get', '/api/v1/jobs/{job_id}', { path: { job_id: id }, profileId }),
  list: (status?: JobStatus, cursor?: string) => call('get', '/api/v1/jobs', { query: { status, cursor, limit: 50 } }),
  get: (id: string) => call('get', '/api/v1/jobs/{job_id}', { path: { job_id: id } }),
  cancel: (id: string) => call('post', '/api/v1/jobs/{job_id}/cancel', { path: { job_id: id } }),
  /**
   * The download route redirects to a short-lived signed URL (an attachment). A HEAD request follows
   * the redirect without fetching the file, and the response's URL is that signed URL: a plain link
   * the browser can download without the token.
   */
  downloadUrl: async (id: string) => {
    const path = pathOf('/api/v1/jobs/{job_id}/download' satisfies Path, { job_id: id });
    return (await apiFetch(path, { method: 'HEAD' })).url;
  },
};

export const costs = {
  summary: () => call('get', '/api/v1/costs'),
  entries: (cursor?: string) => call('get', '/api/v1/costs/all', { query: { cursor, limit: 100 } }),
  usage: () => call('get', '/api/v1/usage'),
};
