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

/**
 * One aim, judged round by round: `num[i] / den[i]` for every round i, where round i's two numbers
 * were taken seconds apart (targets take turns within a round). On a machine whose speed drifts
 * from minute to minute, the median of these paired ratios tracks the real ratio more closely than
 * the ratio of two medians that may come from different minutes; both are printed.
 */
export interface PairedAim {
  label: string;
  num: number[];
  den: number[];
  aim: number;
  asPercent: boolean;
}

export function printRatios(rows: LoadRow[], aims: PairedAim[]): void {
  for (const a of aims) pairedRatio(a);
  const errs = rows.filter((r) => r.errors > 0);
  if (errs.length > 0) {
    console.log(`ERRORS in ${errs.length} run(s): ` + errs.map((r) => `${r.target} ${r.op}@${r.connections}: ${r.errorDetail}`).join('; '));
  }
}

function pairedRatio({ label, num, den, aim, asPercent }: PairedAim): void {
  const n = Math.min(num.length, den.length);
  if (n === 0 || den.slice(0, n).some((d) => !(d > 0))) {
    console.log(`${label}: n/a (a side was not measured)`);
    return;
  }
  const show = (v: number): string => (asPercent ? `${(v * 100).toFixed(0)}%` : `${v.toFixed(2)}x`);
  const perRound = num.slice(0, n).map((x, i) => x / den[i]!);
  const v = median(perRound);
  const ofMedians = median(num.slice(0, n)) / median(den.slice(0, n));
  const verdict = aim > 0 ? `  (aim >= ${show(aim)}: ${v >= aim ? 'MET' : 'NOT MET'})` : '';
  console.log(
    `${label}: ${show(v)}${verdict}\n` +
      `    rounds: ${perRound.map((r, i) => `${num[i]!.toFixed(0)}/${den[i]!.toFixed(0)} = ${show(r)}`).join(', ')}; ` +
      `ratio of the medians ${show(ofMedians)}`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
