// One service: every instance with its node, address, tags, meta and checks; maintenance and
// deregistration right from the page.
import { encodePath, useLive, write } from '../api';
import { ask, attempt, Empty, ErrorNote, KeyValues, Loading, PageHeader, StatusBadge, StatusDot, Tags, worst, type Check } from '../components';
import { href } from '../router';

interface Instance {
  Node: { Node: string; Address: string; Datacenter: string };
  Service: {
    ID: string;
    Service: string;
    Kind?: string;
    Tags: string[] | null;
    Address: string;
    Port: number;
    Meta: Record<string, string> | null;
  };
  Checks: Check[];
}

interface AgentSelf {
  Config: { NodeName: string };
}

const MAINT_PREFIX = '_service_maintenance:';

export function ServicePage({ name }: { name: string }) {
  const live = useLive<Instance[]>(`/v1/health/service/${encodeURIComponent(name)}`);
  const self = useLive<AgentSelf>('/v1/agent/self', 60_000);
  const localNode = self.data?.Config.NodeName;
  const instances = live.data ?? [];
  const tags = [...new Set(instances.flatMap((i) => i.Service.Tags ?? []))].sort();
  const all = instances.flatMap((i) => i.Checks);
  const status = worst(all.map((c) => c.Status));
  return (
    <>
      <PageHeader
        crumbs={[['Services', 'services']]}
        title={
          <>
            {instances.length > 0 && <StatusDot status={status} />} {name}
          </>
        }
      />
      <ErrorNote message={live.error} />
      {live.data === undefined ? (
        !live.error && <Loading what="instances" />
      ) : instances.length === 0 ? (
        <Empty>
          No instance of <strong>{name}</strong> is registered. <a href={href('services')}>Back to services</a>.
        </Empty>
      ) : (
        <>
          <div class="summary-row">
            <div class="stat"><span class="stat-value">{instances.length}</span><span class="stat-label">instances</span></div>
            <div class="stat"><span class="stat-value ok">{all.filter((c) => c.Status === 'passing').length}</span><span class="stat-label">passing</span></div>
            <div class="stat"><span class="stat-value warn">{all.filter((c) => c.Status === 'warning').length}</span><span class="stat-label">warning</span></div>
            <div class="stat"><span class="stat-value bad">{all.filter((c) => c.Status === 'critical').length}</span><span class="stat-label">critical</span></div>
            <div class="stat stat-wide"><span class="stat-label">tags</span><Tags tags={tags} max={12} /></div>
          </div>
          {instances.map((i) => (
            <InstanceCard key={`${i.Node.Node}/${i.Service.ID}`} inst={i} local={i.Node.Node === localNode} />
          ))}
        </>
      )}
    </>
  );
}

function InstanceCard({ inst, local }: { inst: Instance; local: boolean }) {
  const s = inst.Service;
  const address = s.Address || inst.Node.Address;
  const maint = inst.Checks.find((c) => c.CheckID === MAINT_PREFIX + s.ID);
  const status = worst(inst.Checks.map((c) => c.Status));
  const checks = [...inst.Checks].sort((a, b) => rank(a.Status) - rank(b.Status) || a.Name.localeCompare(b.Name));
  return (
    <section class="card instance" data-instance={s.ID}>
      <div class="card-head">
        <div>
          <h2>
            <StatusDot status={status} /> {s.ID}
            {maint && <span class="pill pill-warning">maintenance</span>}
          </h2>
          <div class="card-sub">
            on <a href={href(`nodes/${encodePath(inst.Node.Node)}`)}>{inst.Node.Node}</a>
            <span class="sep">·</span>
            <code>{address}{s.Port ? `:${s.Port}` : ''}</code>
          </div>
        </div>
        <div class="actions">
          <button
            type="button"
            class="btn"
            disabled={!local}
            title={local ? '' : `Only the agent on ${inst.Node.Node} can put its services in maintenance`}
            onClick={() => toggleMaintenance(s.ID, !maint)}
          >
            {maint ? 'End maintenance' : 'Maintenance…'}
          </button>
          <button type="button" class="btn btn-danger-outline" onClick={() => deregister(inst, local)}>
            Deregister…
          </button>
        </div>
      </div>
      <div class="grid-2">
        <div>
          <h3>Tags</h3>
          <Tags tags={s.Tags} max={20} />
        </div>
        <div>
          <h3>Meta</h3>
          <KeyValues values={s.Meta} empty="No metadata" />
        </div>
      </div>
      <h3>Health checks</h3>
      {checks.length === 0 ? <p class="muted">No checks: the instance counts as healthy.</p> : <CheckList checks={checks} />}
    </section>
  );
}

function rank(s: string): number {
  return s === 'critical' ? 0 : s === 'warning' ? 1 : 2;
}

export function CheckList({ checks }: { checks: Check[] }) {
  return (
    <ul class="checks">
      {checks.map((c) => (
        <li key={`${c.Node}/${c.CheckID}`} class={`check check-${c.Status}`} data-check={c.CheckID}>
          <div class="check-head">
            <StatusBadge status={c.Status} />
            <span class="check-name">{c.Name}</span>
            <span class="muted check-meta">
              {c.CheckID}
              {c.Type ? ` · ${c.Type}` : ''}
              {c.ServiceID ? '' : ' · node check'}
            </span>
          </div>
          {c.Notes && <p class="check-notes">{c.Notes}</p>}
          {c.Output ? <pre class="output">{c.Output}</pre> : <p class="muted small">No output</p>}
        </li>
      ))}
    </ul>
  );
}

async function toggleMaintenance(id: string, enable: boolean): Promise<void> {
  let reason = '';
  if (enable) {
    const answer = await ask({
      title: `Put ${id} in maintenance?`,
      body: 'The instance turns critical and leaves DNS and health-filtered answers until maintenance ends.',
      input: { label: 'Reason (optional)', placeholder: 'Deploying v2' },
      confirm: 'Enter maintenance',
    });
    if (answer === null) return;
    reason = answer;
  }
  const q = `enable=${enable}${reason ? `&reason=${encodeURIComponent(reason)}` : ''}`;
  await attempt('Maintenance', () => write(`/v1/agent/service/maintenance/${encodeURIComponent(id)}?${q}`), enable ? `${id} is in maintenance` : `${id} left maintenance`);
}

async function deregister(inst: Instance, local: boolean): Promise<void> {
  const id = inst.Service.ID;
  const ok = await ask({
    title: `Deregister ${id}?`,
    body: local ? (
      <>The agent on <strong>{inst.Node.Node}</strong> stops advertising this instance and drops its checks.</>
    ) : (
      <>
        The instance is removed from the catalog. If the agent on <strong>{inst.Node.Node}</strong> still defines it, it will register it again at its next sync.
      </>
    ),
    confirm: 'Deregister',
    danger: true,
  });
  if (ok === null) return;
  await attempt(
    'Deregister',
    () =>
      local
        ? write(`/v1/agent/service/deregister/${encodeURIComponent(id)}`)
        : write('/v1/catalog/deregister', JSON.stringify({ Node: inst.Node.Node, ServiceID: id })),
    `${id} deregistered`,
  );
}
