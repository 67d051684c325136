// The standing comparison of scripts/bench (its default mode): our Worker beside the bench
// fixture bench/agents-worker (npm `agents` 0.32 `createMcpHandler`, one trivial `whoami`
// tool), each under its own `wrangler dev` on 127.0.0.1, measured in the same run.
//
// Each round measures, one server after the other (which goes first alternates by round):
//   - floor: GET /healthz, ours and theirs, and a third Worker, bench/rust-floor: worker-rs's
//     leanest Worker (the same entry, shim and build as ours, and nothing else), without and
//     with one log line like ours; this splits our floor into what any Rust Worker pays, what
//     the log line costs and what our own code adds;
//   - 2026-07-28 stateless tools/call `whoami`, ours and theirs;
//   - legacy: our /mcp 2025-11-25 session (Durable Object) beside their stateless legacy lane,
//     and bench/rust-floor's GET /object (one hop to a Durable Object and back, nothing else);
//   - auth: our 2026-07-28 `whoami` with AUTH_MODE=none, bearer and oauth, each its own
//     `wrangler dev` that serves this phase alone (bearer and oauth with a token issued the way
//     the tests issue them), so the three idle and warm up alike; also the `none` server of the
//     other phases, as a second anchor (`--phases auth` leaves it idle too).
// Per phase: warm-up calls, then N sequential calls: p50 of their latencies, and the CPU
// seconds (utime + stime, /proc) of the workerd processes under that server's `wrangler dev`
// over those N calls, per 1000 calls. Figures are paired per round (ours ÷ theirs) and the
// report gives the median of the per-round ratios.
// Besides: the bundle `wrangler deploy --dry-run` uploads (gzip -9 of .js/.mjs/.wasm) for both,
// and a cold start: V8 (Node 22) compiling and instantiating our wasm beside parsing and
// compiling their bundle, each in a fresh process.
//
// Options: --rounds R (6)  --calls N (300)  --warmup W (30)  --log-level L (info: the
//          deployment's default; our server writes a log line per request)
//          --phases floor,modern,legacy,auth (all)  --token-cache-seconds S (our default: unset)
//          --skip-auth --skip-cold --skip-bundle --skip-latency  --json PATH  --keep-logs
//          --ready-timeout S (120)  --phase-timeout S (120)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO_ROOT, WRANGLER, WRANGLER_ENV, REQUEST_TIMEOUT_MS, MODERN_VERSION, LEGACY_VERSION, log, now, tail, run,
  stopGroup, onInterrupt, isInterrupted, startFakeGitHub, startDev, legacyClient, modernClient, mcpPost, rpc,
  checkCallResponse, environment, finish, runMain, bearerToken, oauthToken, percentile, dryRunBundle,
  BUNDLE_TARGET_GZIP_BYTES, ourVars,
} from './bench-kit.mjs';
import { cpuSnapshot, cpuSecondsSince, workerdPids } from './procstat.mjs';

const FIXTURE = path.join(REPO_ROOT, 'bench', 'agents-worker');
const RUST_FLOOR = path.join(REPO_ROOT, 'bench', 'rust-floor');
const TARGETS = {
  floor: 1.0, // ours ÷ theirs, GET /healthz p50 (and CPU shown)
  modern: 0.7, // ours ÷ createMcpHandler, 2026-07-28 tools/call p50 and CPU
  legacy: 0.9, // our session ÷ their stateless legacy lane, p50 and CPU
  auth: 1.1, // bearer or oauth ÷ none, p50 and CPU
  bundleGzipBytes: BUNDLE_TARGET_GZIP_BYTES,
};

// ------------------------------------------------------------------ options

