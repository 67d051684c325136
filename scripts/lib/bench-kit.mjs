// Shared by scripts/lib/bench.mjs and scripts/lib/load.mjs: the processes a benchmark starts
// (a fake GitHub, `wrangler dev` on 127.0.0.1), bounded and killed as a group on exit, and raw
// MCP clients (fetch, no SDK) for Streamable HTTP in both eras and for HTTP+SSE.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { parseSseBlock, parseSseText } from './sse.mjs';
import { freePort, tail } from './proc.mjs';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../../tests/fake-github/oauth.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WRANGLER = path.join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
const ACCEPT_BOTH = 'application/json, text/event-stream';
export const REQUEST_TIMEOUT_MS = 30_000;

// ------------------------------------------------------------------ processes

export const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();
const groups = new Set(); // pids of process groups we started
/** Called on SIGINT/SIGTERM/SIGHUP before exiting (the caller removes its temp dir). */
let cleanup = () => {};
export const onInterrupt = (fn) => {
  cleanup = fn;
};

function killGroupNow(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}
process.on('exit', () => {
  for (const pid of groups) killGroupNow(pid);
});
let interrupted = false;
export const isInterrupted = () => interrupted;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    interrupted = true;
    log(`${sig}: stopping`);
    for (const pid of groups) killGroupNow(pid);
    cleanup();
    process.exit(130);
  });
}

export function spawnGroup(cmd, args, options) {
  const child = spawn(cmd, args, { ...options, detached: true });
  groups.add(child.pid);
  child.once('exit', () => {
    // the leader is gone; workerd children may linger in the group
    killGroupNow(child.pid);
    groups.delete(child.pid);
  });
  return child;
}

export async function stopGroup(child, graceMs = 5_000) {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit').catch(() => {});
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    await Promise.race([exited, sleep(graceMs)]);
  }
  killGroupNow(child.pid);
  groups.delete(child.pid);
}

// A free loopback port, and the last lines of a log (shared with the end-to-end harness).
export { freePort, tail };

/**
 * The variables of our Worker in `AUTH_MODE=mode` against the fake GitHub at `githubUrl`
 * (the GitHub toolset, tool-call limits off, our LOG_LEVEL `logLevel`); in `oauth` mode also
 * the fake OAuth App and a fresh cookie key. `extra` goes last.
 */
export function ourVars(mode, githubUrl, logLevel, extra = {}) {
  const oauth = mode === 'oauth'
    ? { GITHUB_CLIENT_ID: FAKE_CLIENT_ID, GITHUB_CLIENT_SECRET: FAKE_CLIENT_SECRET, COOKIE_ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex') }
    : {};
  return {
    ...oauth,
    AUTH_MODE: mode,
    MCP_TOOLSETS: 'github',
    GITHUB_API_URL: githubUrl,
    GITHUB_WEB_URL: githubUrl,
    TOOL_CALL_LIMITS: 'off',
    LOG_LEVEL: logLevel,
    ...extra,
  };
}

/** The p-th percentile (nearest rank) of an ascending array; null when it is empty. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** Issue 10's bundle aim, "≤ 250 KB gzip", read as 250 000 bytes. */
export const BUNDLE_TARGET_GZIP_BYTES = 250_000;

/**
 * `wrangler deploy --dry-run --outdir outdir` in `cwd`: every file it wrote, each with its raw
 * and gzip -9 bytes and whether it is uploaded (.js/.mjs/.wasm); the totals of the uploaded
 * ones; and wrangler's own "Total Upload" line.
 */
export async function dryRunBundle(cwd, outdir) {
  const r = await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir], { env: WRANGLER_ENV, timeoutMs: 300_000, cwd });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.code !== 0) throw new Error(`wrangler deploy --dry-run in ${cwd} failed (exit ${r.code}):\n${output.slice(-3000)}`);
  const files = [];
  for (const name of fs.readdirSync(outdir, { recursive: true }).sort()) {
    const p = path.join(outdir, name);
    if (!fs.statSync(p).isFile()) continue;
    const buf = fs.readFileSync(p);
    const deployed = /\.(m?js|wasm)$/.test(name);
    files.push({ name, path: p, deployed, rawBytes: buf.length, gzipBytes: zlib.gzipSync(buf, { level: 9 }).length });
  }
  const uploaded = files.filter((f) => f.deployed);
  if (!uploaded.length) throw new Error(`wrangler deploy --dry-run wrote no .js/.wasm files into ${outdir}`);
  const m = output.match(/Total Upload:\s*([\d.]+\s*\S+)\s*\/\s*gzip:\s*([\d.]+\s*\S+)/);
  return {
    files,
    uploaded,
    rawBytes: uploaded.reduce((a, f) => a + f.rawBytes, 0),
    gzipBytes: uploaded.reduce((a, f) => a + f.gzipBytes, 0),
    wranglerUpload: m ? { raw: m[1], gzip: m[2], line: m[0] } : null,
  };
}

