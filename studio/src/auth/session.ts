/**
 * The signed-in user: a token handed over in the URL fragment (`#access_token=<jwt>`, as an identity
 * provider's redirect would do) or by the dev sign-in, kept for the browser session
 * (sessionStorage) and removed from the address bar at once. Fragments never reach a server, and
 * the token never goes into a URL the studio requests.
 */
import { credentials } from '../api/http.ts';

const TOKEN_KEY = 'cutroom.token';

export interface Session {
  token: string;
  userId: string;
  /** Seconds since the epoch. */
  expiresAt: number | null;
}

function decodeClaims(token: string): { sub?: unknown; exp?: unknown } | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as { sub?: unknown; exp?: unknown };
  } catch {
    return null;
  }
}

/** The session a token opens, or null if it is not a JWT with a subject or has expired. */
export function sessionOf(token: string): Session | null {
  const claims = decodeClaims(token);
  if (!claims || typeof claims.sub !== 'string') return null;
  const expiresAt = typeof claims.exp === 'number' ? claims.exp : null;
  if (expiresAt !== null && expiresAt * 1000 <= Date.now()) return null;
  return { token, userId: claims.sub, expiresAt };
}

/** Takes `access_token` out of the fragment (keeping any other fragment parameters). */
function takeFragmentToken(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('access_token');
  if (!token) return null;
  params.delete('access_token');
  params.delete('token_type');
  params.delete('expires_in');
  const rest = params.toString();
  const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`;
  window.history.replaceState(window.history.state, '', url);
  return token;
}

export function startSession(token: string): Session | null {
  const session = sessionOf(token);
  if (!session) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  credentials.token = token;
  return session;
}

/** The session at page load: a token in the fragment wins over the one kept for this tab. */
export function restoreSession(): Session | null {
  const handedOver = takeFragmentToken();
  if (handedOver) {
    const session = startSession(handedOver);
    if (session) return session;
  }
  const kept = sessionStorage.getItem(TOKEN_KEY);
  const session = kept ? sessionOf(kept) : null;
  if (session) credentials.token = session.token;
  else sessionStorage.removeItem(TOKEN_KEY);
  return session;
}

export function endSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  credentials.token = null;
  credentials.profileId = null;
}
