// `consul agent`: start an agent from a RuntimeConfig, print the banner, run until a signal or leave.
import { writeFileSync, rmSync } from 'node:fs';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { Agent } from './agent.js';
import { BUILD_DATE, CONSUL_VERSION } from '../lib/version.js';

export async function runAgent(config: RuntimeConfig, logger: Logger): Promise<void> {
  const out = (line: string) => process.stdout.write(line + '\n');
  out('==> Starting Consul agent...');
  const agent = new Agent(config, logger);
  let bound: string[];
  try {
    bound = await agent.start();
  } catch (err) {
    out(`==> Error starting agent: ${(err as Error).message}`);
    await agent.shutdown().catch(() => {});
    process.exitCode = 1;
    return;
  }
  printBanner(config, out);
  if (config.pidFile) writeFileSync(config.pidFile, String(process.pid));
  const httpAddr = bound[0];
  if (httpAddr) {
    const base = `http://${httpAddr}`;
    out(`==> HTTP API: ${base}/v1/  (e.g. curl ${base}/v1/status/leader)`);
    if (config.ui.enabled) out(`==> Web UI:   ${base}${config.ui.contentPath}`);
  }
  out('');
  out('==> Log data will now stream in as it occurs:');
  out('');
  logger.named('agent').info('Consul agent running!');

  await new Promise<void>((resolve) => {
    let signals = 0;
    const stop = (why: string) => {
      signals++;
      if (signals > 1) {
        out('==> Second signal received, exiting without graceful shutdown');
        process.exit(1);
      }
      logger.named('agent').info('Caught signal, shutting down', { signal: why });
      out('==> Gracefully shutting down agent...');
      agent
        .shutdown()
        .catch((err) => logger.error('shutdown failed', { error: (err as Error).message }))
        .finally(resolve);
    };
    process.on('SIGINT', () => stop('interrupt'));
    process.on('SIGTERM', () => stop('terminated'));
    process.on('SIGHUP', () => {
      logger.named('agent').info('Caught signal, reloading', { signal: 'hangup' });
      agent.reload().catch((err) => logger.named('agent').error('Failed to reload configs', { error: (err as Error).message }));
    });
    agent.onLeave = () => stop('leave');
  });
  if (config.pidFile) rmSync(config.pidFile, { force: true });
  out('==> Consul agent stopped');
}

function printBanner(c: RuntimeConfig, out: (line: string) => void): void {
  const row = (k: string, v: string) => out(`${k.padStart(22)}: ${v}`);
  row('Version', `'${CONSUL_VERSION}'`);
  row('Build Date', `'${BUILD_DATE}'`);
  row('Node ID', `'${c.nodeId}'`);
  row('Node name', `'${c.nodeName}'`);
  row('Datacenter', `'${c.datacenter}' (Segment: '${c.server ? '<all>' : ''}')`);
  row('Server', `${c.server} (Bootstrap: ${c.bootstrap || c.devMode})`);
  const p = c.ports;
  row('Client Addr', `[${c.clientAddrs.join(' ')}] (HTTP: ${p.http}, HTTPS: ${p.https}, gRPC: ${p.grpc}, DNS: ${p.dns})`);
  row('Cluster Addr', `${c.advertiseAddr} (LAN: ${p.serfLan}, WAN: ${p.serfWan})`);
  row('Gossip Encryption', String(!!c.encrypt));
  row('ACL Enabled', String(c.acl.enabled));
  row('ACL Default Policy', c.acl.defaultPolicy);
  row('Data Dir', c.dataDir ?? '(in memory)');
  row('Config Sources', c.sources.length > 0 ? c.sources.join(', ') : '(flags only)');
}