export function run(cmd, args, { env = {}, timeoutMs = 180_000, cwd = REPO_ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      stopGroup(child, 1000);
      reject(new Error(`timed out after ${timeoutMs} ms: ${path.basename(cmd)} ${args.join(' ')}\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  MCPW_SKIP_BUILD: '1',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

/** The fake GitHub in its own process, so it does not share the client's event loop. */
export async function startFakeGitHub(workDir) {
  const logFile = path.join(workDir, 'fake-github.log');
  const child = spawnGroup(process.execPath, [path.join(REPO_ROOT, 'tests', 'fake-github', 'server.mjs'), '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'], // stderr is a line per request
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`fake GitHub did not start within 15 s; stdout: ${out}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      fs.appendFileSync(logFile, d);
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`fake GitHub exited early (code ${code}); stdout: ${out}`));
    });
  });
  return { url, child };
}

/** `wrangler dev` in AUTH_MODE=none against the fake GitHub, plus `vars`; waits for GET /healthz. */
export function startWorker(workDir, githubUrl, { vars = {}, readyTimeoutMs = 90_000 } = {}) {
  return startDev(workDir, {
    cwd: REPO_ROOT,
    readyTimeoutMs,
    vars: { AUTH_MODE: 'none', MCP_TOOLSETS: 'github', GITHUB_API_URL: githubUrl, GITHUB_WEB_URL: githubUrl, ...vars },
  });
}

/**
 * `wrangler dev` of the Worker configured in `cwd`, on 127.0.0.1, with `vars`, its state and log
 * in `dir`; waits for GET /healthz = 200. → {url, port, child, logFile, persistDir, readyMs}
 */
export async function startDev(dir, { cwd, vars = {}, readyTimeoutMs = 90_000 }) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const persistDir = path.join(dir, 'persist');
  fs.mkdirSync(persistDir, { recursive: true });
  const logFile = path.join(dir, 'wrangler-dev.log');
  const args = [
    WRANGLER, 'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistDir,
    '--show-interactive-dev-session', 'false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawnGroup(process.execPath, args, {
    cwd,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...WRANGLER_ENV, WRANGLER_LOG_PATH: path.join(dir, 'wrangler-debug') },
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const t0 = now();
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited before it was ready (code ${child.exitCode}, signal ${child.signalCode}).\n--- ${logFile} ---\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`the worker did not come up: GET ${url}/healthz was not 200 within ${readyTimeoutMs / 1000} s (last: ${last}).\n--- ${logFile} ---\n${tail(logFile)}`);
    }
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3_000) });
      const body = await r.text();
      if (r.status === 200) break;
      last = `HTTP ${r.status} ${body.slice(0, 200)}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(100);
  }
  return { url, port, inspectorPort, child, logFile, persistDir, readyMs: now() - t0 };
}

/** Prints the report, writes the JSON when asked, and removes the temp dir unless kept. */
export function finish({ text, result, json, keepLogs, workDir, replacer = null }) {
  console.log(text);
  if (json) {
    fs.mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(result, replacer, 2) + '\n');
    log(`JSON written to ${json}`);
  }
  if (keepLogs) log(`logs in ${workDir}`);
  else fs.rmSync(workDir, { recursive: true, force: true });
}

/** Runs a benchmark's main(); a failure exits 1 with its stack. */
export function runMain(main) {
  main().catch((e) => {
    console.error(`bench: FAILED: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}

