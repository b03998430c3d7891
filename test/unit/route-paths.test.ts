import { describe, expect, it } from 'vitest';
import { idParam, idKindsOf, routingPath, withoutGrammars } from '../../src/http/route-paths.ts';

describe('routing paths', () => {
  it('routes each id parameter on its kind prefix and documents it as {name}', () => {
    const path = routingPath('/clips/{clip_id}/content/copy-from/{source_clip_id}', {
      clip_id: 'clip',
      source_clip_id: 'clip',
    });
    expect(path).toBe('/clips/:clip_id{clp_[^/]+}/content/copy-from/:source_clip_id{clp_[^/]+}');
    expect(idKindsOf(idParam('id', 'segment').extend(idParam('project_id', 'project').shape))).toEqual({
      id: 'segment',
      project_id: 'project',
    });
  });

  it('refuses a parameter without an id kind', () => {
    expect(() => routingPath('/media/{token}', {} as never)).toThrow(/has no id kind/);
  });

  it('gives back the route as written, so Idempotency-Key fingerprints stay what they were', () => {
    expect(withoutGrammars(`/api/v1${routingPath('/segments/{id}/extract', { id: 'segment' })}`)).toBe(
      '/api/v1/segments/:id/extract',
    );
    expect(withoutGrammars('/api/v1/jobs')).toBe('/api/v1/jobs');
  });
});
