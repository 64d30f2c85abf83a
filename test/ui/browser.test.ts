// The web UI in headless Chromium (Debian's chromium, driven by playwright-core) against a real dev
// agent: each page shows what the API holds, live updates arrive without a reload, and the KV editor,
// maintenance, deregistration and session invalidation really change the agent's state.
// Screenshots of every page land in test-artifacts/ui/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { http, REPO_ROOT, startAgent, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-artifacts/ui');
const NODE = 'ui-browser';
const skip = existsSync(CHROMIUM) ? false : 'Debian chromium is not installed (scripts/apt-packages.txt lists it)';

let agent: AgentProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const api = (method: string, path: string, body?: unknown) =>
  http(agent.base, method, path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
const kvGet = async (key: string): Promise<string | null> => {
  const r = await api('GET', `/v1/kv/${key}?raw`);
  return r.status === 404 ? null : r.text;
};

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function open(path: string): Promise<void> {
  await page.goto(`${agent.base}/ui/${path}`);
}

/** The editor's validation message, once it reads `text`. */
function validation(text: RegExp) {
  return page.locator('[data-testid="validation"]', { hasText: text });
}

/** Clicks the confirm button of the open dialog. */
async function confirmDialog(): Promise<void> {
  await page.locator('.dialog button[type=submit]').click();
  await page.locator('.dialog').waitFor({ state: 'detached' });
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(join(REPO_ROOT, 'dist/ui/index.html')), 'the UI is not built: run `npm run build:ui`');
  mkdirSync(SHOTS, { recursive: true });
  agent = await startAgent({ ip: '127.0.0.64', nodeName: NODE });
  const ttl = (id: string, name: string) => ({ CheckID: id, Name: name, TTL: '10m', Notes: `Pushed by ${name}'s deploy job` });
  await api('PUT', '/v1/agent/service/register', { ID: 'web-1', Name: 'web', Port: 8080, Tags: ['v1', 'primary'], Meta: { version: '1.4.2', team: 'storefront' }, Check: ttl('web-ttl', 'web') });
  await api('PUT', '/v1/agent/service/register', { ID: 'web-2', Name: 'web', Port: 8081, Tags: ['v1'], Check: ttl('web2-ttl', 'web') });
  await api('PUT', '/v1/agent/check/pass/web-ttl?note=serving');
  await api('PUT', '/v1/agent/check/pass/web2-ttl?note=serving');
  await api('PUT', '/v1/catalog/register', {
    Node: 'db-1', Address: '10.20.0.9', NodeMeta: { rack: 'r12', zone: 'eu-1a' },
    Service: { ID: 'postgres', Service: 'postgres', Port: 5432, Tags: ['primary'] },
    Check: { CheckID: 'pg', Name: 'replication lag', Status: 'warning', ServiceID: 'postgres', Output: 'replica 3.2 s behind' },
  });
  await api('PUT', '/v1/catalog/register', {
    Node: 'cache-1', Address: '10.20.0.12',
    Service: { ID: 'redis', Service: 'redis', Port: 6379, Tags: ['cache', 'lru'] },
    Check: { CheckID: 'redis', Name: 'redis ping', Status: 'passing', ServiceID: 'redis', Output: 'PONG' },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light', acceptDownloads: true });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await agent?.stop();
});

test('services page lists what the API holds; search, health filter and sort are deep links', { skip }, async () => {
  const expected = ((await api('GET', '/v1/internal/ui/services')).json() as Array<{ Name: string; InstanceCount: number }>);
  await open('services');
  await page.locator('tr[data-service="web"]').waitFor();
  const names = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')));
  assert.deepEqual(names, expected.map((s) => s.Name));
  assert.equal((await page.locator('tr[data-service="web"] td.num').textContent())?.trim(), '2');
  await shot('services');

  await page.getByPlaceholder('Search by name or tag').fill('lru');
  await waitFor(async () => (await page.locator('tbody tr').count()) === 1, { what: 'search to narrow to redis' });
  assert.equal(await page.locator('tbody tr').getAttribute('data-service'), 'redis');
  await page.getByPlaceholder('Search by name or tag').fill('');

  await page.getByRole('button', { name: /^Warning/ }).click();
  await waitFor(async () => (await page.locator('tbody tr').count()) === 1, { what: 'warning filter' });
  assert.equal(await page.locator('tbody tr').getAttribute('data-service'), 'postgres');
  assert.match(page.url(), /status=warning/);
  await page.reload();
  await page.locator('tr[data-service="postgres"]').waitFor();
  assert.equal(await page.locator('tbody tr').count(), 1);

  await open('services?sort=name-desc');
  await page.locator('tr[data-service="web"]').waitFor();
  assert.equal(await page.locator('tbody tr').first().getAttribute('data-service'), 'web');
});

test('a TTL check turning critical shows up on the open page without a reload', { skip }, async () => {
  await open('services/web');
  const check = page.locator('[data-instance="web-1"] [data-check="web-ttl"]');
  await page.locator('[data-instance="web-1"] [data-check="web-ttl"].check-passing').waitFor();
  assert.match((await page.locator('[data-instance="web-1"]').textContent()) ?? '', /version.*1\.4\.2/);
  await shot('service');
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  await api('PUT', '/v1/agent/check/fail/web-ttl?note=upstream%20timed%20out');
  await page.locator('[data-instance="web-1"] [data-check="web-ttl"].check-critical').waitFor();
  assert.match((await check.textContent()) ?? '', /upstream timed out/);
  assert.deepEqual(navigations, [], 'the page must not reload');
  await shot('service-critical');
  // The services list counts it too, live.
  await open('services');
  await page.locator('tr[data-service="web"] .count-critical:not(.zero)').waitFor();
});

test('maintenance and deregistration from the service page', { skip }, async () => {
  await open('services/web');
  const card = page.locator('[data-instance="web-2"]');
  await card.getByRole('button', { name: 'Maintenance…' }).click();
  await page.locator('.dialog input').fill('rolling deploy');
  await confirmDialog();
  await waitFor(async () => {
    const checks = (await api('GET', '/v1/agent/checks')).json() as Record<string, { Notes: string }>;
    return checks['_service_maintenance:web-2']?.Notes === 'rolling deploy';
  }, { what: 'maintenance check on the agent' });
  await card.locator('.pill-warning').waitFor();
  await shot('service-maintenance');
  await card.getByRole('button', { name: 'End maintenance' }).click();
  await waitFor(async () => !('_service_maintenance:web-2' in ((await api('GET', '/v1/agent/checks')).json() as object)), { what: 'maintenance to end' });

  await card.getByRole('button', { name: 'Deregister…' }).click();
  await confirmDialog();
  await waitFor(async () => !('web-2' in ((await api('GET', '/v1/agent/services')).json() as object)), { what: 'web-2 to be deregistered' });
  await card.waitFor({ state: 'detached' });

  // A service on another node goes through the catalog.
  await open('services/postgres');
  await page.locator('[data-instance="postgres"]').getByRole('button', { name: 'Deregister…' }).click();
  await confirmDialog();
  await waitFor(async () => ((await api('GET', '/v1/catalog/service/postgres')).json() as unknown[]).length === 0, { what: 'postgres to leave the catalog' });
  await page.getByText('No instance of').waitFor();
  await api('PUT', '/v1/catalog/register', {
    Node: 'db-1', Address: '10.20.0.9', NodeMeta: { rack: 'r12', zone: 'eu-1a' },
    Service: { ID: 'postgres', Service: 'postgres', Port: 5432, Tags: ['primary'] },
    Check: { CheckID: 'pg', Name: 'replication lag', Status: 'warning', ServiceID: 'postgres', Output: 'replica 3.2 s behind' },
  });
});

test('nodes page marks the leader; the node page shows checks, services, sessions and metadata', { skip }, async () => {
  const nodes = ((await api('GET', '/v1/internal/ui/nodes')).json() as Array<{ Node: string }>).map((n) => n.Node).sort();
  await open('nodes');
  await page.locator(`tr[data-node="${NODE}"]`).waitFor();
  const shown = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')));
  assert.deepEqual(shown, nodes);
  await page.locator(`tr[data-node="${NODE}"] .pill-leader`).waitFor();
  assert.equal(await page.locator('.pill-leader').count(), 1);
  await shot('nodes');

  const session = (await api('PUT', '/v1/session/create', { Name: 'deploy-lock', TTL: '120s' })).json().ID as string;
  await open(`nodes/${NODE}`);
  await page.locator('[data-check="serfHealth"]').waitFor();
  await shot('node');
  await page.getByRole('tab', { name: /Services/ }).click();
  await page.locator('table a', { hasText: 'web' }).waitFor();
  await page.getByRole('tab', { name: /Sessions/ }).click();
  assert.match(page.url(), /tab=sessions/);
  const row = page.locator(`tr[data-session="${session}"]`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /deploy-lock/);
  await shot('node-sessions');
  await row.getByRole('button', { name: 'Invalidate' }).click();
  await confirmDialog();
  await row.waitFor({ state: 'detached' });
  assert.deepEqual((await api('GET', `/v1/session/info/${session}`)).json(), []);

  await open('nodes/db-1?tab=meta');
  await page.getByText('eu-1a').waitFor();
  await shot('node-metadata');
  await open('nodes/no-such-node');
  await page.getByText('There is no node named').waitFor();
});

test('overview shows servers, the leader, raft peers and health totals', { skip }, async () => {
  const leader = (await api('GET', '/v1/status/leader')).json() as string;
  const overview = (await api('GET', '/v1/internal/ui/catalog-overview')).json();
  await open('overview');
  await page.locator('[data-testid="leader"]').waitFor();
  assert.equal(await page.locator('[data-testid="leader"]').textContent(), leader);
  await page.locator('[data-testid="raft-peers"] code', { hasText: leader }).waitFor();
  const nodesCard = page.locator('[data-health="nodes"] .big-number');
  assert.match((await nodesCard.textContent()) ?? '', new RegExp(`^${overview.Nodes[0].Total}`));
  await page.locator('[data-testid="servers"] .pill-leader').waitFor();
  await shot('overview');
});

test('KV: create, validate, edit, search and delete (folders recursively)', { skip }, async () => {
  await api('PUT', '/v1/kv/app/db/url', 'postgres://db-1:5432/shop');
  await api('PUT', '/v1/kv/app/feature-flags/checkout-v2', 'on');
  await open('kv/');
  await page.locator('tr[data-key="app/"]').waitFor();
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByLabel('Key name').fill('app/config.json');
  await page.getByRole('button', { name: 'JSON' }).click();
  await page.getByLabel('Value', { exact: true }).fill('{"replicas": 3,');
  await validation(/^Invalid JSON/).waitFor();
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.locator('.toast-error', { hasText: 'Not saved' }).waitFor();
  assert.equal(await kvGet('app/config.json'), null, 'invalid JSON must not be stored');
  await page.getByLabel('Value', { exact: true }).fill('{"replicas": 3, "region": "eu-1"}');
  await validation(/^Valid JSON$/).waitFor();
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.waitForURL(/\/ui\/kv\/app\/config\.json$/);
  assert.equal(await kvGet('app/config.json'), '{"replicas": 3, "region": "eu-1"}');

  await page.getByRole('button', { name: 'Format' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => (await kvGet('app/config.json'))?.includes('\n  "replicas": 3'), { what: 'formatted JSON to be saved' });
  await page.getByRole('button', { name: 'YAML' }).click();
  await page.getByLabel('Value', { exact: true }).fill('replicas: [1, 2');
  await validation(/^Invalid YAML/).waitFor();
  await page.getByLabel('Value', { exact: true }).fill('replicas: 4\nregion: eu-1\n');
  await validation(/^Valid YAML$/).waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor(async () => (await kvGet('app/config.json')) === 'replicas: 4\nregion: eu-1\n', { what: 'YAML to be saved' });
  await shot('kv-key');

  await open('kv/app/');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByLabel('Key name').fill('empty/');
  await page.getByRole('button', { name: 'Create folder' }).click();
  await waitFor(async () => (await kvGet('app/empty/')) === '', { what: 'folder key app/empty/' });
  await open('kv/app/');
  await page.locator('tr[data-key="app/empty/"]').waitFor();
  await shot('kv-folder');

  await page.getByPlaceholder(/Search keys and values/).fill('db-1:5432');
  await page.locator('[data-testid="kv-search"] tr[data-key="app/db/url"]').waitFor();
  assert.equal(await page.locator('[data-testid="kv-search"] tbody tr').count(), 1);
  await shot('kv-search');
  await page.getByPlaceholder(/Search keys and values/).fill('checkout');
  await page.locator('[data-testid="kv-search"] tr[data-key="app/feature-flags/checkout-v2"]').waitFor();
  await page.getByPlaceholder(/Search keys and values/).fill('');

  await page.locator('tr[data-key="app/config.json"]').getByRole('button', { name: /Delete/ }).click();
  await confirmDialog();
  await waitFor(async () => (await kvGet('app/config.json')) === null, { what: 'key deletion' });
  await page.locator('tr[data-key="app/config.json"]').waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'Delete folder…' }).click();
  await page.locator('.dialog', { hasText: '3 keys' }).waitFor();
  await shot('kv-delete-folder');
  await confirmDialog();
  await waitFor(async () => (await api('GET', '/v1/kv/app/?keys')).status === 404, { what: 'recursive folder deletion' });
  await page.waitForURL(/\/ui\/kv\/$/);
});

