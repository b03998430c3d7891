/**
 * What a request carries at each level of trust. The router a route is registered on decides which
 * one its handlers get (see router.ts), so a handler that needs a profile scope can only exist on a
 * router that verified one:
 * - public: the request id only (health, signed media, the docs);
 * - user: a verified principal (the profiles API);
 * - tenant: the principal and the verified profile scope every tenant repository needs.
 */
import type { Context } from 'hono';
import type { Bindings } from '../core/env.ts';
import type { ProfileScope } from '../db/scope.ts';

export interface Principal {
  userId: string;
  /** Profile ids the token restricts the caller to (`profiles` claim), if any. */
  allowedProfileIds: readonly string[] | null;
}

export interface PublicVariables {
  requestId: string;
}

export interface UserVariables extends PublicVariables {
  principal: Principal;
}

export interface TenantVariables extends UserVariables {
  scope: ProfileScope;
}

export interface PublicEnv {
  Bindings: Bindings;
  Variables: PublicVariables;
}

export interface UserEnv {
  Bindings: Bindings;
  Variables: UserVariables;
}

export interface TenantEnv {
  Bindings: Bindings;
  Variables: TenantVariables;
}

export type PublicContext = Context<PublicEnv>;
export type UserContext = Context<UserEnv>;
export type TenantContext = Context<TenantEnv>;
