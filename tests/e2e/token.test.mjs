// scripts/token against a throw-away wrangler config + state dir (no worker needed):
// create/list/revoke, the KV record format and the SHA-256 key.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { tempDir, run, node22, REPO_ROOT } from './harness.mjs';

const WRANGLER = path.join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
let dir, cfg, persist;

before(() => {
  dir = tempDir('mcpw-token-');
  cfg = path.join(dir, 'wrangler.toml');
  persist = path.join(dir, 'state');
  fs.writeFileSync(path.join(dir, 'x.js'), 'export default { fetch() { return new Response("x"); } };\n');
  fs.writeFileSync(cfg, [
    'name = "token-test"', 'main = "x.js"', 'compatibility_date = "2025-01-01"',
    'kv_namespaces = [{ binding = "KV", id = "00000000000000000000000000000000" }]', '',
  ].join('\n'));
});

const token = (...args) => run(path.join(REPO_ROOT, 'scripts', 'token'), [...args], { timeoutMs: 120_000 });
const target = () => ['--config', cfg, '--persist-to', persist];
const kv = (...args) => run(node22(), [WRANGLER, 'kv', 'key', ...args, '--binding', 'KV', '--local', ...target()], { env: { WRANGLER_SEND_METRICS: 'false' } });

test('create prints the token once and stores sha256 -> record (value and metadata)', async () => {
  const r = await token('create', '--name', 'alice', ...target());
  assert.equal(r.code, 0, r.stderr);
  const tok = r.stdout.match(/\b(mcpw_[A-Za-z0-9_-]+)\b/)?.[1];
  assert.ok(tok, r.stdout);
  assert.match(tok, /^mcpw_[A-Za-z0-9_-]{43}$/, '32 bytes base64url, no padding');
  assert.match(r.stdout, /cannot be shown again/);
  const key = `bearer:${createHash('sha256').update(tok).digest('hex')}`;
  const v = await kv('get', key, '--text');
  assert.equal(v.code, 0, v.stderr);
  const rec = JSON.parse(v.stdout.trim());
  assert.deepEqual(Object.keys(rec).sort(), ['createdAt', 'id', 'name']);
  assert.match(rec.id, /^tok_[0-9a-f]{8}$/);
  assert.equal(rec.name, 'alice');
  assert.ok(!Number.isNaN(Date.parse(rec.createdAt)) && rec.createdAt.endsWith('Z'));
  const l = await kv('list', '--prefix', 'bearer:');
  const entry = JSON.parse(l.stdout).find((e) => e.name === key);
  assert.deepEqual(entry.metadata, rec, 'metadata = value');
  assert.ok(!JSON.stringify(JSON.parse(l.stdout)).includes(tok), 'the token itself is not stored');
});

test('list, duplicate names, revoke by name and id, usage errors', async () => {
  const b = await token('create', '--name', 'bob', '--json', ...target());
  assert.equal(b.code, 0, b.stderr);
  const bob = JSON.parse(b.stdout);
  const dup = await token('create', '--name', 'bob', ...target());
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /already exists/);

  const l = await token('list', '--json', ...target());
  assert.deepEqual(JSON.parse(l.stdout).map((t) => t.name).sort(), ['alice', 'bob']);
  const human = await token('list', ...target());
  assert.match(human.stdout, /ID\s+NAME\s+CREATED/);
  assert.ok(human.stdout.includes(bob.id));

  assert.equal((await token('revoke', '--id', bob.id, ...target())).code, 0);
  assert.equal((await token('revoke', '--name', 'alice', ...target())).code, 0);
  assert.deepEqual(JSON.parse((await token('list', '--json', ...target())).stdout), []);
  const none = await token('revoke', '--name', 'alice', ...target());
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no token/);

  for (const bad of [[], ['frobnicate'], ['create'], ['create', '--name', ''], ['revoke'], ['revoke', '--id', 'nope'],
    ['revoke', '--id', 'tok_00000000', '--name', 'x'], ['list', '--local', '--remote'], ['list', '--remote', '--persist-to', '/tmp'],
    ['create', '--name']]) {
    const r = await token(...bad);
    assert.equal(r.code, 2, `${bad.join(' ')} -> ${r.code} ${r.stderr}`);
    assert.match(r.stderr, /usage:|scripts\/token:/);
  }
});
