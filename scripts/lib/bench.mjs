// Benchmark of the Worker under `wrangler dev` (run it through scripts/bench, which sets up and builds).
//
// Measures, on 127.0.0.1 only, with raw fetch (no SDK) and a hand-written SSE parser:
//   - GET /healthz (the floor: no Durable Object, no KV)
//   - tools/call `whoami` (no upstream) and `getGithubReadme` octocat/Hello-World (one fetch to a
//     fake GitHub) over Streamable HTTP legacy era (2025-11-25, session in a Durable Object),
//     Streamable HTTP modern era (2026-07-28, stateless) and HTTP+SSE (2024-11-05)
//   each: warm-up, N sequential calls, then N calls with C in flight on the same session/endpoint;
//   - the bundle `wrangler deploy --dry-run` would upload, raw and gzip -9 per file.
//
// Options: --calls N (500)  --warmup N (50)  --concurrency C (8)  --json PATH
//          --phase-timeout S (300; a phase stops early, marked truncated, when it runs longer)
//          --ready-timeout S (90)  --skip-bundle  --skip-latency  --keep-logs
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { parseSseBlock, parseSseText } from './sse.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRANGLER = path.join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const LEGACY_VERSION = '2025-11-25';
const MODERN_VERSION = '2026-07-28';
const ACCEPT_BOTH = 'application/json, text/event-stream';
const REQUEST_TIMEOUT_MS = 30_000;
const README_ARGS = { repositoryUrl: 'octocat/Hello-World' };

// The TypeScript reference (docs: typescript-reference.md §13; tools/call `add`, SDK client, same kind of VM).
const REFERENCE = {
  mcpP50: 21.1,
  sseP50: 14.1,
  floorP50: '4.8–8.3',
  bundleGzipBytes: 453_521,
  bundleUploadGzip: '449.00 KiB',
};
const TARGET_P50_FLOOR_RATIO = 1.5;
const TARGET_BUNDLE_GZIP_BYTES = 250_000; // "under 250 KB gzip", read strictly as 250 000 bytes

// ------------------------------------------------------------------ options

