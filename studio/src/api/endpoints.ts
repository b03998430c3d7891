/** Every API call the studio makes, one function each (paths and fields as in /openapi.json). */
import { ApiError, type Page, type Query, api, apiFetch, apiPage } from './http.ts';
import type {
  BrandKit,
  BrandKitSettings,
  Clip,
  ClipContent,
  CostEntry,
  CostSummary,
  ExportPreset,
  GenerateFromSegments,
  ImportCreated,
  Job,
  JobStatus,
  PostizConnectionStatus,
  PostizIntegration,
  Profile,
  RetentionPreview,
  Project,
  Publication,
  PublishResponse,
  Segment,
  SegmentInput,
  SourceVideo,
  Storyboard,
  SubtitleSettings,
  TranscribeQueued,
  TranscribeRequest,
  Transcript,
  TranscriptListItem,
  TranscriptWord,
  UploadCreated,
  UploadParts,
  UploadStatus,
  GeminiStatus,
  Usage,
  VoiceDetection,
  Waveform,
} from './types.ts';

const V1 = '/api/v1';
const VIDEOS = `${V1}/segments/source-videos`;
const LIBRARY = `${V1}/library`;

export const devSignIn = {
  available: () => api<{ enabled: boolean }>('/dev/sign-in', { withoutProfile: true }),
  signIn: (userId: string) =>
    api<{ access_token: string }>('/dev/sign-in', { json: { user_id: userId }, withoutProfile: true }),
};

