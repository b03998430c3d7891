/**
 * A router for profile-scoped resources. The app applies authentication and profile resolution to
 * every `/api/v1/*` route except `/api/v1/profiles` (see app.ts), so handlers here always have a
 * verified `scope`.
 */
import { createRouter } from './router.ts';

export const createTenantRouter = createRouter;
