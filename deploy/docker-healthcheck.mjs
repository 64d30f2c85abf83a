#!/usr/bin/env node
// Container health probe without curl: healthy (exit 0) once the agent's HTTP API answers
// /v1/status/leader with a leader address, i.e. the agent is up and its cluster has a leader.
// Address: CONSUL_HTTP_ADDR (host:port or http://host:port), default 127.0.0.1:8500.
const raw = process.env.CONSUL_HTTP_ADDR || '127.0.0.1:8500';
const base = /^https?:\/\//.test(raw) ? raw.replace(/\/+$/, '') : `http://${raw}`;
const timeoutMs = Number(process.env.CONSUL_HEALTHCHECK_TIMEOUT_MS || 2000);

try {
  const res = await fetch(`${base}/v1/status/leader`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  let leader = '';
  try {
    leader = JSON.parse(body);
  } catch {
    leader = '';
  }
  if (res.ok && typeof leader === 'string' && leader !== '') {
    process.stdout.write(`leader ${leader}\n`);
    process.exit(0);
  }
  process.stderr.write(`no leader yet (HTTP ${res.status}: ${body.slice(0, 200)})\n`);
  process.exit(1);
} catch (err) {
  process.stderr.write(`agent not reachable at ${base}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
