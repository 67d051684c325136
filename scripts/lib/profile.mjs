// Profile mode of scripts/bench (`scripts/bench --profile`): where our Worker spends its time on
// one route. Starts `wrangler dev` (AUTH_MODE=none unless --auth says otherwise), attaches to its inspector (the Chrome
// DevTools Protocol that wrangler exposes on 127.0.0.1), records a V8 CPU profile while N
// sequential requests run, and prints the self time per function, heaviest first. For wasm
// function names, build with MCPW_KEEP_NAMES=1 scripts/build (scripts/build strips them).
//
// Options: --server ours|theirs (ours; theirs = bench/agents-worker)  --route healthz|whoami|session (healthz; session: whoami in a /mcp 2025-11-25 session, ours only)  --calls N (2000)  --log-level L (info)  --top K (30)
//          --auth none|bearer|oauth (none; ours only: whoami then sends a token issued as the tests do)
//          --interval US (sampling interval, 100)  --json PATH  --keep-logs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, log, onInterrupt, startDev, startFakeGitHub, stopGroup, modernClient, legacyClient, runMain, finish, bearerToken, oauthToken, ourVars } from './bench-kit.mjs';

const { values: opts } = parseArgs({
  options: {
    profile: { type: 'boolean', default: true },
    route: { type: 'string', default: 'healthz' },
    server: { type: 'string', default: 'ours' },
    auth: { type: 'string', default: 'none' },
    calls: { type: 'string', default: '2000' },
    'log-level': { type: 'string', default: 'info' },
    top: { type: 'string', default: '30' },
    interval: { type: 'string', default: '100' },
    json: { type: 'string' },
    'keep-logs': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false }, // handled by scripts/bench
  },
  strict: true,
});
const CALLS = Math.min(100_000, Math.max(1, Number(opts.calls) || 2000));
const TOP = Math.min(500, Math.max(1, Number(opts.top) || 30));
if (!['ours', 'theirs'].includes(opts.server)) {
  console.error('bench --profile: --server must be ours or theirs (bench/agents-worker)');
  process.exit(2);
}
if (!['none', 'bearer', 'oauth'].includes(opts.auth) || (opts.auth !== 'none' && opts.server !== 'ours')) {
  console.error('bench --profile: --auth must be none, bearer or oauth (our server only)');
  process.exit(2);
}
if (!['healthz', 'whoami', 'session'].includes(opts.route) || (opts.route === 'session' && (opts.server !== 'ours' || opts.auth !== 'none'))) {
  console.error('bench --profile: --route must be healthz, whoami or session (session: our server, AUTH_MODE=none)');
  process.exit(2);
}
const ROUTE_LABEL = { healthz: 'GET /healthz', whoami: '2026-07-28 tools/call whoami', session: '2025-11-25 session tools/call whoami (the Worker and the session\'s Durable Object)' }[opts.route];