let opts;
try {
  opts = parseArgs({
    options: {
      calls: { type: 'string', default: '500' },
      warmup: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '8' },
      json: { type: 'string' },
      'phase-timeout': { type: 'string', default: '300' },
      'ready-timeout': { type: 'string', default: '90' },
      'skip-bundle': { type: 'boolean', default: false },
      'skip-latency': { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false }, // handled by scripts/bench
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(`bench: ${e.message} (see scripts/bench --help)`);
  process.exit(2);
}
if (opts.help) {
  console.log(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'bench'), 'utf8').split('\n').filter((l) => l.startsWith('#') && !l.startsWith('#!')).map((l) => l.replace(/^# ?/, '')).join('\n'));
  process.exit(0);
}
const posInt = (name, min = 1) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench: --${name} must be an integer >= ${min} (got ${opts[name]})`);
    process.exit(2);
  }
  return v;
};
const CALLS = posInt('calls');
const WARMUP = posInt('warmup', 0);
const CONCURRENCY = posInt('concurrency');
const PHASE_TIMEOUT_MS = posInt('phase-timeout') * 1000;
const READY_TIMEOUT_MS = posInt('ready-timeout') * 1000;

// ------------------------------------------------------------------ processes

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const groups = new Set(); // pids of process groups we started
let workDir = null; // temp dir: wrangler logs, --persist-to, dry-run output

function killGroupNow(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}
process.on('exit', () => {
  for (const pid of groups) killGroupNow(pid);
});
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    interrupted = true;
    log(`${sig}: stopping`);
    for (const pid of groups) killGroupNow(pid);
    if (workDir && !opts['keep-logs']) fs.rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  });
}

function spawnGroup(cmd, args, options) {
  const child = spawn(cmd, args, { ...options, detached: true });
  groups.add(child.pid);
  child.once('exit', () => {
    // the leader is gone; workerd children may linger in the group
    killGroupNow(child.pid);
    groups.delete(child.pid);
  });
  return child;
}

async function stopGroup(child, graceMs = 5_000) {
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

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

const tail = (file, n = 40) => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
};

function run(cmd, args, { env = {}, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  MCPW_SKIP_BUILD: '1',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

/** The fake GitHub in its own process, so it does not share the client's event loop. */
async function startFakeGitHub(workDir) {
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

async function startWorker(workDir, githubUrl) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const persistDir = path.join(workDir, 'persist');
  fs.mkdirSync(persistDir, { recursive: true });
  const logFile = path.join(workDir, 'wrangler-dev.log');
  const args = [
    WRANGLER, 'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistDir,
    '--show-interactive-dev-session', 'false',
    '--var', 'AUTH_MODE:none',
    '--var', 'MCP_TOOLSETS:github',
    '--var', `GITHUB_API_URL:${githubUrl}`,
    '--var', `GITHUB_WEB_URL:${githubUrl}`,
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawnGroup(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...WRANGLER_ENV, WRANGLER_LOG_PATH: path.join(workDir, 'wrangler-debug') },
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const t0 = now();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited before it was ready (code ${child.exitCode}, signal ${child.signalCode}).\n--- ${logFile} ---\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`the worker did not come up: GET ${url}/healthz was not 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}).\n--- ${logFile} ---\n${tail(logFile)}`);
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
  return { url, port, child, logFile, readyMs: now() - t0 };
}

// ------------------------------------------------------------------ MCP clients (raw fetch)

const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, params });

/** Checks a JSON-RPC response to tools/call; throws with the reason if it is not a success. */
function checkCallResponse(msg, what) {
  if (!msg) throw new Error(`${what}: no JSON-RPC response`);
  if (msg.error) throw new Error(`${what}: JSON-RPC error ${JSON.stringify(msg.error).slice(0, 300)}`);
  if (!msg.result) throw new Error(`${what}: response without result: ${JSON.stringify(msg).slice(0, 300)}`);
  if (msg.result.isError) throw new Error(`${what}: tool error: ${JSON.stringify(msg.result.content ?? msg.result).slice(0, 300)}`);
  return msg.result;
}

/** POST one JSON-RPC message to /mcp; → {status, headers, message (the response with that id, if any)}. */
async function mcpPost(url, body, headers) {
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
async function legacyClient(base) {
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

/** Streamable HTTP, modern era: every POST stands alone. */
async function modernClient(base) {
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
async function sseClient(base) {
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

// ------------------------------------------------------------------ measuring

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const k = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(k, sorted.length) - 1];
}

function summarise(latencies, wallMs, truncated) {
  const s = [...latencies].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    min: s[0] ?? null,
    max: s.at(-1) ?? null,
    mean,
    rps: s.length && wallMs > 0 ? (s.length * 1000) / wallMs : null,
    wallMs,
    truncated,
  };
}

/** `total` calls of `fn`, `inFlight` at a time; bounded by PHASE_TIMEOUT_MS. */
async function measure(label, fn, total, inFlight) {
  const latencies = [];
  const deadline = now() + PHASE_TIMEOUT_MS;
  let next = 0;
  let truncated = false;
  const t0 = now();
  const worker = async () => {
    while (next < total && !interrupted) {
      if (now() > deadline) {
        truncated = true;
        return;
      }
      next++;
      const s = now();
      await fn();
      latencies.push(now() - s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  const wallMs = now() - t0;
  if (truncated) log(`warning: ${label} stopped after ${latencies.length}/${total} calls (--phase-timeout ${PHASE_TIMEOUT_MS / 1000} s)`);
  return summarise(latencies, wallMs, truncated);
}

async function bench(row, fn) {
  log(`${row.label}: ${WARMUP} warm-up, ${CALLS} sequential, ${CALLS} with ${CONCURRENCY} in flight`);
  if (WARMUP) await measure(`${row.label} warm-up`, fn, WARMUP, 1);
  const seq = await measure(`${row.label} sequential`, fn, CALLS, 1);
  const conc = await measure(`${row.label} ${CONCURRENCY} in flight`, fn, CALLS, CONCURRENCY);
  return { ...row, sequential: seq, concurrent: conc };
}

async function latencyRows(base) {
  const rows = [];
  rows.push(await bench({ key: 'floor', label: 'GET /healthz (floor)', transport: 'floor', tool: null, connectMs: null }, async () => {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`GET /healthz: HTTP ${r.status}`);
  }));
  const transports = [
    { key: 'legacy', label: 'Streamable /mcp, legacy 2025-11-25 (DO session)', make: legacyClient },
    { key: 'modern', label: 'Streamable /mcp, modern 2026-07-28 (stateless)', make: modernClient },
    { key: 'sse', label: 'HTTP+SSE /sse, 2024-11-05 (DO session)', make: sseClient },
  ];
  const tools = [
    { name: 'whoami', args: {}, check: (res) => res.structuredContent?.authMode === 'none' || `unexpected result ${JSON.stringify(res).slice(0, 200)}` },
    { name: 'getGithubReadme', args: README_ARGS, check: (res) => JSON.stringify(res).includes('Hello World') || `no README text in ${JSON.stringify(res).slice(0, 200)}` },
  ];
  for (const tool of tools) {
    for (const t of transports) {
      const client = await t.make(base);
      try {
        const first = await client.call(tool.name, tool.args);
        const ok = tool.check(first);
        if (ok !== true) throw new Error(`${t.label} ${tool.name}: ${ok}`);
        rows.push(await bench(
          { key: `${t.key}:${tool.name}`, label: `${t.label}`, transport: t.key, tool: tool.name, connectMs: client.connectMs },
          () => client.call(tool.name, tool.args),
        ));
      } finally {
        await client.close();
      }
    }
  }
  return rows;
}

// ------------------------------------------------------------------ bundle

async function bundleSize(workDir) {
  const outdir = path.join(workDir, 'dist');
  log('bundle: wrangler deploy --dry-run');
  const r = await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir], { env: WRANGLER_ENV });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${r.code}):\n${output.slice(-3000)}`);
  const m = output.match(/Total Upload:\s*([\d.]+\s*\S+)\s*\/\s*gzip:\s*([\d.]+\s*\S+)/);
  const files = [];
  for (const name of fs.readdirSync(outdir).sort()) {
    const p = path.join(outdir, name);
    if (!fs.statSync(p).isFile()) continue;
    const buf = fs.readFileSync(p);
    const deployed = /\.(m?js|wasm)$/.test(name);
    files.push({ name, deployed, rawBytes: buf.length, gzipBytes: zlib.gzipSync(buf, { level: 9 }).length });
  }
  const dep = files.filter((f) => f.deployed);
  if (!dep.length) throw new Error(`wrangler deploy --dry-run wrote no .js/.wasm files into ${outdir}`);
  return {
    files,
    totalRawBytes: dep.reduce((a, f) => a + f.rawBytes, 0),
    totalGzipBytes: dep.reduce((a, f) => a + f.gzipBytes, 0),
    wranglerTotalUpload: m ? { raw: m[1], gzip: m[2], line: m[0] } : null,
  };
}

