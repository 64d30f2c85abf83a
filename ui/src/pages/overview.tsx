// Overview: the servers and which one leads, the Raft peers, and health totals for the datacenter.
import { encodePath, useLive } from '../api';
import { ErrorNote, Loading, PageHeader, StatusDot } from '../components';
import { href } from '../router';
import { hostOf } from './nodes';

interface HealthSummary {
  Name?: string;
  Total: number;
  Passing: number;
  Warning: number;
  Critical: number;
}

interface CatalogSummary {
  Nodes: HealthSummary[] | null;
  Services: HealthSummary[] | null;
  Checks: HealthSummary[] | null;
}

interface Member {
  Name: string;
  Addr: string;
  Status: number;
  Tags: Record<string, string>;
}

const MEMBER_STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];

function total(list: HealthSummary[] | null): HealthSummary {
  const t = { Total: 0, Passing: 0, Warning: 0, Critical: 0 };
  for (const s of list ?? []) {
    t.Total += s.Total;
    t.Passing += s.Passing;
    t.Warning += s.Warning;
    t.Critical += s.Critical;
  }
  return t;
}

function HealthCard({ title, s, unit, link }: { title: string; s: HealthSummary; unit: string; link?: string }) {
  const pct = (n: number) => (s.Total ? `${(100 * n) / s.Total}%` : '0%');
  return (
    <section class="card health-card" data-health={title.toLowerCase()}>
      <h2>{link ? <a href={href(link)}>{title}</a> : title}</h2>
      <div class="big-number">{s.Total}<span class="unit">{unit}</span></div>
      <div class="bar" aria-hidden="true">
        <span class="bar-passing" style={{ width: pct(s.Passing) }} />
        <span class="bar-warning" style={{ width: pct(s.Warning) }} />
        <span class="bar-critical" style={{ width: pct(s.Critical) }} />
      </div>
      <div class="legend">
        <span><i class="sw sw-passing" />{s.Passing} passing</span>
        <span><i class="sw sw-warning" />{s.Warning} warning</span>
        <span><i class="sw sw-critical" />{s.Critical} critical</span>
      </div>
    </section>
  );
}

export function OverviewPage() {
  const overview = useLive<CatalogSummary>('/v1/internal/ui/catalog-overview');
  const leader = useLive<string>('/v1/status/leader', 5000);
  const peers = useLive<string[]>('/v1/status/peers', 5000);
  const members = useLive<Member[]>('/v1/agent/members', 10_000);
  const o = overview.data;
  const servers = (members.data ?? []).filter((m) => m.Tags?.role === 'consul');
  const leaderAddr = leader.data ?? '';
  const unhealthy = (o?.Checks ?? []).filter((c) => c.Critical + c.Warning > 0);
  return (
    <>
      <PageHeader title="Overview" />
      <ErrorNote message={overview.error} />
      {!o ? (
        !overview.error && <Loading what="overview" />
      ) : (
        <div class="grid-3">
          <HealthCard title="Nodes" unit="nodes" s={total(o.Nodes)} link="nodes" />
          <HealthCard title="Services" unit="instances" s={total(o.Services)} link="services" />
          <HealthCard title="Checks" unit="checks" s={total(o.Checks)} />
        </div>
      )}
      <div class="grid-2">
        <section class="card" data-testid="servers">
          <h2>Servers</h2>
          <p class="muted small">
            Leader: {leaderAddr ? <code data-testid="leader">{leaderAddr}</code> : <strong class="bad">no leader</strong>}
          </p>
          {servers.length === 0 ? (
            <p class="muted">No server members are known to this agent.</p>
          ) : (
            <ul class="plain-list">
              {servers.map((m) => {
                const isLeader = hostOf(leaderAddr) === m.Addr;
                return (
                  <li key={m.Name}>
                    <StatusDot status={m.Status === 1 ? 'passing' : 'critical'} label={MEMBER_STATUS[m.Status] ?? 'unknown'} />
                    <a href={href(`nodes/${encodePath(m.Name)}`)}>{m.Name}</a>
                    <code class="muted">{m.Addr}</code>
                    {isLeader && <span class="pill pill-leader">★ leader</span>}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
        <section class="card" data-testid="raft-peers">
          <h2>Raft peers <span class="title-count">{peers.data?.length ?? 0}</span></h2>
          {peers.data === undefined ? (
            <Loading what="peers" />
          ) : peers.data.length === 0 ? (
            <p class="muted">No Raft configuration yet.</p>
          ) : (
            <ul class="plain-list">
              {peers.data.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                  {p === leaderAddr ? <span class="pill pill-leader">★ leader</span> : <span class="pill">follower</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {unhealthy.length > 0 && (
        <section class="card">
          <h2>Checks that need attention</h2>
          <table class="table">
            <thead>
              <tr><th>Check</th><th class="num">Warning</th><th class="num">Critical</th><th class="num">Total</th></tr>
            </thead>
            <tbody>
              {unhealthy.map((c) => (
                <tr key={c.Name}>
                  <td>{c.Name}</td>
                  <td class={c.Warning ? 'num warn' : 'num muted'}>{c.Warning}</td>
                  <td class={c.Critical ? 'num bad' : 'num muted'}>{c.Critical}</td>
                  <td class="num">{c.Total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
