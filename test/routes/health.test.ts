import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';

describe('GET /health', () => {
  it('checks the processor through the processor client', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', checks: { processor: { ok: true } }, ffmpeg_available: true });
  });
});
