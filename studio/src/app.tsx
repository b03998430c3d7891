import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { onUnauthorized } from './api/http.ts';
import { type Session, endSession, restoreSession, startSession } from './auth/session.ts';
import { ProfileProvider, useProfiles } from './profiles/profile-context.tsx';
import { JobsScreen } from './screens/jobs.tsx';
import { LibraryScreen } from './screens/library.tsx';
import { ProfilesScreen } from './screens/profiles.tsx';
import { ProjectScreen } from './screens/project.tsx';
import { ProjectsScreen } from './screens/projects.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import { VideosScreen } from './screens/videos.tsx';

// Screens with heavier libraries (wavesurfer, uPlot) or used less often load when first opened.
const EditorScreen = lazy(() => import('./screens/editor.tsx').then((m) => ({ default: m.EditorScreen })));
const ClipScreen = lazy(() => import('./screens/clip.tsx').then((m) => ({ default: m.ClipScreen })));
const PublishScreen = lazy(() => import('./screens/publish.tsx').then((m) => ({ default: m.PublishScreen })));
const CostsScreen = lazy(() => import('./screens/costs.tsx').then((m) => ({ default: m.CostsScreen })));

const NAV = [
  { href: '/videos', label: 'Videos' },
  { href: '/library', label: 'Library' },
  { href: '/projects', label: 'Projects' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/costs', label: 'Costs' },
];

function ProfileSwitcher() {
  const { profiles, active, setActive } = useProfiles();
  return (
    <div className="profile-switcher">
      <label htmlFor="profile-select">Profile</label>
      <select id="profile-select" value={active.id} onChange={(e) => setActive(e.target.value)}>
        {profiles.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.is_default ? ' (default)' : ''}
          </option>
        ))}
      </select>
      <Link href="/profiles">Manage profiles</Link>
    </div>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [location] = useLocation();
  const { active } = useProfiles();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Cutroom</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={location === item.href || location.startsWith(`${item.href}/`) ? 'page' : undefined}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <ProfileSwitcher />
        <span className="user" title="Signed in as">
          {session.userId}
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {/* Remounting on a profile switch drops every screen's local state of the previous brand. */}
      <main id="main" key={active.id}>
        <Suspense fallback={<p>Loading…</p>}>
          <Switch>
            <Route path="/">
              <Redirect to="/videos" />
            </Route>
            <Route path="/videos" component={VideosScreen} />
            <Route path="/videos/:id">{(params) => <EditorScreen videoId={params.id} />}</Route>
            <Route path="/library" component={LibraryScreen} />
            <Route path="/projects" component={ProjectsScreen} />
            <Route path="/projects/:id">{(params) => <ProjectScreen projectId={params.id} />}</Route>
            <Route path="/clips/:id">{(params) => <ClipScreen clipId={params.id} />}</Route>
            <Route path="/publish" component={PublishScreen} />
            <Route path="/jobs" component={JobsScreen} />
            <Route path="/costs" component={CostsScreen} />
            <Route path="/profiles" component={ProfilesScreen} />
            <Route>
              <h1>Not found</h1>
              <p>
                There is no page here. <Link href="/videos">Go to your videos</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}

export function App() {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | null>(() => restoreSession());

  const signOut = () => {
    endSession();
    queryClient.clear();
    setSession(null);
  };

  // A 401 anywhere means the token is no longer good: back to sign-in.
  useEffect(() => onUnauthorized(signOut));

  // Sign out when the token expires.
  useEffect(() => {
    if (!session?.expiresAt) return;
    const timer = setTimeout(signOut, Math.max(0, session.expiresAt * 1000 - Date.now()));
    return () => clearTimeout(timer);
  });

  if (!session) return <SignInScreen onSignIn={(token) => setSession(startSession(token))} />;
  return (
    <ProfileProvider userId={session.userId}>
      <Shell session={session} onSignOut={signOut} />
    </ProfileProvider>
  );
}
