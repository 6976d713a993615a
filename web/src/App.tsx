// The admin panel: sign in with an API token, pick a workspace, then records, search, agents, automations,
// scores, models, fine-tuning and operations. Pages are addressed by the URL hash, so reloads and links keep
// their place. The header names the model answering the workspace's agents.
import { useEffect, useState } from 'react';
import { ApiError, get, session } from './api/client.ts';
import type { Workspace } from './api/types.ts';
import { useAnsweringModel } from './components/models.tsx';
import { ErrorNote, Loading } from './components/ui.tsx';
import { AgentsPage } from './pages/Agents.tsx';
import { AutomationsPage } from './pages/Automations.tsx';
import { FineTuningPage } from './pages/FineTuning.tsx';
import { ModelsPage } from './pages/Models.tsx';
import { OperationsPage } from './pages/Operations.tsx';
import { RecordsPage } from './pages/Records.tsx';
import { ScoresPage } from './pages/Scores.tsx';
import { SearchPage } from './pages/Search.tsx';

const PAGES = [
  { path: 'fine-tuning', title: 'Fine-tuning' },
  { path: 'records', title: 'Records' },
  { path: 'search', title: 'Search' },
  { path: 'agents', title: 'Agents' },
  { path: 'automations', title: 'Automations' },
  { path: 'scores', title: 'Scores' },
  { path: 'models', title: 'Models' },
  { path: 'operations', title: 'Operations' },
] as const;

const readHash = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);

function useHashRoute(): string[] {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const update = () => setRoute(readHash());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function App() {
  const [token, setToken] = useState(session.token);
  const [workspaces, setWorkspaces] = useState<Workspace[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [workspaceId, setWorkspaceId] = useState(localStorage.getItem('crm-ai.workspace'));
  const route = useHashRoute();
  // Bumped when the models page changes what serves, so the header names the new model.
  const [modelChanges, setModelChanges] = useState(0);

  useEffect(() => {
    if (!token) return;
    setError(null);
    get<{ data: Workspace[] }>('/api/workspaces').then(
      (result) => setWorkspaces(result.data),
      (failure) => {
        if (failure instanceof ApiError && failure.status === 401) {
          session.token = null;
          setToken(null);
        }
        setError(failure);
      },
    );
  }, [token]);

  const signIn = (value: string) => {
    session.token = value;
    setToken(value);
  };
  if (!token) return <SignIn error={error} onSignIn={signIn} />;
  if (error) return <ErrorNote error={error} />;
  if (!workspaces) return <Loading what="Signing in" />;

  const workspace = workspaces.find((w) => w.id === workspaceId) ?? workspaces[0];
  const page = PAGES.find((p) => p.path === route[0]) ?? PAGES[0];
  const signOut = () => {
    session.token = null;
    setToken(null);
    setWorkspaces(null);
  };

  return (
    <div className="shell">
      <header className="top">
        <strong className="brand">crm-ai</strong>
        <nav aria-label="Sections">
          {PAGES.map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        {workspace ? <AnsweringModel workspaceId={workspace.id} changes={modelChanges} /> : null}
        <label className="workspace-picker">
          <span className="sr-only">Workspace</span>
          <select
            aria-label="Workspace"
            value={workspace?.id ?? ''}
            onChange={(event) => {
              localStorage.setItem('crm-ai.workspace', event.target.value);
              setWorkspaceId(event.target.value);
            }}
          >
            {workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.role})
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {!workspace ? (
          <p>This token has no workspace yet. Create one with `npx crm-ai workspaces create`.</p>
        ) : page.path === 'fine-tuning' ? (
          <FineTuningPage key={workspace.id} workspace={workspace} route={route.slice(1)} />
        ) : page.path === 'records' ? (
          <RecordsPage key={workspace.id} workspace={workspace} route={route.slice(1)} />
        ) : page.path === 'models' ? (
          <ModelsPage
            key={workspace.id}
            workspace={workspace}
            onChange={() => setModelChanges((count) => count + 1)}
          />
        ) : page.path === 'search' ? (
          <SearchPage key={workspace.id} workspace={workspace} />
        ) : page.path === 'agents' ? (
          <AgentsPage key={workspace.id} workspace={workspace} route={route.slice(1)} />
        ) : page.path === 'automations' ? (
          <AutomationsPage key={workspace.id} workspace={workspace} />
        ) : page.path === 'scores' ? (
          <ScoresPage key={workspace.id} workspace={workspace} />
        ) : (
          <OperationsPage key={workspace.id} workspace={workspace} />
        )}
      </main>
    </div>
  );
}

function AnsweringModel({ workspaceId, changes }: { workspaceId: string; changes: number }) {
  const model = useAnsweringModel(workspaceId, changes);
  return (
    <a href="#/models" className="answering" title="The model answering this workspace's agents">
      model: <span data-testid="header-model">{model}</span>
    </a>
  );
}

function SignIn({ onSignIn, error }: { onSignIn: (token: string) => void; error: unknown }) {
  const [value, setValue] = useState('');
  return (
    <main className="sign-in">
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onSignIn(value.trim());
        }}
      >
        <h1>crm-ai</h1>
        <p className="muted">
          Sign in with an API token (the first start prints one; `npx crm-ai tokens create` makes more).
        </p>
        <label>
          API token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        </label>
        <button type="submit">Sign in</button>
        {error ? <ErrorNote error={error} /> : null}
      </form>
    </main>
  );
}