test('KV: a concurrent change is reported instead of overwritten (?cas=)', { skip }, async () => {
  await api('PUT', '/v1/kv/cas/key', 'original');
  await open('kv/cas/key');
  await page.getByLabel('Value', { exact: true }).waitFor();
  await waitFor(async () => (await page.getByLabel('Value', { exact: true }).inputValue()) === 'original', { what: 'value to load' });
  await page.getByLabel('Value', { exact: true }).fill('mine');
  await api('PUT', '/v1/kv/cas/key', 'theirs');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-testid="cas-conflict"]').waitFor();
  assert.equal(await kvGet('cas/key'), 'theirs', 'the other writer must win until the user decides');
  assert.equal(await page.getByLabel('Value', { exact: true }).inputValue(), 'mine', 'the edits stay in the editor');
  await shot('kv-conflict');
  await page.getByRole('button', { name: 'Overwrite with mine' }).click();
  await waitFor(async () => (await kvGet('cas/key')) === 'mine', { what: 'overwrite' });
  await page.locator('[data-testid="cas-conflict"]').waitFor({ state: 'detached' });
});

test('KV: export and import a subtree in the `consul kv export` format', { skip }, async () => {
  await api('PUT', '/v1/kv/exp/a', 'alpha');
  await api('PUT', '/v1/kv/exp/nested/b?flags=42', 'beta ✓');
  await open('kv/exp/');
  await page.locator('tr[data-key="exp/a"]').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
  const file = await download.path();
  const text = readFileSync(file, 'utf8');
  const exported = JSON.parse(text) as Array<{ key: string; flags: number; value: string }>;
  assert.deepEqual(exported, [
    { key: 'exp/a', flags: 0, value: Buffer.from('alpha').toString('base64') },
    { key: 'exp/nested/b', flags: 42, value: Buffer.from('beta ✓').toString('base64') },
  ]);
  assert.match(text, /^\[\n\t\{\n\t\t"key": "exp\/a",/, 'tab-indented like consul kv export');

  await api('DELETE', '/v1/kv/exp/?recurse');
  await page.getByText('This folder is empty.').waitFor();
  await page.locator('[data-testid="import-file"]').setInputFiles({ name: 'backup.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await page.locator('.dialog', { hasText: 'Import 2 keys?' }).waitFor();
  await confirmDialog();
  await waitFor(async () => (await kvGet('exp/nested/b')) === 'beta ✓', { what: 'import' });
  const entry = (await api('GET', '/v1/kv/exp/nested/b')).json()[0];
  assert.equal(entry.Flags, 42);
  await page.locator('tr[data-key="exp/a"]').waitFor();

  await page.locator('[data-testid="import-file"]').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('[{"key":"x","value":"not base64!"}]') });
  await page.locator('.toast-error', { hasText: 'must be base64' }).waitFor();
  assert.equal(await kvGet('x'), null);
});

test('the ACL token is stored locally and sent as X-Consul-Token', { skip }, async () => {
  await open('settings');
  await page.getByLabel('ACL token').fill('3f1d-token');
  await page.getByRole('button', { name: 'Save' }).click();
  const seen = page.waitForRequest((r) => r.url().includes('/v1/internal/ui/services'));
  await open('services');
  assert.equal((await seen).headers()['x-consul-token'], '3f1d-token');
  assert.equal(await page.evaluate(() => localStorage.getItem('conclave.acl-token')), '3f1d-token');
  await open('settings');
  await shot('settings');
  await page.getByRole('button', { name: 'Clear' }).click();
  assert.equal(await page.evaluate(() => localStorage.getItem('conclave.acl-token')), null);
});

test('dark mode follows the system setting', { skip }, async () => {
  const dark = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
  const p = await dark.newPage();
  await p.goto(`${agent.base}/ui/services`);
  await p.locator('tr[data-service="web"]').waitFor();
  const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(15, 17, 23)');
  await shot('services-dark', p);
  await p.goto(`${agent.base}/ui/services/web`);
  await p.locator('[data-instance="web-1"]').waitFor();
  await shot('service-dark', p);
  await p.goto(`${agent.base}/ui/overview`);
  await p.locator('[data-testid="leader"]').waitFor();
  await shot('overview-dark', p);
  await dark.close();
  const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(lightBg, 'rgb(246, 247, 251)');
});

test('a hidden tab stops asking the agent and catches up when shown again', { skip }, async () => {
  await api('PUT', '/v1/kv/live/one', '1');
  await open('kv/live/');
  await page.locator('tr[data-key="live/one"]').waitFor();
  const isList = (url: string) => url.includes('/v1/kv/live/?keys');
  const parked = page.waitForEvent('requestfailed', (r) => isList(r.url()));
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await parked; // the blocking request in flight is cancelled
  const whileHidden: string[] = [];
  const count = (r: { url(): string }) => isList(r.url()) && whileHidden.push(r.url());
  page.on('request', count);
  await api('PUT', '/v1/kv/live/two', '2');
  await page.evaluate(() => document.body.offsetHeight); // a round trip through the page
  page.off('request', count);
  assert.deepEqual(whileHidden, [], 'no request while hidden');
  assert.equal(await page.locator('tr[data-key="live/two"]').count(), 0);
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.locator('tr[data-key="live/two"]').waitFor();
});

test('an error banner appears while the agent is unreachable', { skip }, async () => {
  await open('services');
  await page.locator('tr[data-service="web"]').waitFor();
  await agent.stop();
  await page.locator('.banner', { hasText: 'Agent unreachable' }).waitFor();
  await shot('unreachable');
});