// ------------------------------------------------------------------ report

const f1 = (v) => (v === null || v === undefined ? '—' : v.toFixed(1));
const f2 = (v) => (v === null || v === undefined ? '—' : v.toFixed(2));
const bytes = (v) => v.toLocaleString('en-US').replace(/,/g, ' ');
const kib = (v) => `${(v / 1024).toFixed(1)} KiB`;

function environment() {
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
    node: process.version,
    wrangler: wranglerVersion,
  };
}

function report(result) {
  const L = [];
  const e = result.environment;
  L.push('# github-mcp-worker benchmark');
  L.push('');
  L.push(`${e.date} · commit ${e.commit}${e.dirty ? ' + uncommitted changes to src/Cargo/wrangler.toml' : ''} · ${e.cpus}× ${e.cpu}, ${e.memGiB} GiB · Node ${e.node} · wrangler ${e.wrangler} dev on 127.0.0.1`);
  L.push(`Calls per phase: ${result.params.warmup} warm-up, ${result.params.calls} sequential, ${result.params.calls} with ${result.params.concurrency} in flight on the same session/endpoint. Latency in ms; rps = calls/s.`);
  if (result.worker) L.push(`wrangler dev ready (GET /healthz 200) after ${Math.round(result.worker.readyMs)} ms.`);
  L.push('');
  if (result.latency) {
    L.push('## Latency and throughput');
    L.push('');
    L.push(`| Route / transport | tool | connect | seq p50 | seq p90 | seq p99 | seq rps | ${CONCURRENCY}-in-flight p50 | p90 | p99 | rps |`);
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of result.latency) {
      const s = r.sequential;
      const c = r.concurrent;
      const tr = s.truncated || c.truncated ? ' (truncated)' : '';
      L.push(`| ${r.label}${tr} | ${r.tool ?? '—'} | ${f1(r.connectMs)} | ${f2(s.p50)} | ${f2(s.p90)} | ${f2(s.p99)} | ${f1(s.rps)} | ${f2(c.p50)} | ${f2(c.p90)} | ${f2(c.p99)} | ${f1(c.rps)} |`);
    }
    L.push('');
  }
  if (result.bundle) {
    const b = result.bundle;
    L.push('## Bundle (`wrangler deploy --dry-run`, gzip -9 per file)');
    L.push('');
    L.push('| file | raw bytes | gzip -9 bytes |');
    L.push('| --- | --- | --- |');
    for (const f of b.files) {
      L.push(`| ${f.name}${f.deployed ? '' : ' (not uploaded)'} | ${bytes(f.rawBytes)} | ${bytes(f.gzipBytes)} |`);
    }
    L.push(`| **total uploaded (.js + .wasm)** | **${bytes(b.totalRawBytes)}** (${kib(b.totalRawBytes)}) | **${bytes(b.totalGzipBytes)}** (${kib(b.totalGzipBytes)}) |`);
    L.push('');
    L.push(`wrangler: \`${b.wranglerTotalUpload ? b.wranglerTotalUpload.line : '(no "Total Upload" line found)'}\``);
    L.push('');
  }
  L.push('## Against the TypeScript reference and the targets');
  L.push('');
  L.push('| figure | TypeScript reference | target | this run | meets target |');
  L.push('| --- | --- | --- | --- | --- |');
  for (const c of result.comparison) {
    L.push(`| ${c.figure} | ${c.reference} | ${c.target} | ${c.value} | ${c.pass === null ? '—' : c.pass ? 'yes' : 'no'} |`);
  }
  L.push('');
  L.push('Reference: typescript-reference.md §13 (SDK 1.32.2 client, tools/call `add`, medians of 3 runs; the floor there was GET of the OAuth metadata). Compare only runs on the same machine.');
  return L.join('\n');
}