/** A minimal CDP client over the WebSocket of the first inspector target. */
async function connect(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${inspectorPort}: ${JSON.stringify(targets).slice(0, 300)}`);
  // The inspector proxy of wrangler dev accepts a loopback Origin (undici's WebSocket sends none).
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://127.0.0.1' } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`could not open ${target.webSocketDebuggerUrl}`));
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    const p = m.id && pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`${p.method}: ${JSON.stringify(m.error)}`));
    else p.resolve(m.result);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, { resolve, reject, method });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close(), title: target.title };
}

/** Self time per function (ms), from a CDP Profile, with the caller that most of it came through. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const name = (node) => {
    if (!node) return '(root)';
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const ms = new Map();
  const callers = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const key = name(node);
    ms.set(key, (ms.get(key) ?? 0) + dt);
    const by = callers.get(key) ?? new Map();
    const caller = name(parentOf.get(node.id));
    by.set(caller, (by.get(caller) ?? 0) + dt);
    callers.set(key, by);
  }
  const topCaller = (key) => [...(callers.get(key) ?? [])].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  return { total, rows: [...ms].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v, topCaller(k)]) };
}

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpw-profile-'));
  onInterrupt(() => {
    if (!opts['keep-logs']) fs.rmSync(workDir, { recursive: true, force: true });
  });
  const gh = await startFakeGitHub(workDir);
  const vars = ourVars(opts.auth, gh.url, opts['log-level']);
  const theirs = opts.server === 'theirs';
  const cwd = theirs ? path.join(REPO_ROOT, 'bench', 'agents-worker') : REPO_ROOT;
  const dev = await startDev(path.join(workDir, opts.server), { cwd, vars: theirs ? {} : vars, readyTimeoutMs: 120_000 });
  let cdp;
  let done;
  try {
    const token = opts.auth === 'bearer' ? await bearerToken(dev.persistDir) : opts.auth === 'oauth' ? await oauthToken(dev.url) : undefined;
    const client = opts.route === 'session' ? await legacyClient(dev.url) : await modernClient(dev.url, token);
    const call = opts.route === 'healthz'
      ? async () => {
          const r = await fetch(`${dev.url}/healthz`);
          await r.arrayBuffer();
        }
      : () => client.call('whoami', {});
    for (let i = 0; i < 100; i++) await call();
    cdp = await connect(dev.inspectorPort);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: Number(opts.interval) || 100 });
    await cdp.send('Profiler.start');
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await call();
    const wallMs = performance.now() - t0;
    const { profile } = await cdp.send('Profiler.stop');
    // The script wrangler dev runs (our glue wrapped in its middleware), for the line numbers.
    const tmp = path.join(cwd, '.wrangler', 'tmp');
    for (const d of fs.existsSync(tmp) ? fs.readdirSync(tmp) : []) {
      const f = path.join(tmp, d, 'index.js');
      if (d.startsWith('dev-') && fs.existsSync(f)) fs.copyFileSync(f, path.join(workDir, `${d}-index.js`));
    }
    const { total, rows } = selfTimes(profile);
    const idle = rows.filter(([k]) => /^\((idle|program|garbage collector)\)/.test(k)).reduce((a, [, v]) => a + v, 0);
    const L = [];
    L.push(`# Where the time goes: ${theirs ? 'bench/agents-worker' : 'our Worker'}, ${ROUTE_LABEL}, ${CALLS} sequential requests${theirs ? '' : `, AUTH_MODE=${opts.auth}, LOG_LEVEL=${opts['log-level']}`}`);
    L.push('');
    L.push(`Inspector target: ${cdp.title}. Wall ${wallMs.toFixed(0)} ms; profiled ${total.toFixed(0)} ms, of which ${(total - idle).toFixed(0)} ms not idle (${((total - idle) / CALLS).toFixed(3)} ms per request in this isolate; the entry worker and the runtime's own C++ outside V8 are not in it).`);
    L.push('');
    L.push('| self ms | per request (µs) | share of busy | function | mostly called from |');
    L.push('| --- | --- | --- | --- | --- |');
    const cell = (t) => `\`${t.replace(/\|/g, '\\|')}\``;
    for (const [k, v, caller] of rows.slice(0, TOP)) {
      L.push(`| ${v.toFixed(1)} | ${((v / CALLS) * 1000).toFixed(1)} | ${/^\((idle|program|garbage collector)\)/.test(k) ? '—' : `${((v / (total - idle)) * 100).toFixed(1)}%`} | ${cell(k)} | ${caller ? cell(caller) : ''} |`);
    }
    done = { text: L.join('\n'), result: { route: opts.route, calls: CALLS, wallMs, totalMs: total, idleMs: idle, rows } };
  } finally {
    cdp?.close();
    await stopGroup(dev.child);
    await stopGroup(gh.child);
  }
  // Only after wrangler has exited: it writes its logs into workDir until then.
  finish({ ...done, json: opts.json, keepLogs: opts['keep-logs'], workDir });
}

runMain(main);
