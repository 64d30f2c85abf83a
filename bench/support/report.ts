// The printed table and the ratios the issue sets as aims.
import type { LoadRow } from './load.js';

export function printTable(rows: LoadRow[]): void {
  console.log('cpu columns: % of one core during the measured run; server = the target process, client = this');
  console.log('process (autocannon), other = everything else on the machine (high = numbers skewed by other work)');
  const header = ['target', 'op', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'server cpu', 'client cpu', 'other cpu', 'errors'];
  const body = rows.map((r) => [
    r.target, r.op, String(r.connections), r.reqPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2),
    Number.isNaN(r.serverCpuPercent) ? '?' : `${r.serverCpuPercent.toFixed(0)}%`,
    `${r.clientCpuPercent.toFixed(0)}%`,
    Number.isNaN(r.otherCpuPercent) ? '?' : `${r.otherCpuPercent.toFixed(0)}%`,
    r.errors === 0 ? '0' : `${r.errors} (${r.errorDetail})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  for (const b of body) console.log(line(b));
}

function find(rows: LoadRow[], target: string, op: string, connections: number): LoadRow | undefined {
  return rows.find((r) => r.target === target && r.op === op && r.connections === connections);
}

function ratio(label: string, num: number | undefined, den: number | undefined, aim: number, asPercent: boolean): void {
  if (num === undefined || den === undefined || !(den > 0)) {
    console.log(`${label}: n/a (a side was not measured)`);
    return;
  }
  const v = num / den;
  const shown = asPercent ? `${(v * 100).toFixed(0)}%` : `${v.toFixed(2)}x`;
  const aimShown = asPercent ? `${(aim * 100).toFixed(0)}%` : `${aim}x`;
  console.log(`${label}: ${num.toFixed(0)} / ${den.toFixed(0)} = ${shown}  (aim >= ${aimShown}: ${v >= aim ? 'MET' : 'NOT MET'})`);
}

export function printRatios(rows: LoadRow[], fsyncPerSec: number): void {
  const c = 64;
  const get = (t: string, op: string): number | undefined => find(rows, t, op, c)?.reqPerSec;
  ratio(`GET@${c} conclave / bare-node`, get('conclave', 'get'), get('bare-node', 'get'), 0.6, true);
  ratio(`PUT@${c} conclave / serial fsync rate`, get('conclave', 'put'), fsyncPerSec, 3, false);
  ratio(`PUT@${c} conclave / etcd PUT@${c}`, get('conclave', 'put'), get('etcd', 'put'), 2, false);
  ratio(`(info) PUT@${c} conclave / bare-node`, get('conclave', 'put'), get('bare-node', 'put'), 0, true);
  ratio(`(info) GET@${c} conclave / etcd`, get('conclave', 'get'), get('etcd', 'get'), 0, false);
  const errs = rows.filter((r) => r.errors > 0);
  if (errs.length > 0) {
    console.log(`ERRORS in ${errs.length} run(s): ` + errs.map((r) => `${r.target} ${r.op}@${r.connections}: ${r.errorDetail}`).join('; '));
  }
}
