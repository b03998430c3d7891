/**
 * The studio's one way to call the API: the user's token as a Bearer header, the active profile as
 * X-Profile-Id, JSON in and out, and the API's error shape turned into `ApiError`. A 401 signs the
 * user out (the token expired or was revoked). Exactly what any other client of the public API does.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; request_id?: string; details?: unknown };
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Credentials {
  token: string | null;
  profileId: string | null;
}

type Listener = () => void;

/** Who calls: set by the session and the profile switcher, read by every request. */
export const credentials: Credentials = { token: null, profileId: null };
const unauthorizedListeners = new Set<Listener>();

export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  json?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Leave out X-Profile-Id (user-level routes such as /profiles). */
  withoutProfile?: boolean;
  /** Act in this profile rather than the active one (work that outlives a profile switch). */
  profileId?: string;
  headers?: Record<string, string>;
  /** A raw body (a file upload), sent with its own Content-Type. */
  body?: Blob;
}

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${path}${qs ? `?${qs}` : ''}`;
}

/** The headers every API request carries. */
export function authHeaders(options: { withoutProfile?: boolean; profileId?: string } = {}): Headers {
  const headers = new Headers();
  if (credentials.token) headers.set('Authorization', `Bearer ${credentials.token}`);
  const profileId = options.profileId ?? credentials.profileId;
  if (profileId && !options.withoutProfile) headers.set('X-Profile-Id', profileId);
  return headers;
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null;
  try {
    body = (await res.json()) as Partial<ApiErrorBody>;
  } catch {
    // not JSON (a proxy or a network error page)
  }
  const err = body?.error;
  if (res.status === 401) for (const listener of unauthorizedListeners) listener();
  return new ApiError(
    res.status,
    err?.code ?? 'http_error',
    err?.message ?? `${res.status} ${res.statusText}`,
    err?.request_id ?? res.headers.get('X-Request-Id') ?? undefined,
    err?.details,
  );
}

/** A raw API response (for streams and headers); throws `ApiError` unless 2xx. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers = authHeaders(options);
  for (const [k, v] of Object.entries(options.headers ?? {})) headers.set(k, v);
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  const res = await fetch(apiUrl(path, options.query), {
    method: options.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    body,
    signal: options.signal,
  });
  if (!res.ok) throw await errorFrom(res);
  return res;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(path, options);
  return (await res.json()) as T;
}

/** A page of a list that the API returns as a bare array, with its cursor in X-Next-Cursor. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function apiPage<T>(path: string, options: RequestOptions = {}): Promise<Page<T>> {
  const res = await apiFetch(path, options);
  return { items: (await res.json()) as T[], nextCursor: res.headers.get('X-Next-Cursor') };
}
