// deploy/kubernetes: every object validates against the Kubernetes OpenAPI schemas (kubernetes-models),
// the kustomization lists every file, and the objects fit together (selectors, ports, join names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll, load } from 'js-yaml';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { DaemonSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { CONSUL_BIN, REPO_ROOT, tempDir } from '../support/agent-process.js';

const K8S = join(REPO_ROOT, 'deploy/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };

const kustomization = load(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[]; [k: string]: unknown };
const objects: Array<Obj & { file: string }> = kustomization.resources.flatMap((file) =>
  (loadAll(readFileSync(join(K8S, file), 'utf8')) as Obj[]).filter(Boolean).map((o) => ({ ...o, file })),
);
const find = (kind: string, name: string): Obj => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} exists`);
  return o;
};
const sts = find('StatefulSet', 'consul-server');
const ds = find('DaemonSet', 'consul-client');

test('kustomization: a Kustomization that lists every manifest in the folder', () => {
  assert.equal(kustomization.apiVersion, 'kustomize.config.k8s.io/v1beta1');
  assert.equal(kustomization.kind, 'Kustomization');
  const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...kustomization.resources].sort(), files);
});

test('every object validates against its Kubernetes schema', () => {
  assert.ok(objects.length >= 9);
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    assert.ok(Model, `${o.file}: ${o.apiVersion} ${o.kind} is a kind this test knows`);
    const { file: _file, ...data } = o;
    assert.doesNotThrow(() => new Model(data as never).validate(), `${o.file}: ${o.kind}/${o.metadata.name}`);
  }
});

test('the schema validation rejects a broken object (the validators are live)', () => {
  const { file: _file, ...data } = structuredClone(sts);
  data.spec.replicas = 'three';
  assert.throws(() => new StatefulSet(data as never).validate(), /replicas must be integer/);
  const { file: _f2, ...svc } = structuredClone(find('Service', 'consul-ui'));
  delete svc.spec.ports[0].port;
  assert.throws(() => new Service(svc as never).validate(), /port/);
});

test('headless server Service publishes not-ready addresses and governs the StatefulSet', () => {
  const svc = find('Service', 'consul-server');
  assert.equal(svc.spec.clusterIP, 'None');
  assert.equal(svc.spec.publishNotReadyAddresses, true);
  assert.equal(sts.spec.serviceName, 'consul-server');
});

test('server StatefulSet: 3 replicas, started in parallel, PVC on /consul/data, joins the pod DNS names', () => {
  assert.equal(sts.spec.replicas, 3);
  assert.equal(sts.spec.podManagementPolicy, 'Parallel');
  const claim = sts.spec.volumeClaimTemplates[0];
  const c = sts.spec.template.spec.containers[0];
  assert.ok(c.volumeMounts.some((m: any) => m.name === claim.metadata.name && m.mountPath === '/consul/data'));
  const args: string[] = c.args;
  assert.deepEqual(args.slice(0, 5), ['agent', '-server', '-bootstrap-expect', String(sts.spec.replicas), '-ui']);
  const joins = args.filter((_a, i) => args[i - 1] === '-retry-join');
  const expected = Array.from({ length: sts.spec.replicas }, (_v, i) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}`);
  assert.deepEqual(joins, expected);
  assert.deepEqual(ds.spec.template.spec.containers[0].args.filter((_a: string, i: number, all: string[]) => all[i - 1] === '-retry-join'), expected);
  for (const a of args) assert.ok(!a.startsWith('provider='), 'no cloud auto-join strings: the agent cannot resolve them');
});

test('readiness means "the cluster has a leader": the image health probe, not an httpGet that accepts ""', () => {
  for (const w of [sts, ds]) {
    const probe = w.spec.template.spec.containers[0].readinessProbe;
    assert.deepEqual(probe.exec.command, ['node', '/usr/local/bin/docker-healthcheck.mjs']);
  }
  const dockerfile = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
  assert.match(dockerfile, /COPY deploy\/docker-healthcheck\.mjs \/usr\/local\/bin\/docker-healthcheck\.mjs/);
});

test('pods run as the image user, non-root', () => {
  for (const w of [sts, ds]) {
    const sc = w.spec.template.spec.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.runAsUser, 8500);
    assert.equal(sc.fsGroup, 8500);
  }
  assert.match(readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8'), /^USER 8500:8500$/m);
});

test('PodDisruptionBudget covers exactly the server pods and keeps quorum', () => {
  const pdb = find('PodDisruptionBudget', 'consul-server');
  assert.deepEqual(pdb.spec.selector.matchLabels, sts.spec.selector.matchLabels);
  assert.equal(pdb.spec.maxUnavailable, 1);
});

test('client DaemonSet: host ports for HTTP and DNS, and labels that match its selector', () => {
  const c = ds.spec.template.spec.containers[0];
  const hostPorts = c.ports.filter((p: any) => p.hostPort).map((p: any) => `${p.hostPort}/${p.protocol ?? 'TCP'}`);
  assert.deepEqual(hostPorts.sort(), ['8500/TCP', '8600/TCP', '8600/UDP']);
  assert.ok(!c.args.includes('-server'));
  for (const w of [sts, ds]) {
    const labels = w.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) assert.equal(labels[k], v, `${w.kind} selector`);
  }
});

test('every Service selects pods and targets named ports those pods declare', () => {
  const workloads = [sts, ds];
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const selected = workloads.filter((w) =>
      Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
    );
    assert.ok(selected.length > 0, `${svc.metadata.name} selects some pods`);
    for (const p of svc.spec.ports) {
      for (const w of selected) {
        const declared = w.spec.template.spec.containers[0].ports.find((cp: any) => cp.name === p.targetPort);
        assert.ok(declared, `${svc.metadata.name}: ${w.kind} declares port ${p.targetPort}`);
        assert.equal(declared.protocol ?? 'TCP', p.protocol ?? 'TCP', `${svc.metadata.name}: ${p.name} protocol`);
      }
    }
  }
  const ui = find('Service', 'consul-ui');
  assert.deepEqual(ui.spec.selector, { app: 'consul', component: 'server' });
  const dns = find('Service', 'consul-dns');
  assert.deepEqual(dns.spec.ports.map((p: any) => `${p.port}/${p.protocol}`), ['53/TCP', '53/UDP']);
});

test('ConfigMaps are mounted by the workloads and hold configuration the agent accepts (consul validate)', async () => {
  const mounts: Array<[Obj, string]> = [
    [sts, 'consul-server-config'],
    [ds, 'consul-client-config'],
  ];
  for (const [w, name] of mounts) {
    const cm = find('ConfigMap', name);
    const vol = w.spec.template.spec.volumes.find((v: any) => v.configMap?.name === name);
    assert.ok(vol, `${w.kind} mounts ${name}`);
    const mount = w.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === vol.name);
    assert.equal(mount.mountPath, '/consul/config');
    const dir = tempDir('k8s-config');
    for (const [file, body] of Object.entries(cm.data as Record<string, string>)) writeFileSync(join(dir, file), body);
    // What the container supplies on the command line, so that the files validate on their own terms.
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'zz-container.json'), JSON.stringify({ bind_addr: '127.0.0.1', data_dir: join(dir, 'data') }));
    const { stdout } = await promisify(execFile)(process.execPath, [CONSUL_BIN, 'validate', dir]);
    assert.match(stdout, /Configuration is valid!/, name);
  }
});
