// Bearer-token management for AUTH_MODE=bearer. Run through scripts/token (which picks Node >= 22).
//
// Storage contract (shared with the Worker, src/auth):
//   KV binding `KV`, key   `bearer:<lowercase hex sha256 of the token string>`
//                   value `{"id":"tok_<8 hex>","name":"<name>","createdAt":"<ISO 8601>"}`
//                   the same JSON is stored as the key's KV metadata (so `list` needs no reads).
//   Token string: `mcpw_` + base64url (no padding) of 32 random bytes.
//
// All KV access goes through the wrangler CLI (`wrangler kv key put|list|get|delete --binding KV`).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEY_PREFIX = 'bearer:';
export const TOKEN_PREFIX = 'mcpw_';
const BINDING = 'KV';
const WRANGLER_TIMEOUT_MS = 120_000;

const USAGE = `usage:
  scripts/token create --name NAME   [target] [--json]   create a token (printed once)
  scripts/token list                 [target] [--json]   list tokens (id, name, created)
  scripts/token revoke --name NAME   [target]            revoke the token with that name
  scripts/token revoke --id tok_xxxxxxxx [target]        revoke the token with that id

target (default --local):
  --local [--persist-to DIR]   the wrangler dev KV store (default DIR: .wrangler/state)
  --remote                     the deployed KV namespace (needs wrangler login / CLOUDFLARE_API_TOKEN)
other:
  --config PATH                wrangler configuration file (default: wrangler.toml in the repo root)
  -h, --help                   this help`;

