/**
 * Signed out. A deployment sends users here from its identity provider with `#access_token=…`; a
 * token can also be pasted. Local development adds the dev sign-in (a user id is enough) when the
 * API says it is on.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { devSignIn } from '../api/endpoints.ts';
import { sessionOf } from '../auth/session.ts';
import { ErrorText } from '../components/feedback.tsx';

export function SignInScreen({ onSignIn }: { onSignIn: (token: string) => void }) {
  const dev = useQuery({ queryKey: ['dev-sign-in'], queryFn: devSignIn.available, retry: false });
  const [userId, setUserId] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);

  const signInAsDev = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      onSignIn((await devSignIn.signIn(userId.trim())).access_token);
    } catch (err) {
      setError(err);
    }
  };

  const submitToken = (e: FormEvent) => {
    e.preventDefault();
    if (!sessionOf(token.trim())) {
      setError(new Error('That is not a valid, unexpired token.'));
      return;
    }
    onSignIn(token.trim());
  };

  return (
    <main id="main" className="sign-in">
      <h1>Cutroom studio</h1>
      <p>Sign in through your organisation's sign-in page, which brings you back here signed in.</p>
      {dev.data?.enabled ? (
        <form onSubmit={signInAsDev} className="card">
          <h2>Dev sign-in</h2>
          <p className="hint">Local development only: any user id signs in as that user.</p>
          <label htmlFor="dev-user">User id</label>
          <input
            id="dev-user"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            required
            pattern="[A-Za-z0-9._@\-]{1,64}"
            autoComplete="username"
          />
          <button type="submit">Sign in</button>
        </form>
      ) : null}
      <form onSubmit={submitToken} className="card">
        <h2>Use a token</h2>
        <label htmlFor="token">Access token</label>
        <textarea id="token" rows={3} value={token} onChange={(e) => setToken(e.target.value)} required />
        <button type="submit">Sign in with token</button>
      </form>
      <ErrorText error={error} />
    </main>
  );
}
