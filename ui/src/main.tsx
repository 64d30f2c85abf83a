// The app shell: top navigation, the unreachable-agent banner, and the page for the current path.
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import './styles.css';
import { useLive, useUnreachable } from './api';
import { DialogHost, ToastHost } from './components';
import { href, interceptLinks, navigate, useLocation } from './router';
import { ServicesPage } from './pages/services';
import { ServicePage } from './pages/service';
import { NodesPage } from './pages/nodes';
import { NodePage } from './pages/node';
import { KvPage } from './pages/kv';
import { OverviewPage } from './pages/overview';
import { SettingsPage } from './pages/settings';

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['services', 'Services'],
  ['nodes', 'Nodes'],
  ['kv', 'Key/Value'],
  ['settings', 'Settings'],
];

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function Page({ path }: { path: string }) {
  const [section = '', ...rest] = path.split('/');
  const name = decode(rest.join('/'));
  switch (section) {
    case 'services':
      return name ? <ServicePage name={name} /> : <ServicesPage />;
    case 'nodes':
      return name ? <NodePage name={name} /> : <NodesPage />;
    case 'kv':
      // Keys keep their slashes: "kv/a/b/" is the folder a/b/, "kv/a/b" the key a/b.
      return <KvPage path={rest.map(decode).join('/')} />;
    case 'overview':
      return <OverviewPage />;
    case 'settings':
      return <SettingsPage />;
    default:
      return (
        <div class="empty">
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{path}</code>. <a href={href('services')}>Go to services</a>.
          </p>
        </div>
      );
  }
}

interface AgentSelf {
  Config: { Datacenter: string; NodeName: string; Version: string };
}

function App() {
  const loc = useLocation();
  const unreachable = useUnreachable();
  const self = useLive<AgentSelf>('/v1/agent/self', 30_000);
  useEffect(() => {
    if (loc.path === '') navigate('services', true);
  }, [loc.path]);
  const section = loc.path.split('/')[0];
  useEffect(() => {
    const label = NAV.find(([id]) => id === section)?.[1];
    document.title = label ? `${label} · Conclave` : 'Conclave';
  }, [section]);
  const cfg = self.data?.Config;
  return (
    <>
      <header class="topbar">
        <a class="brand" href={href('services')}>
          <svg viewBox="0 0 32 32" aria-hidden="true"><circle cx="16" cy="16" r="14" /><circle cx="16" cy="16" r="5" class="hole" /><circle cx="16" cy="6.5" r="2.5" class="hole" /><circle cx="24.2" cy="20.8" r="2.5" class="hole" /><circle cx="7.8" cy="20.8" r="2.5" class="hole" /></svg>
          Conclave
        </a>
        <nav class="nav">
          {NAV.map(([id, label]) => (
            <a key={id} href={href(id)} class={section === id ? 'active' : ''} aria-current={section === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {cfg && (
          <span class="dc" title={`Agent ${cfg.NodeName}, version ${cfg.Version}`}>
            {cfg.Datacenter}
          </span>
        )}
      </header>
      {unreachable && (
        <div class="banner" role="alert">
          <strong>Agent unreachable.</strong> {unreachable} Retrying; the page updates by itself when it is back.
        </div>
      )}
      <main class="content">
        <Page path={loc.path} />
      </main>
      <DialogHost />
      <ToastHost />
    </>
  );
}

interceptLinks();
render(<App />, document.getElementById('app')!);