/** The machine, the commit and the tools, for a report's heading. */
export function environment() {
  const git = (args) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  let wranglerVersion = null;
  try {
    wranglerVersion = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version;
  } catch {}
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    // build inputs that differ from the commit (tracked or not): then build/ is not that commit
    dirty: git(['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock', 'wrangler.toml']).length > 0,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    node: process.version,
    wrangler: wranglerVersion,
  };
}

// ------------------------------------------------------------------ MCP clients (raw fetch)

export const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, params });

/** Checks a JSON-RPC response to tools/call; throws with the reason if it is not a success. */
export function checkCallResponse(msg, what) {
  if (!msg) throw new Error(`${what}: no JSON-RPC response`);
  if (msg.error) throw new Error(`${what}: JSON-RPC error ${JSON.stringify(msg.error).slice(0, 300)}`);
  if (!msg.result) throw new Error(`${what}: response without result: ${JSON.stringify(msg).slice(0, 300)}`);
  if (msg.result.isError) throw new Error(`${what}: tool error: ${JSON.stringify(msg.result.content ?? msg.result).slice(0, 300)}`);
  return msg.result;
}

/** POST one JSON-RPC message to /mcp; → {status, headers, message (the response with that id, if any)}. */
export async function mcpPost(url, body, headers) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await r.text();
  const ct = r.headers.get('content-type') ?? '';
  let messages = [];
  if (ct.includes('text/event-stream')) {
    for (const e of parseSseText(text)) {
      if (!e.data) continue;
      try {
        messages.push(JSON.parse(e.data));
      } catch {}
    }
  } else if (text) {
    try {
      const j = JSON.parse(text);
      messages = Array.isArray(j) ? j : [j];
    } catch {}
  }
  const message = messages.find((m) => m && m.id === body.id && ('result' in m || 'error' in m));
  return { status: r.status, headers: r.headers, text, message };
}

