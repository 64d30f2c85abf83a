// Services: one row per service name with its health counts, instance count and tags; search, a
// health filter and sorting, all kept in the URL so the view can be linked.
import { useLive, encodePath } from '../api';
import { Empty, ErrorNote, HealthCounts, Loading, PageHeader, SearchBox, Segmented, StatusDot, Tags, type Health } from '../components';
import { href, setQuery, useLocation } from '../router';

export interface ServiceSummary {
  Kind?: string;
  Name: string;
  Tags: string[] | null;
  Nodes: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
  ExternalSources: string[] | null;
}

type HealthFilter = 'all' | Health;
type Sort = 'name' | 'name-desc' | 'health';

const RANK: Record<Health, number> = { critical: 0, warning: 1, passing: 2 };

export function serviceHealth(s: ServiceSummary): Health {
  if (s.ChecksCritical > 0) return 'critical';
  if (s.ChecksWarning > 0) return 'warning';
  return 'passing';
}

export function ServicesPage() {
  const loc = useLocation();
  const q = loc.query.get('q') ?? '';
  const status = (loc.query.get('status') ?? 'all') as HealthFilter;
  const sort = (loc.query.get('sort') ?? 'name') as Sort;
  const live = useLive<ServiceSummary[]>('/v1/internal/ui/services');
  const all = live.data ?? [];
  const needle = q.trim().toLowerCase();
  const rows = all
    .filter((s) => status === 'all' || serviceHealth(s) === status)
    .filter((s) => !needle || s.Name.toLowerCase().includes(needle) || (s.Tags ?? []).some((t) => t.toLowerCase().includes(needle)))
    .sort((a, b) => {
      if (sort === 'health') return RANK[serviceHealth(a)] - RANK[serviceHealth(b)] || a.Name.localeCompare(b.Name);
      return sort === 'name-desc' ? b.Name.localeCompare(a.Name) : a.Name.localeCompare(b.Name);
    });
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const s of all) counts[serviceHealth(s)]++;
  return (
    <>
      <PageHeader title={<>Services <span class="title-count">{all.length}</span></>} />
      <div class="toolbar">
        <SearchBox value={q} onInput={(v) => setQuery({ q: v })} placeholder="Search by name or tag" />
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
        <label class="sort">
          Sort
          <select value={sort} onChange={(e) => setQuery({ sort: (e.target as HTMLSelectElement).value === 'name' ? '' : (e.target as HTMLSelectElement).value })}>
            <option value="name">Name A–Z</option>
            <option value="name-desc">Name Z–A</option>
            <option value="health">Unhealthy first</option>
          </select>
        </label>
      </div>
      <ErrorNote message={live.error} />
      {live.data === undefined ? (
        !live.error && <Loading what="services" />
      ) : rows.length === 0 ? (
        <Empty>{all.length === 0 ? 'No services are registered.' : 'No service matches this search.'}</Empty>
      ) : (
        <table class="table" data-testid="services-table">
          <thead>
            <tr>
              <th class="col-status" aria-label="Health" />
              <th>Service</th>
              <th class="num">Instances</th>
              <th>Health checks</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.Name} data-service={s.Name}>
                <td class="col-status"><StatusDot status={serviceHealth(s)} /></td>
                <td>
                  <a class="strong" href={href(`services/${encodePath(s.Name)}`)}>{s.Name}</a>
                  {s.Kind && <span class="kind">{s.Kind}</span>}
                </td>
                <td class="num">{s.InstanceCount}</td>
                <td><HealthCounts passing={s.ChecksPassing} warning={s.ChecksWarning} critical={s.ChecksCritical} /></td>
                <td><Tags tags={s.Tags} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
