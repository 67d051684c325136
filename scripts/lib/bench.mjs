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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO_ROOT, WRANGLER, REQUEST_TIMEOUT_MS, WRANGLER_ENV, log, now, tail, run, onInterrupt, isInterrupted,
  stopGroup, startFakeGitHub, startWorker, legacyClient, modernClient, sseClient, environment, finish, runMain,
  percentile, dryRunBundle, BUNDLE_TARGET_GZIP_BYTES,
} from './bench-kit.mjs';

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

// ------------------------------------------------------------------ measuring

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
    while (next < total && !isInterrupted()) {
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
  log('bundle: wrangler deploy --dry-run');
  const b = await dryRunBundle(REPO_ROOT, path.join(workDir, 'dist'));
  return { files: b.files, totalRawBytes: b.rawBytes, totalGzipBytes: b.gzipBytes, wranglerTotalUpload: b.wranglerUpload };
}

// ------------------------------------------------------------------ report

const f1 = (v) => (v === null || v === undefined ? '—' : v.toFixed(1));
const f2 = (v) => (v === null || v === undefined ? '—' : v.toFixed(2));
const bytes = (v) => v.toLocaleString('en-US').replace(/,/g, ' ');
const kib = (v) => `${(v / 1024).toFixed(1)} KiB`;

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
      target: `< ${bytes(BUNDLE_TARGET_GZIP_BYTES)} B`,
      value: `${bytes(g)} B (${kib(g)}; wrangler gzip ${result.bundle.wranglerTotalUpload?.gzip ?? '?'})`,
      valueBytes: g,
      pass: g < BUNDLE_TARGET_GZIP_BYTES,
    });
  }
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  if (!fs.existsSync(WRANGLER)) throw new Error(`${WRANGLER} is missing: run scripts/setup`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'build', 'index.js'))) throw new Error('build/index.js is missing: run scripts/build (scripts/bench does unless --no-build)');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpw-bench-'));
  onInterrupt(() => {
    if (!opts['keep-logs']) fs.rmSync(workDir, { recursive: true, force: true });
  });
  const result = {
    environment: environment(),
    params: { calls: CALLS, warmup: WARMUP, concurrency: CONCURRENCY, phaseTimeoutS: PHASE_TIMEOUT_MS / 1000 },
    reference: REFERENCE,
    targets: { p50FloorRatio: TARGET_P50_FLOOR_RATIO, bundleGzipBytes: BUNDLE_TARGET_GZIP_BYTES },
  };
  let failed = false;
  let gh;
  let worker;
  try {
    if (!opts['skip-bundle']) result.bundle = await bundleSize(workDir);
    if (!opts['skip-latency']) {
      gh = await startFakeGitHub(workDir);
      log(`fake GitHub on ${gh.url}; starting wrangler dev`);
      // The per-caller tool-call limits are policy, not speed: off, or the calls below would hit them.
      worker = await startWorker(workDir, gh.url, { vars: { TOOL_CALL_LIMITS: 'off' }, readyTimeoutMs: READY_TIMEOUT_MS });
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
  finish({ text: report(result), result, json: opts.json, keepLogs: opts['keep-logs'], workDir });
}

runMain(main);
