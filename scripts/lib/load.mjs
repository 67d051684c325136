// Load mode of scripts/bench (`scripts/bench --load`): N clients call tools concurrently for T
// seconds against `wrangler dev` on 127.0.0.1 (a fake GitHub in its own process), each client
// on one transport in turn (Streamable HTTP 2025-11-25 with a session, stateless 2026-07-28,
// HTTP+SSE 2024-11-05), each call the next tool of a fixed mix. It reports throughput,
// p50/p95/p99 and the error rate against the service level (over 100 calls/s, p95 under 1 s,
// errors under 1%), checks that the server's own /metrics counted exactly the calls the
// clients made, and states what the metrics cost (requests to the metrics object per 1000
// MCP requests) and how many KV writes the calls caused (the ETag cache is in the Cache API).
//
// Options: --clients N (12, at most 64)  --seconds T (30, at most 300)  --json PATH
//          --log-level L (the server's LOG_LEVEL, default info: a line per request)
//          --ready-timeout S (90)  --keep-logs
// Exit status: 0 when /metrics agrees with the clients and the targets are met, 1 otherwise.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REQUEST_TIMEOUT_MS, log, now, sleep, tail, onInterrupt, isInterrupted, stopGroup, startFakeGitHub, startWorker,
  legacyClient, modernClient, sseClient, percentile,
} from './bench-kit.mjs';

const TARGETS = { rps: 100, p95Ms: 1000, errorRate: 0.01 };
const MIX = [
  ['whoami', {}],
  ['getGithubReadme', { repositoryUrl: 'octocat/Hello-World' }],
  ['getGithubRepository', { owner: 'octocat', repo: 'Hello-World' }],
  ['listGithubBranches', { owner: 'octocat', repo: 'Hello-World' }],
  ['listGithubIssues', { owner: 'octocat', repo: 'Hello-World' }],
  ['getGithubUser', { username: 'octocat' }],
  ['searchGithubRepositories', { query: 'hello' }],
];
const TRANSPORTS = [
  { key: 'legacy', label: 'Streamable HTTP 2025-11-25 (session)', make: legacyClient },
  { key: 'modern', label: 'Streamable HTTP 2026-07-28 (stateless)', make: modernClient },
  { key: 'sse', label: 'HTTP+SSE 2024-11-05', make: sseClient },
];

let opts;
try {
  opts = parseArgs({
    options: {
      load: { type: 'boolean', default: true },
      clients: { type: 'string', default: '12' },
      seconds: { type: 'string', default: '30' },
      json: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'ready-timeout': { type: 'string', default: '90' },
      'keep-logs': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false }, // handled by scripts/bench
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(`bench --load: ${e.message} (see scripts/bench --help)`);
  process.exit(2);
}
const bounded = (name, min, max) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`bench --load: --${name} must be an integer from ${min} to ${max} (got ${opts[name]})`);
    process.exit(2);
  }
  return v;
};
if (!['debug', 'info', 'warn', 'error'].includes(opts['log-level'])) {
  console.error(`bench --load: --log-level must be debug, info, warn or error (got ${opts['log-level']})`);
  process.exit(2);
}
const CLIENTS = bounded('clients', 1, 64);
const SECONDS = bounded('seconds', 1, 300);
const READY_TIMEOUT_MS = bounded('ready-timeout', 1, 600) * 1000;

/** Names of the KV value blobs under `wrangler dev --persist-to`: each KV write adds one. */
function kvBlobs(persistDir) {
  const root = path.join(persistDir, 'v3', 'kv');
  if (!fs.existsSync(root)) return new Set();
  return new Set(fs.readdirSync(root, { recursive: true }).filter((f) => f.split(path.sep).includes('blobs') && !f.endsWith('blobs')));
}