function compare(result) {
  const out = [];
  const row = (key) => result.latency?.find((r) => r.key === key);
  const floor = row('floor')?.sequential.p50 ?? null;
  const limit = floor === null ? null : floor * TARGET_P50_FLOOR_RATIO;
  if (floor !== null) {
    out.push({ figure: 'floor GET /healthz, seq p50', reference: `${REFERENCE.floorP50} ms`, target: '—', value: `${f2(floor)} ms`, pass: null });
  }
  const lat = [
    ['legacy:whoami', 'Streamable /mcp legacy, whoami, seq p50', REFERENCE.mcpP50],
    ['modern:whoami', 'Streamable /mcp modern, whoami, seq p50', REFERENCE.mcpP50],
    ['sse:whoami', 'SSE /sse, whoami, seq p50', REFERENCE.sseP50],
  ];
  for (const [key, figure, ref] of lat) {
    const r = row(key);
    if (!r) continue;
    const v = r.sequential.p50;
    out.push({
      figure,
      reference: `${ref} ms`,
      target: limit === null ? `≤ ${TARGET_P50_FLOOR_RATIO}× floor` : `≤ ${TARGET_P50_FLOOR_RATIO}× floor = ${f2(limit)} ms`,
      value: `${f2(v)} ms (${f2(v / floor)}× floor, ${f2(ref / v)}× faster than TS)`,
      valueMs: v,
      pass: limit === null ? null : v <= limit,
    });
  }
  if (result.bundle) {
    const g = result.bundle.totalGzipBytes;
    out.push({
      figure: 'bundle, gzip -9 total',
      reference: `${bytes(REFERENCE.bundleGzipBytes)} B (wrangler gzip ${REFERENCE.bundleUploadGzip})`,
      target: `< ${bytes(TARGET_BUNDLE_GZIP_BYTES)} B`,
      value: `${bytes(g)} B (${kib(g)}; wrangler gzip ${result.bundle.wranglerTotalUpload?.gzip ?? '?'})`,
      valueBytes: g,
      pass: g < TARGET_BUNDLE_GZIP_BYTES,
    });
  }
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  if (!fs.existsSync(WRANGLER)) throw new Error(`${WRANGLER} is missing: run scripts/setup`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'build', 'index.js'))) throw new Error('build/index.js is missing: run scripts/build (scripts/bench does unless --no-build)');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpw-bench-'));
  const result = {
    environment: environment(),
    params: { calls: CALLS, warmup: WARMUP, concurrency: CONCURRENCY, phaseTimeoutS: PHASE_TIMEOUT_MS / 1000 },
    reference: REFERENCE,
    targets: { p50FloorRatio: TARGET_P50_FLOOR_RATIO, bundleGzipBytes: TARGET_BUNDLE_GZIP_BYTES },
  };
  let failed = false;
  let gh;
  let worker;
  try {
    if (!opts['skip-bundle']) result.bundle = await bundleSize(workDir);
    if (!opts['skip-latency']) {
      gh = await startFakeGitHub(workDir);
      log(`fake GitHub on ${gh.url}; starting wrangler dev`);
      worker = await startWorker(workDir, gh.url);
      log(`worker ready on ${worker.url} after ${Math.round(worker.readyMs)} ms`);
      result.worker = { readyMs: worker.readyMs };
      result.latency = await latencyRows(worker.url);
    }
  } catch (e) {
    failed = true;
    console.error(`bench: FAILED: ${e.message}`);
    if (worker) console.error(`--- ${worker.logFile} (tail) ---\n${tail(worker.logFile, 30)}`);
  } finally {
    if (worker) await stopGroup(worker.child);
    if (gh) await stopGroup(gh.child);
  }
  if (failed) {
    if (!opts['keep-logs']) log(`logs kept in ${workDir}`);
    process.exit(1);
  }
  result.comparison = compare(result);
  console.log(report(result));
  if (opts.json) {
    fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    fs.writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
    log(`JSON written to ${opts.json}`);
  }
  if (opts['keep-logs']) log(`logs in ${workDir}`);
  else fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(`bench: FAILED: ${e.stack ?? e.message}`);
  process.exit(1);
});
