// Nodes: health, address, service count, the Raft leader marked; search and a health filter.
import { encodePath, useLive } from '../api';
import { Empty, ErrorNote, HealthCounts, Loading, PageHeader, SearchBox, Segmented, StatusDot, worst, type Check, type Health } from '../components';
import { href, setQuery, useLocation } from '../router';

export interface NodeInfo {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  Services: Array<{ ID: string; Service: string; Tags: string[] | null; Port: number; Address: string; Kind?: string }>;
  Checks: Check[];
}

/** "10.0.0.5:8300" -> "10.0.0.5" (IPv6 in brackets too). */
export function hostOf(addr: string): string {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(addr);
  return m ? m[1]! : addr;
}

type HealthFilter = 'all' | Health;

/** A node's own health: its node-level checks (serfHealth, maintenance), as the catalog overview counts it. */
export function nodeHealth(n: NodeInfo): Health {
  return worst(n.Checks.filter((c) => c.ServiceID === '').map((c) => c.Status));
}

export function NodesPage() {
  const loc = useLocation();
  const q = loc.query.get('q') ?? '';
  const status = (loc.query.get('status') ?? 'all') as HealthFilter;
  const live = useLive<NodeInfo[]>('/v1/internal/ui/nodes');
  const leader = useLive<string>('/v1/status/leader', 5000);
  const leaderHost = leader.data ? hostOf(leader.data) : null;
  const all = live.data ?? [];
  const needle = q.trim().toLowerCase();
  const health = nodeHealth;
  const rows = all
    .filter((n) => status === 'all' || health(n) === status)
    .filter((n) => !needle || n.Node.toLowerCase().includes(needle) || n.Address.includes(needle))
    .sort((a, b) => a.Node.localeCompare(b.Node));
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const n of all) counts[health(n)]++;
  return (
    <>
      <PageHeader title={<>Nodes <span class="title-count">{all.length}</span></>} />
      <div class="toolbar">
        <SearchBox value={q} onInput={(v) => setQuery({ q: v })} placeholder="Search by name or address" />
        <Segmented<HealthFilter>
          label="Filter by health"
          value={status}
          onChange={(v) => setQuery({ status: v === 'all' ? '' : v })}
          options={[
            ['all', 'All'],
            ['passing', `Healthy ${counts.passing}`],
            ['warning', `Warning ${counts.warning}`],
            ['critical', `Critical ${counts.critical}`],
          ]}
        />
      </div>
      <ErrorNote message={live.error} />
      {live.data === undefined ? (
        !live.error && <Loading what="nodes" />
      ) : rows.length === 0 ? (
        <Empty>{all.length === 0 ? 'No nodes are registered.' : 'No node matches this search.'}</Empty>
      ) : (
        <table class="table" data-testid="nodes-table">
          <thead>
            <tr>
              <th class="col-status" aria-label="Health" />
              <th>Node</th>
              <th>Address</th>
              <th class="num">Services</th>
              <th>Health checks</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => {
              const isLeader = leaderHost !== null && n.Address === leaderHost;
              return (
                <tr key={n.Node} data-node={n.Node}>
                  <td class="col-status"><StatusDot status={health(n)} /></td>
                  <td>
                    <a class="strong" href={href(`nodes/${encodePath(n.Node)}`)}>{n.Node}</a>
                    {isLeader && <span class="pill pill-leader" title="Raft leader">★ leader</span>}
                  </td>
                  <td><code>{n.Address}</code></td>
                  <td class="num">{n.Services.length}</td>
                  <td>
                    <HealthCounts
                      passing={n.Checks.filter((c) => c.Status === 'passing').length}
                      warning={n.Checks.filter((c) => c.Status === 'warning').length}
                      critical={n.Checks.filter((c) => c.Status === 'critical').length}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