/** Streamable HTTP, legacy era: initialize → session id; calls carry mcp-session-id. */
export async function legacyClient(base) {
  const url = `${base}/mcp`;
  const t0 = now();
  const init = await mcpPost(url, rpc(1, 'initialize', {
    protocolVersion: LEGACY_VERSION,
    capabilities: {},
    clientInfo: { name: 'mcpw-bench', version: '0.0.0' },
  }), {});
  if (init.status !== 200 || !init.message?.result) throw new Error(`legacy initialize: HTTP ${init.status} ${init.text.slice(0, 300)}`);
  const sid = init.headers.get('mcp-session-id');
  if (!sid) throw new Error('legacy initialize: no mcp-session-id header');
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': init.message.result.protocolVersion };
  const n = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await n.arrayBuffer();
  if (n.status !== 202) throw new Error(`legacy notifications/initialized: HTTP ${n.status}`);
  const connectMs = now() - t0;
  let id = 1;
  return {
    connectMs,
    async call(name, args) {
      const r = await mcpPost(url, rpc(++id, 'tools/call', { name, arguments: args }), headers);
      if (r.status !== 200) throw new Error(`legacy tools/call ${name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      return checkCallResponse(r.message, `legacy tools/call ${name}`);
    },
    async close() {
      try {
        const r = await fetch(url, { method: 'DELETE', headers, signal: AbortSignal.timeout(5_000) });
        await r.arrayBuffer();
      } catch {}
    },
  };
}

/** Streamable HTTP, modern era: every POST stands alone (with `Authorization: Bearer token` when given). */
export async function modernClient(base, token) {
  const url = `${base}/mcp`;
  let id = 0;
  return {
    connectMs: null,
    async call(name, args) {
      const body = rpc(++id, 'tools/call', {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      });
      const r = await mcpPost(url, body, {
        'MCP-Protocol-Version': MODERN_VERSION,
        'Mcp-Method': 'tools/call',
        'Mcp-Name': name,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      });
      if (r.status !== 200) throw new Error(`modern tools/call ${name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      return checkCallResponse(r.message, `modern tools/call ${name}`);
    },
    async close() {},
  };
}

/**
 * HTTP+SSE (2024-11-05): GET /sse, POST to the endpoint it names (202), responses on the stream.
 * A call's latency runs from the POST until both its 202 and its response event have arrived.
 */
export async function sseClient(base) {
  const t0 = now();
  const ac = new AbortController();
  const connectTimer = setTimeout(() => ac.abort(new Error('GET /sse: no response headers within 30 s')), REQUEST_TIMEOUT_MS);
  let r;
  try {
    r = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  } finally {
    clearTimeout(connectTimer);
  }
  if (r.status !== 200 || !r.body) throw new Error(`GET /sse: HTTP ${r.status}`);
  const pending = new Map(); // id → {resolve, reject}
  let endpointResolve;
  let endpointReject;
  const endpoint = new Promise((res, rej) => {
    endpointResolve = res;
    endpointReject = rej;
  });
  let closed = false;
  let streamError = null;
  const failAll = (err) => {
    streamError = err;
    endpointReject(err);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of r.body) {
        const at = now();
        buf += dec.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const e = parseSseBlock(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (!e) continue;
          if (e.event === 'endpoint') {
            endpointResolve(new URL(e.data, base).href);
            continue;
          }
          if (e.event !== 'message' || !e.data) continue;
          let m;
          try {
            m = JSON.parse(e.data);
          } catch {
            continue;
          }
          const p = m && pending.get(m.id);
          if (p && ('result' in m || 'error' in m)) {
            pending.delete(m.id);
            p.resolve({ message: m, at });
          }
        }
      }
      if (!closed) failAll(new Error('the /sse stream ended'));
    } catch (e) {
      if (!closed) failAll(new Error(`the /sse stream failed: ${e.message}`));
    }
  })();
  let timer;
  const postUrl = await Promise.race([
    endpoint,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error('GET /sse: no endpoint event within 30 s')), REQUEST_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));

  const post = async (body) => {
    const res = await fetch(postUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`POST ${new URL(postUrl).pathname}: HTTP ${res.status} ${text.slice(0, 300)}`);
  };
  const request = async (id, method, params) => {
    if (streamError) throw streamError;
    let t;
    const answer = new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      t = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method} (id ${id}): no response on /sse within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
    });
    try {
      const [, a] = await Promise.all([post(rpc(id, method, params)), answer]);
      return a.message;
    } finally {
      clearTimeout(t);
    }
  };
  const init = await request(1, 'initialize', {
    protocolVersion: '2024-11-05',
    capabilities: {},
    clientInfo: { name: 'mcpw-bench', version: '0.0.0' },
  });
  if (!init?.result) throw new Error(`SSE initialize: ${JSON.stringify(init).slice(0, 300)}`);
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const connectMs = now() - t0;
  let id = 1;
  return {
    connectMs,
    async call(name, args) {
      const m = await request(++id, 'tools/call', { name, arguments: args });
      return checkCallResponse(m, `SSE tools/call ${name}`);
    },
    async close() {
      closed = true;
      ac.abort();
    },
  };
}

// ------------------------------------------------------------------ tokens

/** A bearer token issued the way operators and the tests do: scripts/token into the local KV. */
export async function bearerToken(persistDir) {
  const r = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'lib', 'token.mjs'), 'create', '--name', 'bench', '--json', '--local', '--persist-to', persistDir], { env: WRANGLER_ENV });
  if (r.code !== 0) throw new Error(`scripts/token create failed (${r.code}): ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).token;
}

/** An OAuth access token through the real flow: register, sign in at the fake GitHub, consent, /token. */
export async function oauthToken(base) {
  const { oauthSignIn } = await import(path.join(REPO_ROOT, 'tests', 'e2e', 'browser.mjs'));
  return (await oauthSignIn(base)).tokens.access_token;
}