let opts;
try {
  opts = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      calls: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      'log-level': { type: 'string', default: 'info' },
      phases: { type: 'string', default: 'floor,modern,legacy,auth' },
      'token-cache-seconds': { type: 'string' },
      'skip-auth': { type: 'boolean', default: false },
      'skip-cold': { type: 'boolean', default: false },
      'skip-bundle': { type: 'boolean', default: false },
      'skip-latency': { type: 'boolean', default: false },
      json: { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
      'ready-timeout': { type: 'string', default: '120' },
      'phase-timeout': { type: 'string', default: '120' },
      'no-build': { type: 'boolean', default: false }, // handled by scripts/bench
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(`bench: ${e.message} (see scripts/bench --help)`);
  process.exit(2);
}
const int = (name, min, max) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`bench: --${name} must be an integer from ${min} to ${max} (got ${opts[name]})`);
    process.exit(2);
  }
  return v;
};
const ROUNDS = int('rounds', 1, 50);
const CALLS = int('calls', 10, 100_000);
const WARMUP = int('warmup', 0, 10_000);
const READY_TIMEOUT_MS = int('ready-timeout', 1, 600) * 1000;
const PHASE_TIMEOUT_MS = int('phase-timeout', 1, 3600) * 1000;
const PHASES = new Set(opts.phases.split(',').map((p) => p.trim()).filter(Boolean));
if (opts['skip-auth']) PHASES.delete('auth');
if (![...PHASES].every((p) => ['floor', 'modern', 'legacy', 'auth'].includes(p)) || !PHASES.size) {
  console.error(`bench: --phases takes a comma-separated subset of floor,modern,legacy,auth (got ${opts.phases})`);
  process.exit(2);
}
if (opts['token-cache-seconds'] !== undefined && !/^\d+$/.test(opts['token-cache-seconds'])) {
  console.error('bench: --token-cache-seconds must be a whole number (0 turns the cache off)');
  process.exit(2);
}
if (!['debug', 'info', 'warn', 'error'].includes(opts['log-level'])) {
  console.error(`bench: --log-level must be debug, info, warn or error (got ${opts['log-level']})`);
  process.exit(2);
}

// ------------------------------------------------------------------ servers

/** `wrangler dev` of the Worker in `cwd`, named `name` (its state and log under workDir/name). */
async function startServer(name, { cwd, vars = {}, workDir }) {
  const dev = await startDev(path.join(workDir, name), { cwd, vars, readyTimeoutMs: READY_TIMEOUT_MS });
  const pids = workerdPids(dev.child.pid);
  if (!pids.length) log(`warning: ${name}: no workerd process found under wrangler (pid ${dev.child.pid}); CPU figures will be 0`);
  return { name, ...dev };
}

/** Our vars for an instance in `mode`, against the fake GitHub. */
/** Our server's variables in `AUTH_MODE=mode` for this run. */
const vars = (mode, gh, extra) => ourVars(mode, gh.url, opts['log-level'], extra);

// ------------------------------------------------------------------ clients

/** A GET of `route` (`/healthz`, or bench/rust-floor's routes) that must answer 200. */
const get = (base, route = '/healthz') => async () => {
  const r = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`GET ${base}${route}: HTTP ${r.status}`);
};
/** bench/rust-floor's query that writes one log line like ours, when our LOG_LEVEL writes one. */
const LOG_QUERY = ['debug', 'info'].includes(opts['log-level']) ? '?log=1' : '';

/** 2026-07-28 `whoami`, with an Authorization header when `token` is given. */
async function modernWhoami(base, token) {
  if (!token) {
    const c = await modernClient(base);
    return () => c.call('whoami', {});
  }
  let id = 0;
  const headers = { 'MCP-Protocol-Version': MODERN_VERSION, 'Mcp-Method': 'tools/call', 'Mcp-Name': 'whoami', authorization: `Bearer ${token}` };
  return async () => {
    const body = rpc(++id, 'tools/call', {
      name: 'whoami',
      arguments: {},
      _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN_VERSION, 'io.modelcontextprotocol/clientCapabilities': {} },
    });
    const r = await mcpPost(`${base}/mcp`, body, headers);
    if (r.status !== 200) throw new Error(`modern tools/call whoami: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return checkCallResponse(r.message, 'modern tools/call whoami');
  };
}

/** Their legacy lane: a 2025-11-25 tools/call with no session and no initialize. */
function statelessLegacyWhoami(base) {
  let id = 0;
  return async () => {
    const r = await mcpPost(`${base}/mcp`, rpc(++id, 'tools/call', { name: 'whoami', arguments: {} }), { 'MCP-Protocol-Version': LEGACY_VERSION });
    if (r.status !== 200) throw new Error(`stateless legacy tools/call whoami: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return checkCallResponse(r.message, 'stateless legacy tools/call whoami');
  };
}

