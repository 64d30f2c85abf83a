// One node: its checks, services, sessions (which can be invalidated) and metadata, as tabs that
// are part of the URL.
import { encodePath, useLive, write } from '../api';
import { ask, attempt, Empty, ErrorNote, KeyValues, Loading, PageHeader, StatusDot, Tabs, Tags, worst } from '../components';
import { href, setQuery, useLocation } from '../router';
import { hostOf, nodeHealth, type NodeInfo } from './nodes';
import { CheckList } from './service';

interface Session {
  ID: string;
  Name: string;
  Node: string;
  Behavior: string;
  TTL: string;
  LockDelay: number;
  NodeChecks: string[] | null;
  ServiceChecks: Array<{ ID: string }> | null;
  CreateIndex: number;
}

export function NodePage({ name }: { name: string }) {
  const loc = useLocation();
  const tab = loc.query.get('tab') ?? 'checks';
  const live = useLive<NodeInfo | null>(`/v1/internal/ui/node/${encodeURIComponent(name)}`);
  const sessions = useLive<Session[] | null>(`/v1/session/node/${encodeURIComponent(name)}`);
  const leader = useLive<string>('/v1/status/leader', 5000);
  const node = live.data;
  const crumbs: Array<[string, string]> = [['Nodes', 'nodes']];
  if (node === undefined) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={name} />
        <ErrorNote message={live.error} />
        {!live.error && <Loading what="node" />}
      </>
    );
  }
  if (node === null) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={name} />
        <Empty>
          There is no node named <strong>{name}</strong>. <a href={href('nodes')}>Back to nodes</a>.
        </Empty>
      </>
    );
  }
  const isLeader = leader.data ? hostOf(leader.data) === node.Address : false;
  const list = sessions.data ?? [];
  return (
    <>
      <PageHeader
        crumbs={crumbs}
        title={
          <>
            <StatusDot status={nodeHealth(node)} /> {node.Node}
            {isLeader && <span class="pill pill-leader">★ leader</span>}
          </>
        }
      />
      <div class="summary-row">
        <div class="stat"><span class="stat-label">address</span><code>{node.Address}</code></div>
        <div class="stat stat-wide"><span class="stat-label">node ID</span><code>{node.ID || '—'}</code></div>
      </div>
      <ErrorNote message={live.error} />
      <Tabs
        active={tab}
        onSelect={(t) => setQuery({ tab: t === 'checks' ? '' : t })}
        tabs={[
          ['checks', 'Health checks', node.Checks.length],
          ['services', 'Services', node.Services.length],
          ['sessions', 'Sessions', list.length],
          ['meta', 'Metadata'],
        ]}
      />
      {tab === 'checks' && (node.Checks.length === 0 ? <Empty>This node has no checks.</Empty> : <CheckList checks={node.Checks} />)}
      {tab === 'services' && <NodeServices node={node} />}
      {tab === 'sessions' && <Sessions list={list} error={sessions.error} />}
      {tab === 'meta' && (
        <div class="grid-2">
          <section class="card">
            <h3>Node metadata</h3>
            <KeyValues values={node.Meta} empty="No metadata" />
          </section>
          <section class="card">
            <h3>Tagged addresses</h3>
            <KeyValues values={node.TaggedAddresses} empty="No tagged addresses" />
          </section>
        </div>
      )}
    </>
  );
}

function NodeServices({ node }: { node: NodeInfo }) {
  if (node.Services.length === 0) return <Empty>No services run on this node.</Empty>;
  const health = (id: string) => worst(node.Checks.filter((c) => c.ServiceID === id || c.ServiceID === '').map((c) => c.Status));
  return (
    <table class="table">
      <thead>
        <tr>
          <th class="col-status" aria-label="Health" />
          <th>Service</th>
          <th>ID</th>
          <th>Port</th>
          <th>Tags</th>
        </tr>
      </thead>
      <tbody>
        {[...node.Services].sort((a, b) => a.Service.localeCompare(b.Service)).map((s) => (
          <tr key={s.ID}>
            <td class="col-status"><StatusDot status={health(s.ID)} /></td>
            <td><a class="strong" href={href(`services/${encodePath(s.Service)}`)}>{s.Service}</a></td>
            <td><code>{s.ID}</code></td>
            <td><code>{s.Address ? `${s.Address}:` : ''}{s.Port || '—'}</code></td>
            <td><Tags tags={s.Tags} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function formatNs(ns: number): string {
  if (!ns) return '0s';
  const s = ns / 1e9;
  return s >= 1 ? `${s}s` : `${ns / 1e6}ms`;
}

function Sessions({ list, error }: { list: Session[]; error: string | null }) {
  if (error) return <ErrorNote message={error} />;
  if (list.length === 0) return <Empty>No sessions are held on this node.</Empty>;
  return (
    <table class="table" data-testid="sessions-table">
      <thead>
        <tr>
          <th>Session</th>
          <th>Name</th>
          <th>Behavior</th>
          <th>TTL</th>
          <th>Lock delay</th>
          <th>Checks</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {list.map((s) => (
          <tr key={s.ID} data-session={s.ID}>
            <td><code class="small">{s.ID}</code></td>
            <td>{s.Name || <span class="muted">—</span>}</td>
            <td>{s.Behavior}</td>
            <td>{s.TTL || <span class="muted">none</span>}</td>
            <td>{formatNs(s.LockDelay)}</td>
            <td><Tags tags={[...(s.NodeChecks ?? []), ...(s.ServiceChecks ?? []).map((c) => c.ID)]} /></td>
            <td class="right">
              <button type="button" class="btn btn-small btn-danger-outline" onClick={() => invalidate(s)}>
                Invalidate
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function invalidate(s: Session): Promise<void> {
  const ok = await ask({
    title: 'Invalidate this session?',
    body: (
      <>
        Session <code>{s.ID}</code>
        {s.Name ? ` (${s.Name})` : ''} ends now; locks it holds are {s.Behavior === 'delete' ? 'deleted' : 'released'}.
      </>
    ),
    confirm: 'Invalidate',
    danger: true,
  });
  if (ok === null) return;
  await attempt('Invalidate', () => write(`/v1/session/destroy/${encodeURIComponent(s.ID)}`), 'Session invalidated');
}