export function newTokenString() {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}
export function newTokenId() {
  return 'tok_' + randomBytes(4).toString('hex');
}
export function hashToken(token) {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
export function kvKeyFor(token) {
  return KEY_PREFIX + hashToken(token);
}

class UsageError extends Error {}

export function parseArgs(argv) {
  const o = { cmd: undefined, name: undefined, id: undefined, local: false, remote: false, persistTo: undefined, config: undefined, json: false, help: false };
  const takesValue = { '--name': 'name', '--id': 'id', '--persist-to': 'persistTo', '--config': 'config' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inlineVal;
    if (a.startsWith('--') && a.includes('=')) {
      inlineVal = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--local') o.local = true;
    else if (a === '--remote') o.remote = true;
    else if (a === '--json') o.json = true;
    else if (a in takesValue) {
      const v = inlineVal ?? argv[++i];
      if (v === undefined || (inlineVal === undefined && v.startsWith('--'))) throw new UsageError(`${a} needs a value`);
      o[takesValue[a]] = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (o.cmd === undefined) o.cmd = a;
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
  }
  if (o.help) return o;
  if (!o.cmd) throw new UsageError('missing command (create, list or revoke)');
  if (!['create', 'list', 'revoke'].includes(o.cmd)) throw new UsageError(`unknown command ${JSON.stringify(o.cmd)}`);
  if (o.local && o.remote) throw new UsageError('--local and --remote are exclusive');
  if (o.remote && o.persistTo) throw new UsageError('--persist-to only applies to --local');
  if (!o.remote) o.local = true;
  if (o.cmd === 'create') {
    if (o.id) throw new UsageError('create takes --name, not --id (ids are generated)');
    validateName(o.name);
  } else if (o.cmd === 'revoke') {
    if (!!o.name === !!o.id) throw new UsageError('revoke needs exactly one of --name NAME or --id tok_xxxxxxxx');
    if (o.id && !/^tok_[0-9a-f]{8}$/.test(o.id)) throw new UsageError(`bad --id ${JSON.stringify(o.id)} (expected tok_ + 8 hex digits)`);
  } else if (o.name || o.id) {
    throw new UsageError('list takes no --name/--id');
  }
  return o;
}

function validateName(name) {
  if (name === undefined) throw new UsageError('create needs --name NAME');
  if (!name.trim()) throw new UsageError('--name must not be empty');
  if (name.length > 100) throw new UsageError('--name is longer than 100 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new UsageError('--name must not contain control characters');
}

/** Run wrangler (the repo's copy) with this same Node binary. Resolves {code, stdout, stderr}. */
export function runWrangler(args, { cwd = REPO_ROOT, timeoutMs = WRANGLER_TIMEOUT_MS } = {}) {
  const wrangler = path.join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  if (!existsSync(wrangler)) {
    return Promise.reject(new Error(`wrangler not found at ${wrangler} (run npm install / scripts/setup)`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, ...args], {
      cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0', NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wrangler ${args.slice(0, 3).join(' ')} timed out after ${timeoutMs / 1000}s`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

function targetArgs(o) {
  const a = ['--binding', BINDING];
  if (o.config) a.push('--config', path.resolve(o.config));
  if (o.remote) a.push('--remote');
  else a.push('--local', '--persist-to', path.resolve(o.persistTo ?? path.join(REPO_ROOT, '.wrangler', 'state')));
  return a;
}

async function wranglerOk(args, what) {
  const r = await runWrangler(args);
  if (r.code !== 0) {
    const msg = (r.stderr + '\n' + r.stdout).trim().split('\n').filter((l) => l.trim()).slice(-15).join('\n');
    throw new Error(`${what} failed (wrangler exit ${r.code}):\n${msg}`);
  }
  return r;
}

function parseJsonFromOutput(out) {
  const s = out.trim();
  try {
    return JSON.parse(s);
  } catch {
    const i = s.search(/^[[{]/m);
    if (i >= 0) return JSON.parse(s.slice(i));
    throw new Error(`could not parse wrangler output as JSON:\n${s.slice(0, 500)}`);
  }
}

/** All tokens: [{key, id, name, createdAt}] */
export async function listTokens(o) {
  const r = await wranglerOk(['kv', 'key', 'list', '--prefix', KEY_PREFIX, ...targetArgs(o)], 'listing keys');
  const keys = parseJsonFromOutput(r.stdout);
  const out = [];
  for (const k of keys) {
    let meta = k.metadata;
    if (!meta || typeof meta !== 'object' || !meta.id) {
      // metadata missing (written by something else): read the value
      const g = await runWrangler(['kv', 'key', 'get', k.name, '--text', ...targetArgs(o)]);
      try {
        meta = JSON.parse(g.stdout.trim());
      } catch {
        meta = {};
      }
    }
    out.push({ key: k.name, id: meta.id ?? '?', name: meta.name ?? '?', createdAt: meta.createdAt ?? '?' });
  }
  out.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
  return out;
}

export async function createToken(o) {
  const existing = await listTokens(o);
  if (existing.some((t) => t.name === o.name)) {
    throw new UsageError(`a token named ${JSON.stringify(o.name)} already exists; revoke it first or pick another name`);
  }
  const token = newTokenString();
  const record = { id: newTokenId(), name: o.name, createdAt: new Date().toISOString() };
  const json = JSON.stringify(record);
  await wranglerOk(['kv', 'key', 'put', kvKeyFor(token), json, '--metadata', json, ...targetArgs(o)], 'writing the token');
  return { token, ...record, key: kvKeyFor(token) };
}

export async function revokeToken(o) {
  const all = await listTokens(o);
  const hits = all.filter((t) => (o.id ? t.id === o.id : t.name === o.name));
  if (hits.length === 0) throw new UsageError(`no token with ${o.id ? `id ${o.id}` : `name ${JSON.stringify(o.name)}`}`);
  for (const h of hits) {
    await wranglerOk(['kv', 'key', 'delete', h.key, ...targetArgs(o)], `deleting ${h.id}`);
  }
  return hits;
}

function where(o) {
  if (o.remote) return 'remote KV namespace';
  const dir = path.resolve(o.persistTo ?? path.join(REPO_ROOT, '.wrangler', 'state'));
  const rel = path.relative(process.cwd(), dir);
  return `local KV (${rel && !rel.startsWith('..') ? rel : dir})`;
}

export async function main(argv) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`scripts/token: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  if (!o.config && !existsSync(path.join(REPO_ROOT, 'wrangler.toml')) && !existsSync(path.join(REPO_ROOT, 'wrangler.jsonc')) && !existsSync(path.join(REPO_ROOT, 'wrangler.json'))) {
    console.error(`scripts/token: no wrangler configuration in ${REPO_ROOT} (pass --config PATH)`);
    return 1;
  }
  try {
    if (o.cmd === 'create') {
      const t = await createToken(o);
      if (o.json) console.log(JSON.stringify({ token: t.token, id: t.id, name: t.name, createdAt: t.createdAt }));
      else {
        console.log(`Created token ${t.id} (${JSON.stringify(t.name)}) in the ${where(o)}:\n\n  ${t.token}\n`);
        console.log('Copy it now: it cannot be shown again (only its SHA-256 is stored).');
        console.log('Use it as:  Authorization: Bearer <token>');
      }
    } else if (o.cmd === 'list') {
      const all = await listTokens(o);
      if (o.json) console.log(JSON.stringify(all.map(({ id, name, createdAt }) => ({ id, name, createdAt }))));
      else if (all.length === 0) console.log(`No tokens in the ${where(o)}.`);
      else {
        const w = Math.max(4, ...all.map((t) => t.name.length));
        console.log(`${'ID'.padEnd(12)}  ${'NAME'.padEnd(w)}  CREATED`);
        for (const t of all) console.log(`${t.id.padEnd(12)}  ${t.name.padEnd(w)}  ${t.createdAt}`);
      }
    } else {
      const gone = await revokeToken(o);
      for (const g of gone) console.log(`Revoked ${g.id} (${JSON.stringify(g.name)}) in the ${where(o)}.`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`scripts/token: ${e.message}`);
      return 2;
    }
    console.error(`scripts/token: ${e.message}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    console.error(`scripts/token: Node >= 22 required (this is ${process.version}); run it via scripts/token`);
    process.exit(1);
  }
  process.exitCode = await main(process.argv.slice(2));
}
