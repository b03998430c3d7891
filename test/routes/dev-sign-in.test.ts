import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';

const DEV = { DEV_SIGN_IN: '1', PUBLIC_URL: 'http://127.0.0.1:8787' };

describe('dev sign-in (local development only)', () => {
  it('does not exist without the dev-only setting', async () => {
    expect((await call('/dev/sign-in')).status).toBe(404);
    const res = await call('/dev/sign-in', { json: { user_id: 'alice' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('does not exist when the Worker is not on a loopback URL, even with the setting on', async () => {
    const env = { ...DEV, PUBLIC_URL: 'https://studio.example.com' };
    expect((await call('/dev/sign-in', { env })).status).toBe(404);
    expect((await call('/dev/sign-in', { json: { user_id: 'alice' }, env })).status).toBe(404);
  });

  it('with the setting on, mints a token the API accepts for that user', async () => {
    expect((await call('/dev/sign-in', { env: DEV })).body).toEqual({ enabled: true });
    const res = await call('/dev/sign-in', { json: { user_id: 'dev-alice' }, env: DEV });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', user_id: 'dev-alice', expires_in: 43200 });
    const profiles = await call('/api/v1/profiles', { token: res.body.access_token });
    expect(profiles.status).toBe(200);
    expect(profiles.body).toHaveLength(1);
    const again = await call('/dev/sign-in', { json: { user_id: 'dev-alice' }, env: DEV });
    const same = await call('/api/v1/profiles', { token: again.body.access_token });
    expect(same.body[0].id).toBe(profiles.body[0].id);
  });

  it('refuses a malformed user id with a validation error', async () => {
    const res = await call('/dev/sign-in', { json: { user_id: 'a b/c' }, env: DEV });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0].path).toBe('user_id');
  });
});