// ------------------------------------------------------------------ measuring

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Warm-up, then CALLS sequential calls of `fn` on `server`: p50 (ms) and workerd CPU-s per 1000 calls. */
async function phase(server, fn) {
  for (let i = 0; i < WARMUP && !isInterrupted(); i++) await fn();
  const pids = workerdPids(server.child.pid);
  const lat = [];
  const deadline = now() + PHASE_TIMEOUT_MS;
  const cpu0 = cpuSnapshot(pids);
  const t0 = now();
  while (lat.length < CALLS && !isInterrupted() && now() < deadline) {
    const s = now();
    await fn();
    lat.push(now() - s);
  }
  const wallMs = now() - t0;
  const { seconds: cpu, restarted } = cpuSecondsSince(cpu0);
  if (restarted) log(`warning: ${server.name}: a workerd process went away during the phase (a reload? wrangler dev watches src/); its CPU figure is an undercount`);
  lat.sort((a, b) => a - b);
  return { n: lat.length, p50: percentile(lat, 50), p90: percentile(lat, 90), cpuPer1000: (cpu / lat.length) * 1000, cpuS: cpu, wallMs, truncated: lat.length < CALLS };
}

// ------------------------------------------------------------------ bundle and cold start

/** `wrangler deploy --dry-run --outdir` in `cwd`: gzip -9 bytes of the uploaded .js/.mjs/.wasm files. */
async function bundle(cwd, outdir) {
  const b = await dryRunBundle(cwd, outdir);
  return { files: b.uploaded, rawBytes: b.rawBytes, gzipBytes: b.gzipBytes, wranglerGzip: b.wranglerUpload?.gzip ?? null };
}

// Each probe runs in a fresh Node process and prints JSON timings (ms).
const WASM_PROBE = `
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
(async () => {
  const bytes = fs.readFileSync(process.argv[1]);
  const glue = fs.readFileSync(process.argv[2], 'utf8');
  const vm = require('node:vm');
  const t0 = performance.now();
  const mod = await WebAssembly.compile(bytes);
  const t1 = performance.now();
  // Every import stubbed: instantiation links them and runs no start function of ours.
  const imports = {};
  for (const i of WebAssembly.Module.imports(mod)) {
    imports[i.module] ??= {};
    imports[i.module][i.name] = i.kind === 'function' ? () => {} : i.kind === 'tag' ? (WebAssembly.JSTag ?? new WebAssembly.Tag({ parameters: ['externref'] })) : i.kind === 'memory' ? new WebAssembly.Memory({ initial: 1 }) : i.kind === 'table' ? new WebAssembly.Table({ initial: 1, element: 'anyfunc' }) : new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  }
  const t2 = performance.now();
  await WebAssembly.instantiate(mod, imports);
  const t3 = performance.now();
  new vm.SourceTextModule(glue);
  const t4 = performance.now();
  console.log(JSON.stringify({ compileMs: t1 - t0, instantiateMs: t3 - t2, glueMs: t4 - t3 }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
const JS_PROBE = `
const fs = require('node:fs');
const vm = require('node:vm');
const { performance } = require('node:perf_hooks');
const src = fs.readFileSync(process.argv[1], 'utf8');
const t0 = performance.now();
new vm.SourceTextModule(src);
const t1 = performance.now();
console.log(JSON.stringify({ compileMs: t1 - t0 }));
`;

function probe(script, args, eager) {
  const flags = ['--experimental-vm-modules', '--no-warnings', ...(eager ? ['--no-lazy', '--no-wasm-lazy-compilation'] : [])];
  const r = spawnSync(process.execPath, [...flags, '-e', script, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`cold-start probe failed: ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function coldStart(ours, theirs, times = 5) {
  const found = ours.files.find((f) => f.name.endsWith('.wasm'));
  const wasm = found && { path: found.path };
  const glue = ours.files.find((f) => /\.m?js$/.test(f.name));
  const js = theirs.files.find((f) => /\.m?js$/.test(f.name));
  if (!wasm || !glue || !js) throw new Error('cold start: the dry-run output lacks a .wasm or .js file');
  const out = {};
  for (const eager of [false, true]) {
    const w = Array.from({ length: times }, () => probe(WASM_PROBE, [wasm.path, glue.path], eager));
    const j = Array.from({ length: times }, () => probe(JS_PROBE, [js.path], eager));
    out[eager ? 'eager' : 'lazy'] = {
      oursCompileMs: median(w.map((x) => x.compileMs)),
      oursInstantiateMs: median(w.map((x) => x.instantiateMs)),
      oursGlueMs: median(w.map((x) => x.glueMs)),
      oursTotalMs: median(w.map((x) => x.compileMs + x.instantiateMs + x.glueMs)),
      theirsCompileMs: median(j.map((x) => x.compileMs)),
    };
  }
  return out;
}