export const profiles = {
  list: () => api<Profile[]>(`${V1}/profiles`, { withoutProfile: true }),
  create: (name: string) => api<Profile>(`${V1}/profiles`, { json: { name }, withoutProfile: true }),
  update: (
    id: string,
    fields: Partial<
      Pick<
        Profile,
        | 'name'
        | 'description'
        | 'monthly_budget_usd'
        | 'source_retention_days'
        | 'output_retention_days'
        | 'trash_retention_days'
      >
    >,
  ) => api<Profile>(`${V1}/profiles/${id}`, { method: 'PATCH', json: fields, withoutProfile: true }),
  remove: (id: string) => api<unknown>(`${V1}/profiles/${id}`, { method: 'DELETE', withoutProfile: true }),
  setDefault: (id: string) =>
    api<Profile>(`${V1}/profiles/${id}/set-default`, { method: 'POST', withoutProfile: true }),
  retentionPreview: (id: string) =>
    api<RetentionPreview>(`${V1}/profiles/${id}/retention/preview`, { withoutProfile: true }),
  /** The brand kit, or null when the profile has none. */
  brandKit: async (id: string) => {
    try {
      return await api<BrandKit>(`${V1}/profiles/${id}/brand-kit`, { withoutProfile: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
  saveBrandKit: (id: string, settings: BrandKitSettings) =>
    api<BrandKit>(`${V1}/profiles/${id}/brand-kit`, { method: 'PUT', json: settings, withoutProfile: true }),
  /** A PNG or an SVG (by the file's type, or its .svg name when the browser gives none). */
  uploadBrandLogo: (id: string, file: Blob & { name?: string }) =>
    api<BrandKit>(`${V1}/profiles/${id}/brand-kit/logo`, {
      method: 'PUT',
      body: file,
      headers: {
        'Content-Type':
          file.type === 'image/svg+xml' || file.name?.toLowerCase().endsWith('.svg') ? 'image/svg+xml' : 'image/png',
      },
      withoutProfile: true,
    }),
  removeBrandLogo: (id: string) =>
    api<BrandKit>(`${V1}/profiles/${id}/brand-kit/logo`, { method: 'DELETE', withoutProfile: true }),
};

export const videos = {
  list: (cursor?: string, tag?: string) => apiPage<SourceVideo>(VIDEOS, { query: { cursor, limit: 48, tag } }),
  get: (id: string) => api<SourceVideo>(`${VIDEOS}/${id}`),
  setTags: (id: string, tags: string[]) => api<SourceVideo>(`${VIDEOS}/${id}`, { method: 'PATCH', json: { tags } }),
  /** Fetched by the service from a public https URL (a job), then probed as an upload. */
  importUrl: (body: { url: string; name: string }) => api<ImportCreated>(`${VIDEOS}/imports`, { json: body }),
  remove: (id: string) => api<unknown>(`${VIDEOS}/${id}`, { method: 'DELETE' }),
  waveform: (id: string, bins: number) => api<Waveform>(`${VIDEOS}/${id}/waveform`, { query: { bins } }),
  voice: (id: string) => api<VoiceDetection>(`${VIDEOS}/${id}/voice`),
  /** Made on the first call (the sprite), stored afterwards. */
  storyboard: (id: string) => api<Storyboard>(`${VIDEOS}/${id}/storyboard`),
  segments: (id: string) => api<Segment[]>(`${VIDEOS}/${id}/segments`),
  createSegment: (id: string, body: SegmentInput) => api<Segment>(`${VIDEOS}/${id}/segments`, { json: body }),
  transcribe: (id: string, body: TranscribeRequest) =>
    api<TranscribeQueued>(`${VIDEOS}/${id}/transcribe`, { json: body }),
};

/** Upload calls name their profile: an upload goes on if the user switches profiles meanwhile. */
export const uploads = {
  start: (
    profileId: string,
    body: { name: string; size_bytes: number; content_type: string; filename: string; multipart: boolean },
  ) => api<UploadCreated>(`${VIDEOS}/uploads`, { json: body, profileId }),
  status: (profileId: string, id: string) => api<UploadStatus>(`${VIDEOS}/${id}/upload`, { profileId }),
  parts: (profileId: string, id: string, from: number) =>
    api<UploadParts>(`${VIDEOS}/${id}/upload/parts`, { query: { from, limit: 100, missing: true }, profileId }),
  complete: (profileId: string, id: string) =>
    api<{ job_id?: string }>(`${VIDEOS}/${id}/complete`, { method: 'POST', profileId }),
  abort: (profileId: string, id: string) => api<unknown>(`${VIDEOS}/${id}/abort`, { method: 'POST', profileId }),
};

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
  list: (filters: SegmentFilters, cursor?: string, limit = 30): Promise<Page<Segment>> =>
    apiPage<Segment>(`${V1}/segments`, {
      query: { ...(filters as Query), favorites_only: filters.favorites_only || undefined, cursor, limit },
    }),
  update: (id: string, body: Partial<SegmentInput>) =>
    api<Segment>(`${V1}/segments/${id}`, { method: 'PATCH', json: body }),
  remove: (id: string) => api<unknown>(`${V1}/segments/${id}`, { method: 'DELETE' }),
  toggleFavorite: (id: string) => api<unknown>(`${V1}/segments/${id}/favorite`, { method: 'POST' }),
  ofProject: (projectId: string) => api<Segment[]>(`${V1}/segments/projects/${projectId}/segments`),
  assign: (projectId: string, segmentIds: string[]) =>
    api<unknown>(`${V1}/segments/projects/${projectId}/assign`, { json: { segment_ids: segmentIds } }),
};

export const projects = {
  list: () =>
    api<{ projects: Project[]; next_cursor: string | null }>(`${LIBRARY}/projects`, { query: { limit: 100 } }),
  get: (id: string) => api<Project>(`${LIBRARY}/projects/${id}`),
  create: (body: { name: string; target_duration?: number }) => api<Project>(`${LIBRARY}/projects`, { json: body }),
  update: (id: string, body: { name?: string; target_duration?: number }) =>
    api<unknown>(`${LIBRARY}/projects/${id}`, { method: 'PATCH', json: body }),
  remove: (id: string) => api<unknown>(`${LIBRARY}/projects/${id}`, { method: 'DELETE' }),
  clips: (id: string, includeDeleted: boolean) =>
    api<{ clips: Clip[] }>(`${LIBRARY}/projects/${id}/clips`, { query: { include_deleted: includeDeleted } }),
  generate: (id: string, body: GenerateFromSegments) =>
    api<{ job_id: string }>(`${LIBRARY}/projects/${id}/generate-from-segments`, { json: body }),
  cancel: (id: string) => api<unknown>(`${LIBRARY}/projects/${id}/cancel`, { method: 'POST' }),
};

export const clips = {
  get: (id: string) => api<{ clip: Clip; content: ClipContent | null }>(`${LIBRARY}/clips/${id}`),
  rename: (id: string, name: string | null) =>
    api<unknown>(`${LIBRARY}/clips/${id}`, { method: 'PATCH', json: { variant_name: name } }),
  select: (id: string, selected: boolean) =>
    api<unknown>(`${LIBRARY}/clips/${id}/select`, { method: 'PATCH', query: { selected } }),
  bulkSelect: (ids: string[], selected: boolean) =>
    api<unknown>(`${LIBRARY}/clips/bulk-select`, { json: ids, query: { selected } }),
  trash: (id: string) => api<unknown>(`${LIBRARY}/clips/${id}`, { method: 'DELETE' }),
  bulkTrash: (ids: string[]) => api<unknown>(`${LIBRARY}/clips/bulk-delete`, { json: { clip_ids: ids } }),
  restore: (id: string) => api<unknown>(`${LIBRARY}/clips/${id}/restore`, { method: 'POST' }),
  removeAudio: (id: string) =>
    api<{ job_id: string | null }>(`${LIBRARY}/clips/${id}/remove-audio`, { method: 'POST' }),
  saveContent: (
    id: string,
    body: { tts_text?: string | null; srt_content?: string | null; subtitle_settings?: SubtitleSettings },
  ) => api<{ content: ClipContent }>(`${LIBRARY}/clips/${id}/content`, { method: 'PUT', json: body }),
  render: (id: string, preset: string) =>
    api<{ job_id: string }>(`${LIBRARY}/clips/${id}/render`, { json: { preset_name: preset } }),
  presets: () => api<{ presets: ExportPreset[] }>(`${LIBRARY}/export-presets`),
  transcribe: (id: string, body: TranscribeRequest) =>
    api<TranscribeQueued>(`${LIBRARY}/clips/${id}/transcribe`, { json: body }),
};

/** What a transcript belongs to: a source video or a clip. */
export type TranscriptTarget = { kind: 'source_video'; id: string } | { kind: 'clip'; id: string };

export const transcripts = {
  list: (target: TranscriptTarget, cursor?: string) =>
    api<{ transcripts: TranscriptListItem[]; next_cursor: string | null }>(`${V1}/transcripts`, {
      query: {
        [target.kind === 'clip' ? 'clip_id' : 'source_video_id']: target.id,
        cursor,
        limit: 20,
      },
    }),
  get: (id: string) => api<Transcript>(`${V1}/transcripts/${id}`),
  /** Exactly one of `words` or `srt` (the other is rebuilt by the API). */
  update: (id: string, edit: { words: TranscriptWord[] } | { srt: string }) =>
    api<Transcript>(`${V1}/transcripts/${id}`, { method: 'PATCH', json: edit }),
  remove: (id: string) => api<unknown>(`${V1}/transcripts/${id}`, { method: 'DELETE' }),
  /** The SRT file as the API serves it (the route needs the token, so it is fetched, not linked). */
  srtFile: async (id: string) => (await apiFetch(`${V1}/transcripts/${id}/srt`)).blob(),
  transcribe: (target: TranscriptTarget, body: TranscribeRequest) =>
    target.kind === 'clip' ? clips.transcribe(target.id, body) : videos.transcribe(target.id, body),
};

export const gemini = {
  status: () => api<GeminiStatus>(`${V1}/gemini/status`),
};

export const postiz = {
  status: () => api<PostizConnectionStatus>(`${V1}/postiz/status`),
  integrations: () => api<PostizIntegration[]>(`${V1}/postiz/integrations`),
  publish: (body: {
    clip_id: string;
    caption: string;
    integration_ids: string[];
    schedule_date?: string;
    draft?: boolean;
  }) => api<PublishResponse>(`${V1}/postiz/publish`, { json: body }),
  bulkPublish: (body: {
    clip_ids: string[];
    caption: string;
    integration_ids: string[];
    schedule_date?: string;
    schedule_interval_minutes?: number;
    draft?: boolean;
  }) => api<PublishResponse>(`${V1}/postiz/bulk-publish`, { json: body }),
  publications: (clipId: string) => api<{ publications: Publication[] }>(`${V1}/postiz/clips/${clipId}/publications`),
  approve: (id: string) =>
    api<{ sent: boolean; publication: Publication }>(`${V1}/postiz/publications/${id}/approve`, { method: 'POST' }),
  withdraw: (id: string) => api<Publication>(`${V1}/postiz/publications/${id}/cancel`, { method: 'POST' }),
  findSlot: (integrationId: string) =>
    api<{ slots: { integration_id: string; platform: string; date: string }[] }>(`${V1}/postiz/find-slot`, {
      query: { integration_id: integrationId },
    }),
};

export const jobs = {
  /** A job of a given profile (the job watcher keeps the profile a job was started in). */
  getIn: (profileId: string | undefined, id: string) => api<Job>(`${V1}/jobs/${id}`, { profileId }),
  list: (status?: JobStatus, cursor?: string) =>
    api<{ jobs: Job[]; next_cursor: string | null }>(`${V1}/jobs`, { query: { status, cursor, limit: 50 } }),
  get: (id: string) => api<Job>(`${V1}/jobs/${id}`),
  cancel: (id: string) => api<Job>(`${V1}/jobs/${id}/cancel`, { method: 'POST' }),
  /**
   * The download route redirects to a short-lived signed URL (an attachment). A HEAD request follows
   * the redirect without fetching the file, and the response's URL is that signed URL: a plain link
   * the browser can download without the token.
   */
  downloadUrl: async (id: string) => (await apiFetch(`${V1}/jobs/${id}/download`, { method: 'HEAD' })).url,
};

export const costs = {
  summary: () => api<CostSummary>(`${V1}/costs`),
  entries: (cursor?: string) =>
    api<{ entries: CostEntry[]; next_cursor: string | null }>(`${V1}/costs/all`, { query: { cursor, limit: 100 } }),
  usage: () => api<Usage>(`${V1}/usage`),
};
