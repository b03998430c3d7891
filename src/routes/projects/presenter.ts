/** The API shape of a project, with the signed thumbnail of its first clip. */
import { z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import { coverClips } from '../../db/repos/clips.ts';
import type { ProjectListing, ProjectRow } from '../../db/repos/projects.ts';
import { projectStatuses } from '../../db/schema.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';

export const ProjectResponse = z
  .object({
    id: z.string().openapi({ example: 'prj_01jd2v4m8r0000000000000000' }),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(projectStatuses),
    target_duration: z.number().int(),
    context_text: z.string().nullable(),
    source_video_id: z.string().nullable(),
    variants_count: z.number().int(),
    selected_count: z.number().int(),
    exported_count: z.number().int(),
    progress: z.number().int().min(0).max(100),
    progress_step: z.string().nullable(),
    generation_job_id: z.string().nullable(),
    thumbnail_url: z.string().nullable().openapi({ description: "Signed URL of the first clip's thumbnail" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Project');

export function toProjectResponse(p: ProjectRow, thumbnailUrl: string | null = null): z.infer<typeof ProjectResponse> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    status: p.status,
    target_duration: p.targetDuration,
    context_text: p.contextText,
    source_video_id: p.sourceVideoId,
    variants_count: p.variantsCount,
    selected_count: p.selectedCount,
    exported_count: p.exportedCount,
    progress: p.progress,
    progress_step: p.progressStep,
    generation_job_id: p.generationJobId,
    thumbnail_url: thumbnailUrl,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/**
 * Projects with their cover thumbnails. Rows read as listings (repos/projects.ts) carry their cover
 * clip already; for the others, one query for the whole list finds them.
 */
export async function toProjectResponses(env: Bindings, scope: ProfileScope, rows: (ProjectRow | ProjectListing)[]) {
  const listed = rows.every((r) => 'coverClipId' in r);
  const covers = listed
    ? new Map(rows.flatMap((r) => ('coverClipId' in r && r.coverClipId ? [[r.id, r.coverClipId] as const] : [])))
    : await coverClips(
        scope,
        rows.map((r) => r.id),
      );
  return Promise.all(
    rows.map(async (p) => {
      const clipId = covers.get(p.id);
      const url = clipId
        ? (
            await signedMediaUrl(
              env,
              scope,
              { kind: 'clip_thumbnail', id: clipId },
              { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS },
            )
          ).url
        : null;
      return toProjectResponse(p, url);
    }),
  );
}