// ------------------------------------------------------------------ report

const f2 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));
const f3 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));
const kb = (b) => `${(b / 1000).toFixed(1)} KB`;

/** Median over rounds of ours ÷ anchor, for p50 and CPU. */
function paired(rounds, oursKey, anchorKey) {
  const rs = rounds.filter((r) => r[oursKey] && r[anchorKey]);
  return {
    oursP50: median(rs.map((r) => r[oursKey].p50)),
    anchorP50: median(rs.map((r) => r[anchorKey].p50)),
    oursCpu: median(rs.map((r) => r[oursKey].cpuPer1000)),
    anchorCpu: median(rs.map((r) => r[anchorKey].cpuPer1000)),
    p50Ratio: median(rs.map((r) => r[oursKey].p50 / r[anchorKey].p50)),
    cpuRatio: median(rs.map((r) => (r[anchorKey].cpuPer1000 > 0 ? r[oursKey].cpuPer1000 / r[anchorKey].cpuPer1000 : NaN))),
    roundsP50: rs.map((r) => r[oursKey].p50 / r[anchorKey].p50),
    roundsCpu: rs.map((r) => r[oursKey].cpuPer1000 / r[anchorKey].cpuPer1000),
  };
}

function report(result) {
  const L = [];
  const e = result.environment;
  L.push('# github-mcp-worker ÷ agents `createMcpHandler`');
  L.push('');
  const cache = opts['token-cache-seconds'] === undefined ? '' : ` · TOKEN_CACHE_SECONDS=${opts['token-cache-seconds']}`;
  L.push(`${e.date} · commit ${e.commit}${e.dirty ? ' + uncommitted changes' : ''} · ${e.cpus}× ${e.cpu} · load average ${e.loadavg} at the start · Node ${e.node} · wrangler ${e.wrangler} dev on 127.0.0.1 · our LOG_LEVEL=${opts['log-level']}${cache}`);
  L.push(`${WARMUP * 10} warm-up calls per server and phase first; then ${ROUNDS} rounds, each: ${WARMUP} warm-up + ${CALLS} sequential calls per server and phase, the order of the servers alternating by round. p50 in ms; CPU = workerd CPU seconds (utime + stime from /proc, every workerd under that wrangler dev) per 1000 calls. Ratios = median over rounds of ours ÷ anchor in the same round.`);
  L.push('');
  const rows = [];
  const mark = (ratio, target) => (ratio === null ? '—' : ratio <= target ? 'reached' : 'missed');
  const add = (label, anchor, p, target) => {
    if (!p) return;
    rows.push(`| ${label}: p50 | ${f2(p.oursP50)} ms | ${f2(p.anchorP50)} ms (${anchor}) | **${f2(p.p50Ratio)}×** | ≤ ${target.toFixed(2)}× | ${mark(p.p50Ratio, target)} |`);
    rows.push(`| ${label}: CPU-s / 1000 calls | ${f3(p.oursCpu)} | ${f3(p.anchorCpu)} | **${f2(p.cpuRatio)}×** | ≤ ${target.toFixed(2)}× | ${mark(p.cpuRatio, target)} |`);
  };
  const c = result.comparison ?? {};
  add('GET /healthz (floor)', 'their floor', c.floor, TARGETS.floor);
  add('2026-07-28 tools/call `whoami`', 'createMcpHandler', c.modern, TARGETS.modern);
  add('legacy: our /mcp 2025-11-25 session (DO)', 'their stateless legacy lane', c.legacy, TARGETS.legacy);
  add('ours, AUTH_MODE=bearer (2026-07-28 `whoami`)', 'ours, AUTH_MODE=none', c.bearer, TARGETS.auth);
  add('ours, AUTH_MODE=oauth (2026-07-28 `whoami`)', 'ours, AUTH_MODE=none', c.oauth, TARGETS.auth);
  // The same calls against the `none` server that also serves the other phases (the anchor
  // before the auth phase had its own): not a target, a check on how much the anchor's
  // history moves the ratio.
  const addInfo = (label, anchor, p) => {
    if (!p) return;
    rows.push(`| ${label}: p50 | ${f2(p.oursP50)} ms | ${f2(p.anchorP50)} ms (${anchor}) | ${f2(p.p50Ratio)}× | — | — |`);
    rows.push(`| ${label}: CPU-s / 1000 calls | ${f3(p.oursCpu)} | ${f3(p.anchorCpu)} | ${f2(p.cpuRatio)}× | — | — |`);
  };
  // The split: what worker-rs's leanest Worker pays over the TypeScript floor, what one log
  // line costs any Worker, and what our own code adds on top of both; the same for one hop to
  // a Durable Object.
  const withLine = LOG_QUERY ? ', with one log line like ours' : '';
  addInfo('worker-rs floor (bench/rust-floor), GET /healthz', 'their floor', c.rustFloor);
  addInfo('worker-rs floor with one log line like ours (`?log=1`)', 'worker-rs floor', c.logLine);
  addInfo('our GET /healthz', `worker-rs floor${withLine}`, c.oursOverRust);
  addInfo('worker-rs floor through one Durable Object (GET /object)', 'their stateless legacy lane', c.rustObject);
  addInfo('our /mcp 2025-11-25 session (DO)', `worker-rs floor through one Durable Object${withLine}`, c.legacyOverRust);
  addInfo('ours, AUTH_MODE=bearer', 'ours, AUTH_MODE=none, the server of the other phases', c.bearerShared);
  addInfo('ours, AUTH_MODE=oauth', 'ours, AUTH_MODE=none, the server of the other phases', c.oauthShared);
  if (result.bundle) {
    const b = result.bundle;
    const r = b.ours.gzipBytes / b.theirs.gzipBytes;
    rows.push(`| bundle, gzip -9 of what \`wrangler deploy --dry-run\` uploads | ${kb(b.ours.gzipBytes)} (${b.ours.files.map((f) => `${f.name} ${kb(f.gzipBytes)}`).join(', ')}) | ${kb(b.theirs.gzipBytes)} (createMcpHandler) | ${f2(r)}× | ≤ 250 KB | ${b.ours.gzipBytes <= TARGETS.bundleGzipBytes ? 'reached' : 'missed'} |`);
  }
  if (result.cold) {
    for (const [mode, label] of [['lazy', 'V8 defaults (lazy, as workerd)'], ['eager', 'eager (`--no-lazy --no-wasm-lazy-compilation`)']]) {
      const k = result.cold[mode];
      rows.push(`| cold start, ${label}: ours = wasm compile ${f2(k.oursCompileMs)} + instantiate ${f2(k.oursInstantiateMs)} + JS glue ${f2(k.oursGlueMs)} ms; theirs = parse and compile the bundle | ${f2(k.oursTotalMs)} ms | ${f2(k.theirsCompileMs)} ms | ${f2(k.oursTotalMs / k.theirsCompileMs)}× | — | — |`);
    }
  }
  L.push('| figure | ours | anchor | ours ÷ anchor | target | |');
  L.push('| --- | --- | --- | --- | --- | --- |');
  L.push(...rows);
  L.push('');
  if (result.rounds?.length) {
    L.push('Per-round ratios (p50 / CPU):');
    L.push('');
    for (const [key, label] of [['floor', 'floor'], ['rustFloor', 'worker-rs floor ÷ their floor'], ['logLine', 'worker-rs floor with ÷ without a log line'], ['oursOverRust', `our floor ÷ worker-rs floor${withLine}`], ['rustObject', 'worker-rs through a Durable Object ÷ their stateless legacy lane'], ['legacyOverRust', `our session ÷ worker-rs through a Durable Object${withLine}`], ['modern', '2026-07-28'], ['legacy', 'legacy'], ['bearer', 'bearer ÷ none'], ['oauth', 'oauth ÷ none'], ['bearerShared', 'bearer ÷ none (the server of the other phases)'], ['oauthShared', 'oauth ÷ none (the server of the other phases)']]) {
      const p = c[key];
      if (!p) continue;
      L.push(`- ${label}: ${p.roundsP50.map(f2).join(' ')} / ${p.roundsCpu.map(f2).join(' ')}`);
    }
    L.push('');
  }
  L.push('What each figure includes:');
  L.push('- p50: request to full response body, measured by the client (Node fetch) through `wrangler dev` on loopback; one call at a time.');
  L.push('- CPU: every workerd process under that `wrangler dev` (the user Worker, its Durable Objects and miniflare\'s entry worker), not wrangler\'s own Node process. Work deferred with `waitUntil` (our metrics batches) lands in whichever phase it runs in.');
  L.push(`- Our server writes one log line per request at LOG_LEVEL=info, and \`wrangler dev\` relays each \`console.log\` to its terminal; the TypeScript fixture logs nothing. What one line costs any Worker there is the row "worker-rs floor with one log line"; \`--log-level warn\` measures ours without the line.`);
  L.push('- bench/rust-floor: worker-rs\'s leanest Worker, built by scripts/build like ours (the same entry, shim and wasm-opt run): `GET /healthz` answers a small JSON body, `?log=1` also writes one line of our log line\'s shape and length, and `GET /object` has a Durable Object answer it. Its rows are not targets: they show which part of each gap any Rust Worker, or any log line, pays.');
  L.push('- Cold start: each figure a median of 5 fresh Node 22 processes. Ours: `WebAssembly.compile` and `instantiate` of the wasm with its imports stubbed, plus parsing the JS glue as a module; theirs: `new vm.SourceTextModule` of the dry-run bundle (parse and compile, no evaluation). Neither includes workerd\'s own isolate start or the module\'s top-level evaluation. With V8\'s defaults, functions (JS and wasm) compile on first call, so the lazy figures leave that to the first request.');
  return L.join('\n');
}

