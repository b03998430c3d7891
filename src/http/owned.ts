/**
 * "Load by id in this scope, or 404": the one place routes turn an id from a request into a row of
 * the active profile (or, for profiles, of the caller). An id of another profile answers exactly
 * like an unknown one, so its existence is never confirmed.
 */
import { ApiError, notFound } from '../core/errors.ts';
import type { Database } from '../db/client.ts';
import { type ClipRow, getClip, ownedClipIds } from '../db/repos/clips.ts';
import { type JobRow, getJob } from '../db/repos/jobs.ts';
import { type ProfileRow, findProfileForUser } from '../db/repos/profiles.ts';
import { type ProjectListing, type ProjectRow, getProject, getProjectListing } from '../db/repos/projects.ts';
import { type SegmentView, getSegmentView } from '../db/repos/segments.ts';
import { type SourceVideoSummary, getSourceVideoSummary } from '../db/repos/source-videos.ts';
import {
  type DeliveryWithEvent,
  type WebhookEndpointRow,
  getDeliveryWithEvent,
  getEndpoint,
} from '../db/repos/webhooks.ts';
import type { ProfileScope } from '../db/scope.ts';

export async function ownedJob(scope: ProfileScope, id: string): Promise<JobRow> {
  const job = await getJob(scope, id);
  if (!job) throw notFound('Job');
  return job;
}

export async function ownedProject(scope: ProfileScope, id: string): Promise<ProjectRow> {
  const project = await getProject(scope, id);
  if (!project) throw notFound('Project');
  return project;
}

/** `ownedProject` with its cover clip (for presenting it), in the same query. */
export async function ownedProjectListing(scope: ProfileScope, id: string): Promise<ProjectListing> {
  const project = await getProjectListing(scope, id);
  if (!project) throw notFound('Project');
  return project;
}

export async function ownedSourceVideo(scope: ProfileScope, id: string): Promise<SourceVideoSummary> {
  const row = await getSourceVideoSummary(scope, id);
  if (!row) throw notFound('Source video');
  return row;
}

export async function ownedSegment(scope: ProfileScope, id: string): Promise<SegmentView> {
  const view = await getSegmentView(scope, id);
  if (!view) throw notFound('Segment');
  return view;
}

export async function ownedClip(
  scope: ProfileScope,
  id: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<ClipRow> {
  const clip = await getClip(scope, id, opts);
  if (!clip) throw notFound('Clip');
  return clip;
}

/** All ids must be clips of this profile; otherwise 404 naming the unknown ones, nothing changed. */
export async function requireOwnedClips(
  scope: ProfileScope,
  ids: string[],
  opts: { includeDeleted?: boolean } = {},
): Promise<void> {
  const found = await ownedClipIds(scope, ids, opts);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length)
    throw new ApiError(404, 'not_found', `Clip not found: ${missing.join(', ')}`, { details: { missing } });
}

/** A profile of this user: 404 when unknown, 403 when it belongs to someone else. */
export async function ownedProfile(db: Database, userId: string, id: string): Promise<ProfileRow> {
  const lookup = await findProfileForUser(db, userId, id);
  if (lookup.found) return lookup.profile;
  throw lookup.reason === 'missing'
    ? new ApiError(404, 'not_found', 'Profile not found')
    : new ApiError(403, 'forbidden', 'Access denied to this profile');
}

export async function ownedWebhookEndpoint(scope: ProfileScope, id: string): Promise<WebhookEndpointRow> {
  const row = await getEndpoint(scope, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

/** A delivery of one of the profile's endpoints, named under that endpoint. */
export async function ownedWebhookDelivery(
  scope: ProfileScope,
  endpointId: string,
  id: string,
): Promise<DeliveryWithEvent> {
  const row = await getDeliveryWithEvent(scope, endpointId, id);
  if (!row) throw notFound('Webhook delivery');
  return row;
}