/** GET /metrics → { 'name{labels}': value } */
async function scrape(base, token) {
  const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET /metrics: HTTP ${r.status} ${text.slice(0, 200)}`);
  const samples = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return samples;
}

const sum = (samples, pred) => Object.entries(samples).filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0);
const isToolCall = (k) => k.startsWith('mcp_requests_total{method="tools/call"');
const isMcp = (k) => k.startsWith('mcp_requests_total{');

function stats(calls, wallMs) {
  const ms = calls.map((c) => c.ms).sort((a, b) => a - b);
  const errors = calls.filter((c) => !c.ok).length;
  return {
    calls: calls.length,
    errors,
    errorRate: calls.length ? errors / calls.length : 0,
    rps: (calls.length * 1000) / wallMs,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
  };
}

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpw-load-'));
  onInterrupt(() => {
    if (!opts['keep-logs']) fs.rmSync(workDir, { recursive: true, force: true });
  });
  const token = crypto.randomBytes(24).toString('hex');
  let gh;
  let worker;
  const clients = [];
  try {
    gh = await startFakeGitHub(workDir);
    worker = await startWorker(workDir, gh.url, { vars: { METRICS_TOKEN: token, TOOL_CALL_LIMITS: 'off', LOG_LEVEL: opts['log-level'] }, readyTimeoutMs: READY_TIMEOUT_MS });
    log(`worker ready on ${worker.url}; connecting ${CLIENTS} clients`);
    for (let i = 0; i < CLIENTS; i++) {
      const t = TRANSPORTS[i % TRANSPORTS.length];
      const client = await t.make(worker.url);
      clients.push({ t, client, i });
      for (const [name, args] of MIX) await client.call(name, args); // warm: every tool once
    }
    await sleep(500);
    const before = await scrape(worker.url, token);
    const kvBefore = kvBlobs(worker.persistDir);
    log(`${CLIENTS} clients, ${SECONDS} s`);
    const calls = [];
    const started = now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(clients.map(async ({ t, client, i }) => {
      for (let k = i; now() < deadline && !isInterrupted(); k++) {
        const [name, args] = MIX[k % MIX.length];
        const s = now();
        let ok = true;
        let error;
        try {
          await client.call(name, args);
        } catch (e) {
          ok = false;
          error = e.message.slice(0, 200);
        }
        calls.push({ transport: t.key, tool: name, ms: now() - s, ok, error });
      }
    }));
    const wallMs = now() - started;
    await sleep(1000);
    const after = await scrape(worker.url, token);
    const kvWrites = [...kvBlobs(worker.persistDir)].filter((b) => !kvBefore.has(b)).length;

    const delta = (pred) => sum(after, pred) - sum(before, pred);
    const serverCalls = delta(isToolCall);
    const serverNotOk = delta((k) => isToolCall(k) && !k.endsWith('status="ok"}'));
    const mcpRequests = delta(isMcp);
    const flushes = (after.mcp_metrics_flushes_total ?? 0) - (before.mcp_metrics_flushes_total ?? 0);
    const all = stats(calls, wallMs);
    const result = {
      params: { clients: CLIENTS, seconds: SECONDS, logLevel: opts['log-level'], mix: MIX.map(([n]) => n) },
      overall: all,
      byTransport: Object.fromEntries(TRANSPORTS.map((t) => [t.key, stats(calls.filter((c) => c.transport === t.key), wallMs)])),
      errorsSeen: [...new Set(calls.filter((c) => !c.ok).map((c) => c.error))].slice(0, 5),
      metrics: {
        clientCalls: calls.length,
        serverToolCalls: serverCalls,
        clientErrors: all.errors,
        serverNotOk,
        agrees: serverCalls === calls.length && serverNotOk === all.errors,
        mcpRequests,
        flushes,
        flushesPer1000: mcpRequests ? (flushes * 1000) / mcpRequests : null,
      },
      kv: { writes: kvWrites, per1000ToolCalls: calls.length ? (kvWrites * 1000) / calls.length : null },
    };
    result.targets = {
      rps: all.rps > TARGETS.rps,
      p95: all.p95 !== null && all.p95 < TARGETS.p95Ms,
      errors: all.errorRate < TARGETS.errorRate,
    };
    console.log(report(result));
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
    const pass = result.metrics.agrees && Object.values(result.targets).every(Boolean);
    return pass ? 0 : 1;
  } catch (e) {
    console.error(`bench --load: FAILED: ${e.stack ?? e.message}`);
    if (worker) console.error(`--- ${worker.logFile} (tail) ---\n${tail(worker.logFile, 30)}`);
    return 1;
  } finally {
    for (const { client } of clients) await client.close();
    if (worker) await stopGroup(worker.child);
    if (gh) await stopGroup(gh.child);
    if (opts['keep-logs']) log(`logs in ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

const f = (v, d = 1) => (v === null || v === undefined ? '—' : v.toFixed(d));
function report(r) {
  const L = [];
  const yes = (b) => (b ? 'yes' : 'NO');
  L.push(`# github-mcp-worker under load: ${r.params.clients} clients, ${r.params.seconds} s, LOG_LEVEL=${r.params.logLevel}`);
  L.push('');
  L.push(`Tool mix, in turn per client: ${r.params.mix.join(', ')}. Latency in ms, from request to response (SSE: the POST's 202 and the result on the stream).`);
  L.push('');
  L.push('| transport | calls | calls/s | p50 | p95 | p99 | errors |');
  L.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const t of TRANSPORTS) {
    const s = r.byTransport[t.key];
    L.push(`| ${t.label} | ${s.calls} | ${f(s.rps)} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${s.errors} (${f(s.errorRate * 100, 2)}%) |`);
  }
  const o = r.overall;
  L.push(`| **all** | **${o.calls}** | **${f(o.rps)}** | **${f(o.p50)}** | **${f(o.p95)}** | **${f(o.p99)}** | **${o.errors} (${f(o.errorRate * 100, 2)}%)** |`);
  L.push('');
  L.push(`Service level: throughput ${f(o.rps)} calls/s > ${TARGETS.rps}: ${yes(r.targets.rps)}; p95 ${f(o.p95)} ms < ${TARGETS.p95Ms}: ${yes(r.targets.p95)}; errors ${f(o.errorRate * 100, 2)}% < ${TARGETS.errorRate * 100}%: ${yes(r.targets.errors)}.`);
  const m = r.metrics;
  L.push(`/metrics agrees with the clients: ${yes(m.agrees)} (tools/call: clients ${m.clientCalls}, server ${m.serverToolCalls}; not ok: clients ${m.clientErrors}, server ${m.serverNotOk}).`);
  L.push(`Metrics cost: ${m.flushes} batches to the metrics object for ${m.mcpRequests} MCP requests = ${f(m.flushesPer1000, 2)} object requests per 1000 MCP requests.`);
  L.push(`KV writes during the run: ${r.kv.writes} (${f(r.kv.per1000ToolCalls, 2)} per 1000 tool calls).`);
  if (r.errorsSeen.length) L.push(`Errors seen: ${r.errorsSeen.join(' | ')}`);
  return L.join('\n');
}

main().then((code) => process.exit(code));
