/**
 * The names the screens use for the API's shapes, each an alias of the contract (`openapi.d.ts`,
 * generated from the OpenAPI document), so the studio and the API cannot drift apart.
 */
import type { Body, Ok, Schemas } from './contract.ts';

export type Job = Schemas['Job'];
export type JobStatus = Job['status'];

export type Profile = Schemas['Profile'];

/** A profile's brand kit (GET /profiles/{id}/brand-kit). */
export type BrandKit = Schemas['BrandKit'];
export type LogoPosition = BrandKit['logo_position'];
export type BrandKitSettings = Schemas['BrandKitSettings'];

/** A retention dry run (GET /profiles/{id}/retention/preview) and one of its due objects (any kind). */
export type RetentionPreview = Schemas['RetentionPreview'];
export type RetentionItem = RetentionPreview['source_videos' | 'clips' | 'jobs']['delete' | 'held'][number];

export type SourceVideo = Schemas['SourceVideo'];
export type SourceVideoStatus = SourceVideo['status'];
/** `POST …/source-videos/imports`: the import job with the video it fills. */
export type ImportCreated = Schemas['ImportCreated'];

/** The video types an upload may declare. */
export type UploadContentType = Body<'/api/v1/segments/source-videos/uploads', 'post'>['content_type'];
export type SingleUpload = Schemas['SingleUpload'];
export type MultipartUpload = Schemas['MultipartUpload'];
export type UploadCreated = Schemas['UploadCreated'];
export type UploadStatus = Schemas['UploadStatus'];
export type UploadParts = Schemas['UploadParts'];

export type Waveform = Schemas['Waveform'];
/** GET …/source-videos/{id}/storyboard: a sprite of tiles and where each tile is. */
export type Storyboard = Schemas['Storyboard'];
export type VoiceDetection = Ok<'/api/v1/segments/source-videos/{id}/voice', 'get'>;

export type Segment = Schemas['Segment'];
export type SegmentInput = Schemas['SegmentCreate'];

export type Project = Schemas['Project'];
export type ProjectStatus = Project['status'];

export type Clip = Schemas['Clip'];
export type PostizStatus = Clip['postiz_status'];
/** The schema is nullable (a clip may have none); the studio names the settings themselves. */
export type SubtitleSettings = NonNullable<Schemas['SubtitleSettings']>;
/** Nullable in the schema too (a clip without content); `clips.get` answers `content: ClipContent | null`. */
export type ClipContent = NonNullable<Schemas['ClipContent']>;
export type ExportPreset = Schemas['ExportPreset'];
export type GenerateFromSegments = Schemas['GenerateFromSegmentsRequest'];

export type PostizIntegration = Schemas['PostizIntegration'];
export type PublishResponse = Schemas['PostizPublishResponse'];
export type Publication = Schemas['Publication'];
export type PostizConnectionStatus = Schemas['PostizStatus'];

export type CostEntry = Schemas['CostEntry'];
export type CostService = CostEntry['service'];
export type CostSummary = Ok<'/api/v1/costs', 'get'>;
export type Usage = Schemas['Usage'];

/** Transcripts (GET /transcripts, GET /transcripts/{id}) and the transcribe calls. */
export type TranscriptListItem = Ok<'/api/v1/transcripts', 'get'>['transcripts'][number];
export type Transcript = Ok<'/api/v1/transcripts/{transcript_id}', 'get'>;
export type TranscriptWord = Transcript['words'][number];
export type TranscribeRequest = Body<'/api/v1/segments/source-videos/{id}/transcribe', 'post'>;
export type TranscribeQueued = Ok<'/api/v1/segments/source-videos/{id}/transcribe', 'post'>;
export type GeminiStatus = Ok<'/api/v1/gemini/status', 'get'>;