// ------------------------------------------------------------------ main

async function main() {
  if (!fs.existsSync(WRANGLER)) throw new Error(`${WRANGLER} is missing: run scripts/setup`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'build', 'index.js'))) throw new Error('build/index.js is missing: run scripts/build (scripts/bench does unless --no-build)');
  if (!fs.existsSync(path.join(FIXTURE, 'node_modules', 'agents'))) throw new Error(`${FIXTURE}/node_modules is missing: scripts/bench runs npm ci there`);
  if ((PHASES.has('floor') || PHASES.has('legacy')) && !fs.existsSync(path.join(RUST_FLOOR, 'build', 'index.js'))) throw new Error(`${RUST_FLOOR}/build is missing: scripts/bench builds it (scripts/build bench/rust-floor)`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpw-compare-'));
  onInterrupt(() => {
    if (!opts['keep-logs']) fs.rmSync(workDir, { recursive: true, force: true });
  });
  const result = { environment: environment(), params: { rounds: ROUNDS, calls: CALLS, warmup: WARMUP, logLevel: opts['log-level'] }, targets: TARGETS };
  const servers = [];
  let gh;
  let failed = false;
  try {
    if (!opts['skip-bundle'] || !opts['skip-cold']) {
      log('bundles: wrangler deploy --dry-run, ours and the fixture');
      result.bundle = {
        ours: await bundle(REPO_ROOT, path.join(workDir, 'dist-ours')),
        theirs: await bundle(FIXTURE, path.join(workDir, 'dist-theirs')),
      };
      if (!opts['skip-cold']) {
        log('cold start: compile and instantiate, 5 fresh processes each');
        result.cold = coldStart(result.bundle.ours, result.bundle.theirs);
      }
      if (opts['skip-bundle']) delete result.bundle;
    }
    if (!opts['skip-latency']) {
      gh = await startFakeGitHub(workDir);
      log('starting wrangler dev: ours (AUTH_MODE=none) and the fixture');
      const ours = await startServer('ours-none', { cwd: REPO_ROOT, vars: vars('none', gh), workDir });
      servers.push(ours);
      const theirs = await startServer('theirs', { cwd: FIXTURE, workDir });
      servers.push(theirs);
      let rustFloor;
      if (PHASES.has('floor') || PHASES.has('legacy')) {
        log('starting wrangler dev: bench/rust-floor');
        rustFloor = await startServer('rust-floor', { cwd: RUST_FLOOR, workDir });
        servers.push(rustFloor);
      }
      let bearer;
      let authNone;
      let oauth;
      if (PHASES.has('auth')) {
        log('starting wrangler dev: ours with AUTH_MODE=none, bearer and oauth, for the auth phase alone');
        // The auth phase's anchor is a `none` server of its own: the server of the other phases
        // has just run three phases each round, the bearer and oauth ones have sat idle, and
        // that difference alone moved the ratios by up to 0.2.
        authNone = await startServer('ours-none-auth', { cwd: REPO_ROOT, vars: vars('none', gh), workDir });
        servers.push(authNone);
        const cache = opts['token-cache-seconds'] === undefined ? {} : { TOKEN_CACHE_SECONDS: opts['token-cache-seconds'] };
        bearer = await startServer('ours-bearer', { cwd: REPO_ROOT, vars: vars('bearer', gh, cache), workDir });
        servers.push(bearer);
        bearer.token = await bearerToken(bearer.persistDir);
        oauth = await startServer('ours-oauth', {
          cwd: REPO_ROOT,
          vars: vars('oauth', gh, cache),
          workDir,
        });
        servers.push(oauth);
        oauth.token = await oauthToken(oauth.url);
      }
      // The clients, checked once each before anything is timed.
      const legacy = await legacyClient(ours.url);
      const fns = {
        floorOurs: get(ours.url),
        floorTheirs: get(theirs.url),
        modernOurs: await modernWhoami(ours.url),
        modernTheirs: await modernWhoami(theirs.url),
        legacyOurs: () => legacy.call('whoami', {}),
        legacyTheirs: statelessLegacyWhoami(theirs.url),
      };
      if (rustFloor) {
        fns.floorRust = get(rustFloor.url);
        fns.floorRustLog = get(rustFloor.url, '/healthz?log=1');
        fns.legacyRustObject = get(rustFloor.url, `/object${LOG_QUERY}`);
      }
      if (bearer) {
        fns.authNone = await modernWhoami(authNone.url);
        fns.bearer = await modernWhoami(bearer.url, bearer.token);
        fns.oauth = await modernWhoami(oauth.url, oauth.token);
      }
      for (const [name, fn] of Object.entries(fns)) {
        try {
          await fn();
        } catch (err) {
          throw new Error(`${name}: the first call failed: ${err.message}`);
        }
      }
      const plan = [
        ['floor', [['floorOurs', ours], ['floorTheirs', theirs], ['floorRust', rustFloor], ['floorRustLog', rustFloor]]],
        ['modern', [['modernOurs', ours], ['modernTheirs', theirs]]],
        ['legacy', [['legacyOurs', ours], ['legacyTheirs', theirs], ['legacyRustObject', rustFloor]]],
        ['auth', [['authNone', authNone], ['bearer', bearer], ['oauth', oauth], ['authNoneShared', ours, fns.modernOurs]]],
      ].filter(([name]) => PHASES.has(name));
      // Every server's isolate equally warm before the first round: V8 tiers hot wasm and JS up
      // only after many calls, and our `none` server also serves the other phases.
      log(`warm-up: ${WARMUP * 10} calls per server and phase`);
      for (const [, members] of plan) {
        for (const [key, , fn] of members) for (let i = 0; i < WARMUP * 10 && !isInterrupted(); i++) await (fn ?? fns[key])();
      }
      result.rounds = [];
      for (let round = 0; round < ROUNDS && !isInterrupted(); round++) {
        const r = {};
        for (const [, members] of plan) {
          const order = round % 2 ? [...members].reverse() : members;
          for (const [key, server, fn] of order) {
            r[key] = await phase(server, fn ?? fns[key]);
          }
        }
        result.rounds.push(r);
        const pair = (label, a, b) => (r[a] ? `${label} ${f2(r[a].p50)}/${f2(r[b].p50)} ms` : null);
        const parts = [pair('floor', 'floorOurs', 'floorTheirs'), pair('worker-rs floor', 'floorRust', 'floorTheirs'), pair('with a log line', 'floorRustLog', 'floorRust'), pair('2026-07-28', 'modernOurs', 'modernTheirs'), pair('legacy', 'legacyOurs', 'legacyTheirs'), r.bearer ? `none/bearer/oauth/none (shared) ${f2(r.authNone.p50)}/${f2(r.bearer.p50)}/${f2(r.oauth.p50)}/${f2(r.authNoneShared.p50)} ms` : null];
        log(`round ${round + 1}/${ROUNDS}: ${parts.filter(Boolean).join(', ')}`);
      }
      await legacy.close();
      result.comparison = {};
      if (PHASES.has('floor')) {
        result.comparison.floor = paired(result.rounds, 'floorOurs', 'floorTheirs');
        result.comparison.rustFloor = paired(result.rounds, 'floorRust', 'floorTheirs');
        result.comparison.logLine = paired(result.rounds, 'floorRustLog', 'floorRust');
        result.comparison.oursOverRust = paired(result.rounds, 'floorOurs', LOG_QUERY ? 'floorRustLog' : 'floorRust');
      }
      if (PHASES.has('modern')) result.comparison.modern = paired(result.rounds, 'modernOurs', 'modernTheirs');
      if (PHASES.has('legacy')) {
        result.comparison.legacy = paired(result.rounds, 'legacyOurs', 'legacyTheirs');
        result.comparison.rustObject = paired(result.rounds, 'legacyRustObject', 'legacyTheirs');
        result.comparison.legacyOverRust = paired(result.rounds, 'legacyOurs', 'legacyRustObject');
      }
      if (bearer) {
        result.comparison.bearer = paired(result.rounds, 'bearer', 'authNone');
        result.comparison.oauth = paired(result.rounds, 'oauth', 'authNone');
        result.comparison.bearerShared = paired(result.rounds, 'bearer', 'authNoneShared');
        result.comparison.oauthShared = paired(result.rounds, 'oauth', 'authNoneShared');
      }
    }
  } catch (err) {
    failed = true;
    console.error(`bench: FAILED: ${err.stack ?? err.message}`);
    for (const s of servers) console.error(`--- ${s.name}: ${s.logFile} (tail) ---\n${tail(s.logFile, 15)}`);
  } finally {
    for (const s of servers) await stopGroup(s.child);
    if (gh) await stopGroup(gh.child);
  }
  if (failed) {
    log(`logs kept in ${workDir}`);
    process.exit(1);
  }
  const replacer = (k, v) => (k === 'path' ? undefined : v);
  finish({ text: report(result), result, json: opts.json, keepLogs: opts['keep-logs'], workDir, replacer });
}

runMain(main);
