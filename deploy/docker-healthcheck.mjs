#!/usr/bin/env node
// Health probe without curl, for the container HEALTHCHECK, the Kubernetes readiness probe and the
// systemd unit's ExecStartPost. Healthy (exit 0) once the agent's HTTP API answers /v1/status/leader
// with a leader address: the agent is up and its cluster has a leader.
//   node docker-healthcheck.mjs          one probe
//   node docker-healthcheck.mjs --wait   probe every 500 ms until healthy or CONSUL_STARTUP_TIMEOUT
//                                        seconds (default 110) have passed
// Address: CONSUL_HTTP_ADDR (host:port or http(s)://host:port), default 127.0.0.1:8500.
// CONSUL_HEALTHCHECK_LEADER=false accepts any answer from the agent, leader or not.
const raw = process.env.CONSUL_HTTP_ADDR || '127.0.0.1:8500';
const base = /^https?:\/\//.test(raw) ? raw.replace(/\/+$/, '') : `http://${raw}`;
const needLeader = process.env.CONSUL_HEALTHCHECK_LEADER !== 'false';
const wait = process.argv.includes('--wait');
const waitSeconds = Number(process.env.CONSUL_STARTUP_TIMEOUT || 110);

/** One probe: undefined when healthy, else the reason. */
async function probe() {
  try {
    const res = await fetch(`${base}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
    const body = await res.text();
    let leader;
    try {
      leader = JSON.parse(body);
    } catch {
      leader = undefined;
    }
    if (!res.ok) return `HTTP ${res.status}: ${body.slice(0, 200)}`;
    if (needLeader && (typeof leader !== 'string' || leader === '')) return 'the cluster has no leader yet';
    process.stdout.write(`healthy: leader ${JSON.stringify(leader)}\n`);
    return undefined;
  } catch (err) {
    return `agent not reachable at ${base}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const deadline = Date.now() + (Number.isFinite(waitSeconds) && waitSeconds > 0 ? waitSeconds : 110) * 1000;
let reason = await probe();
while (reason !== undefined && wait && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 500));
  reason = await probe();
}
if (reason !== undefined) {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(1);
}
