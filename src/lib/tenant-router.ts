/** A router for profile-scoped resources: every route below it has a verified `scope`. */
import { requireProfile, requireUser } from '../auth/middleware.ts';
import { createRouter } from './router.ts';

export function createTenantRouter() {
  const app = createRouter();
  app.use('*', requireUser, requireProfile);
  return app;
}
