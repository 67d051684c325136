// Issue 8, logs and metrics: every request writes exactly one structured JSON log line with
// its trace context, transport, revision, method, tool, outcome, duration, GitHub figures and
// a caller pseudonym; the trace goes on to GitHub as `traceparent`; /metrics exists only with
// METRICS_TOKEN, wants it, and after a known sequence of calls holds exactly the expected counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, rawSession, mcpPost, openSse, rpc, notification,
  requestLines, waitForLines, scrape, initializeRequest, rawHttp,
} from './harness.mjs';

const MODERN = '2026-07-28';
const METRICS_TOKEN = `mt_${crypto.randomBytes(24).toString('hex')}`;
const traceId = () => crypto.randomBytes(16).toString('hex');
const parent = (id) => `00-${id}-${crypto.randomBytes(8).toString('hex')}-01`;
const modernCall = (id, name, args, meta = {}) =>
  rpc(id, 'tools/call', { name, arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, ...meta } });
const modernHeaders = (name) => ({ 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'tools/call', 'Mcp-Name': name });

let gh;
before(async () => {
  gh = await startFakeGitHub();
});
after(async () => {
  await gh?.close();
});

test('every request writes one JSON line with its trace, transport, method, outcome and GitHub figures', async () => {
  const persistDir = tempDir();
  const { token } = await createToken('observer', persistDir);
  const w = await startWorker({ vars: workerVars(gh, { authMode: 'bearer' }), persistDir, name: 'observability-lines' });
  try {
    const auth = { authorization: `Bearer ${token}` };
    const ids = {};
    const h = (key) => ({ ...auth, traceparent: parent((ids[key] = traceId())) });
    // Legacy Streamable HTTP: the session's object writes these lines.
    const init = await mcpPost(w.mcpUrl, initializeRequest(1), h('init'));
    assert.equal(init.status, 200);
    const session = { 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
    assert.equal((await mcpPost(w.mcpUrl, notification('notifications/initialized'), { ...session, ...h('initialized') })).status, 202);
    const readme = await mcpPost(w.mcpUrl, rpc(2, 'tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' } }), { ...session, ...h('readme') });
    assert.equal(readme.json.result.isError, undefined);
    const missing = await mcpPost(w.mcpUrl, rpc(3, 'tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/nope' } }), { ...session, ...h('missing') });
    assert.equal(missing.json.result.isError, true);
    const unknown = await mcpPost(w.mcpUrl, rpc(4, 'tools/call', { name: 'noSuchTool', arguments: {} }), { ...session, ...h('unknown') });
    assert.equal(unknown.json.error.code, -32602);
    // 2026-07-28, trace context only in _meta (SEP-414's reserved key).
    ids.meta = traceId();
    const modern = await mcpPost(w.mcpUrl, modernCall(5, 'whoami', {}, { traceparent: parent(ids.meta) }), { ...auth, ...modernHeaders('whoami') });
    assert.equal(modern.status, 200);
    // 2024-11-05 HTTP+SSE: the POST is answered 202, the result travels on the stream.
    const sse = await openSse(w.sseUrl, h('sseOpen'));
    const endpoint = new URL((await sse.next((e) => e.event === 'endpoint')).data, w.url).href;
    await mcpPost(endpoint, initializeRequest(1, '2024-11-05'), h('sseInit'));
    await sse.next((e) => e.data?.includes('"id":1'));
    assert.equal((await mcpPost(endpoint, rpc(2, 'tools/call', { name: 'whoami', arguments: {} }), h('sseCall'))).status, 202);
    await sse.next((e) => e.data?.includes('"id":2'));
    sse.close();
    // Refused before authentication, and no trace sent at all.
    assert.equal((await mcpPost(w.mcpUrl, rpc(1, 'tools/list'), { traceparent: parent((ids.noAuth = traceId())) })).status, 401);
    assert.equal((await fetch(`${w.url}/healthz`)).status, 200);

    const lines = await waitForLines(w, (ls) => Object.values(ids).every((id) => ls.some((l) => l.traceId === id)));
    const one = (key) => {
      const found = lines.filter((l) => l.traceId === ids[key]);
      assert.equal(found.length, 1, `exactly one line for ${key}: ${JSON.stringify(found)}`);
      return found[0];
    };
    for (const l of lines) {
      assert.match(l.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(l.requestId, /^[0-9a-f]{16}$|^[\w-]+$/);
      assert.match(l.traceId, /^[0-9a-f]{32}$/);
      assert.match(l.spanId, /^[0-9a-f]{16}$/);
      assert.equal(typeof l.durationMs, 'number');
      assert.equal(typeof l.httpStatus, 'number');
      assert.ok(['ok', 'tool_error', 'rpc_error', 'http_error', 'unauthorized', 'rate_limited', 'server_error'].includes(l.outcome), l.outcome);
      assert.equal(l.callerLogin, undefined, 'no login unless LOG_CALLER_LOGIN=true');
    }
    const i = one('init');
    assert.deepEqual([i.method, i.protocol, i.transport, i.httpStatus, i.outcome, i.traceSource], ['initialize', '2025-11-25', 'streamable_http', 200, 'ok', 'header']);
    assert.match(i.caller, /^c_[0-9a-f]{16}$/);
    assert.equal(one('initialized').httpStatus, 202);
    const r = one('readme');
    assert.deepEqual([r.method, r.tool, r.outcome, r.githubCacheHits], ['tools/call', 'getGithubReadme', 'ok', 0]);
    assert.equal(typeof r.githubRateLimitRemaining, 'number');
    assert.equal(typeof r.githubMs, 'number');
    assert.equal(r.caller, i.caller, 'the pseudonym is stable');
    // GitHub received the trace on every call the line counts, as a child of our span.
    const upstream = gh.requests.filter((q) => q.headers.traceparent?.includes(ids.readme));
    assert.ok(upstream.some((q) => q.path.endsWith('/readme')), 'the README request carried the trace');
    assert.equal(r.githubCalls, upstream.length, 'githubCalls counts what GitHub received');
    for (const q of upstream) assert.equal(q.headers.traceparent, `00-${ids.readme}-${r.spanId}-01`);
    assert.deepEqual([one('missing').outcome, one('missing').isError], ['tool_error', true]);
    assert.deepEqual([one('unknown').outcome, one('unknown').rpcError], ['rpc_error', -32602]);
    const m = one('meta');
    assert.deepEqual([m.traceSource, m.transport, m.protocol, m.tool], ['meta', 'streamable_http_stateless', MODERN, 'whoami']);
    assert.deepEqual([one('sseOpen').transport, one('sseOpen').httpMethod], ['sse', 'GET']);
    const c = one('sseCall');
    assert.deepEqual([c.transport, c.method, c.tool, c.httpStatus, c.outcome, c.protocol], ['sse', 'tools/call', 'whoami', 202, 'ok', '2024-11-05']);
    const n = one('noAuth');
    assert.deepEqual([n.outcome, n.authFailure, n.httpStatus, n.caller], ['unauthorized', 'invalid_token', 401, undefined]);
    assert.ok(lines.some((l) => l.path === '/healthz' && l.traceSource === 'generated' && l.transport === 'none'));
    // One line per request: as many as wrangler's own access log has requests. wrangler
    // writes its line when a response ends (the SSE stream's only after it was closed), so
    // a loaded machine may show it a moment later: wait for it, up to 10 s.
    const accessLines = () => fs.readFileSync(w.logFile, 'utf8').split('\n').filter((l) => /^\[wrangler:info\] (GET|POST|DELETE|OPTIONS) \//.test(l)).length;
    for (const deadline = Date.now() + 10_000; accessLines() < requestLines(w).length && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(requestLines(w).length, accessLines());
    // The token itself is in no line.
    assert.ok(!fs.readFileSync(w.logFile, 'utf8').includes(token));
  } finally {
    await w.stop();
  }
});

test('LOG_CALLER_LOGIN=true adds the token name; LOG_LEVEL=warn keeps only warnings and errors', async () => {
  const persistDir = tempDir();
  const { token } = await createToken('named-caller', persistDir);
  const w = await startWorker({ vars: workerVars(gh, { authMode: 'bearer', extra: { LOG_CALLER_LOGIN: 'true' } }), persistDir, name: 'observability-login' });
  try {
    await mcpPost(w.mcpUrl, modernCall(1, 'whoami', {}), { authorization: `Bearer ${token}`, ...modernHeaders('whoami') });
    const lines = await waitForLines(w, (ls) => ls.some((l) => l.tool === 'whoami'));
    assert.equal(lines.find((l) => l.tool === 'whoami').callerLogin, 'named-caller');
  } finally {
    await w.stop();
  }
  const quiet = await startWorker({ vars: workerVars(gh, { authMode: 'bearer', extra: { LOG_LEVEL: 'warn' } }), persistDir, name: 'observability-warn' });
  try {
    await mcpPost(quiet.mcpUrl, modernCall(1, 'whoami', {}), { authorization: `Bearer ${token}`, ...modernHeaders('whoami') });
    await mcpPost(quiet.mcpUrl, modernCall(2, 'whoami', {}), modernHeaders('whoami'));
    const lines = await waitForLines(quiet, (ls) => ls.some((l) => l.outcome === 'unauthorized'));
    assert.deepEqual(lines.map((l) => [l.level, l.outcome]), [['warn', 'unauthorized']]);
  } finally {
    await quiet.stop();
  }
});

// The Worker hands the caller (with the GitHub token the tools use) and the request's
// observation to a session's or task's object in headers. The runtime takes a header value
// that is not ASCII but logs a warning quoting it whole: a token named 'Zoë’s laptop' put
// GITHUB_TOKEN in the log of every session request (review 29, F1), and a cut path ending
// in '…' warned on each request (F3). The values are ASCII now, and read back whole.
test('a token named in any script: no log line quotes a handed-over header, and the name arrives whole', async () => {
  const persistDir = tempDir();
  const name = 'Zoë’s laptop 🦀';
  const { token } = await createToken(name, persistDir);
  const w = await startWorker({
    vars: workerVars(gh, { authMode: 'bearer', toolsets: 'github,conformance', extra: { LOG_CALLER_LOGIN: 'true' } }),
    persistDir,
    name: 'observability-ascii',
  });
  try {
    const auth = { authorization: `Bearer ${token}` };
    // A session (its object writes the lines), through a narrowed URL cut in the log line.
    const narrowed = `${w.url}/mcp/x/repos${','.repeat(100)}`;
    const s = await rawSession(narrowed, auth);
    assert.equal((await s.request('ping')).status, 200);
    // HTTP+SSE.
    const sse = await openSse(w.sseUrl, auth);
    await sse.next((e) => e.event === 'endpoint');
    sse.close();
    // A 2026-07-28 task, which its own object keeps.
    const caps = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const task = await mcpPost(w.mcpUrl, modernCall(9, 'slow_compute', { seconds: 0 }, { 'io.modelcontextprotocol/clientCapabilities': caps }), { ...auth, ...modernHeaders('slow_compute') });
    assert.equal(task.json?.result?.resultType, 'task', task.text.slice(0, 300));

    const lines = await waitForLines(w, (ls) => ls.filter((l) => l.callerLogin === name).length >= 4);
    const seen = JSON.stringify(lines.map((l) => [l.method, l.path, l.callerLogin]));
    assert.ok(lines.filter((l) => l.callerLogin === name).length >= 4, seen);
    // The session's object wrote this line, from what the Worker handed over.
    const init = lines.find((l) => l.method === 'initialize');
    assert.equal(init?.callerLogin, name, seen);
    assert.match(init.path, /^\/mcp\/x\/repos,{80,}…$/, seen);
    const log = fs.readFileSync(w.logFile, 'utf8');
    assert.ok(!log.includes(gh.token), 'GITHUB_TOKEN is in no log line');
    // (`wrangler dev`'s own KV hands the token's metadata, its name, to the Worker in a header
    // and warns the same way; KV in production does not, and the name is no secret.)
    assert.deepEqual(log.split('\n').filter((l) => l.includes('"x-mcpw-')).map((l) => l.slice(0, 160)), []);
  } finally {
    await w.stop();
  }
});

test('/metrics: absent without METRICS_TOKEN, 401 without the token, exact counts after a known sequence', async () => {
  const persistDir = tempDir();
  const { token } = await createToken('counted', persistDir);
  const off = await startWorker({ vars: workerVars(gh, { authMode: 'bearer' }), persistDir, name: 'metrics-off' });
  try {
    assert.equal((await scrape(off, 'anything')).status, 404);
  } finally {
    await off.stop();
  }
  const w = await startWorker({ vars: workerVars(gh, { authMode: 'bearer', extra: { METRICS_TOKEN } }), persistDir, name: 'metrics-on' });
  try {
    const none = await scrape(w);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate'), /^Bearer/);
    assert.equal((await scrape(w, `${METRICS_TOKEN}x`)).status, 401);
    const auth = { authorization: `Bearer ${token}` };
    // The sequence: 3 whoami + 1 failing README + tools/list (2026-07-28); a session with
    // initialize, initialized, the same README twice (200 then 304), DELETE; one call without a token.
    for (let i = 1; i <= 3; i++) assert.equal((await mcpPost(w.mcpUrl, modernCall(i, 'whoami', {}), { ...auth, ...modernHeaders('whoami') })).status, 200);
    const ghAtMissing = gh.requests.length;
    await mcpPost(w.mcpUrl, modernCall(4, 'getGithubReadme', { repositoryUrl: 'octocat/nope' }), { ...auth, ...modernHeaders('getGithubReadme') });
    const ghMissing = gh.requests.length - ghAtMissing;
    const list = rpc(5, 'tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } });
    assert.equal((await mcpPost(w.mcpUrl, list, { ...auth, 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'tools/list' })).status, 200);
    const ghBefore = { requests: gh.requests.length, notModified: gh.counts.notModified };
    const s = await rawSession(w.mcpUrl, auth);
    await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
    await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
    assert.equal((await fetch(w.mcpUrl, { method: 'DELETE', headers: s.headers })).status, 204);
    assert.equal((await mcpPost(w.mcpUrl, modernCall(6, 'whoami', {}), modernHeaders('whoami'))).status, 401);
    await waitForLines(w, (ls) => ls.filter((l) => l.transport !== 'none').length >= 10);
    // What GitHub itself saw of the session's calls (the whoami and missing-README calls came before).
    const ghCalls = gh.requests.length - ghBefore.requests;
    const ghNotModified = gh.counts.notModified - ghBefore.notModified;
    assert.ok(ghNotModified >= 1, 'the repeated README was a 304');

    const m = await scrape(w, METRICS_TOKEN);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const req = (method, tool, status) => m.value('mcp_requests_total', `method="${method}",tool="${tool}",status="${status}"`);
    assert.equal(req('tools/call', 'whoami', 'ok'), 3);
    assert.equal(req('tools/call', 'getGithubReadme', 'tool_error'), 1);
    assert.equal(req('tools/call', 'getGithubReadme', 'ok'), 2);
    assert.equal(req('tools/list', '', 'ok'), 1);
    assert.equal(req('initialize', '', 'ok'), 1);
    assert.equal(req('notifications/initialized', '', 'ok'), 1);
    assert.equal(req('http:DELETE', '', 'ok'), 1);
    assert.equal(req('http:POST', '', 'unauthorized'), 1);
    const total = m.text.split('\n').filter((l) => l.startsWith('mcp_requests_total{')).reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    assert.equal(total, 11, m.text);
    assert.equal(m.value('mcp_request_duration_seconds_count'), 11);
    assert.equal(m.value('mcp_request_duration_seconds_bucket', 'le="+Inf"'), 11);
    assert.equal(m.value('mcp_tool_errors_total', 'tool="getGithubReadme"'), 1);
    assert.equal(m.value('mcp_auth_failures_total', 'reason="invalid_token"'), 1);
    assert.equal(m.value('mcp_auth_failures_total', 'reason="metrics_token"'), 2);
    // GitHub: every request the fake received, and the 304s it answered, exactly.
    const ghTotal = m.text.split('\n').filter((l) => l.startsWith('github_requests_total{')).reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    assert.equal(ghTotal, ghMissing + ghCalls, m.text);
    assert.equal(m.value('github_requests_total', 'status="304"'), ghNotModified);
    assert.ok(m.value('github_requests_total', 'status="404"') >= 1);
    assert.equal(m.value('github_request_duration_seconds_count'), ghTotal);
    assert.equal(typeof m.value('github_rate_limit_remaining'), 'number');
    assert.equal(m.value('mcp_active_sessions'), 0);
    assert.equal(m.value('mcp_rate_limited_total'), undefined);
    assert.ok(m.value('mcp_metrics_flushes_total') >= 1);
    for (const name of ['mcp_requests_total', 'mcp_request_duration_seconds', 'mcp_tool_errors_total', 'mcp_auth_failures_total', 'mcp_rate_limited_total', 'github_requests_total', 'github_request_duration_seconds', 'github_rate_limit_remaining', 'mcp_active_sessions']) {
      assert.match(m.text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    // HEAD as GET; a method it does not take, even one worker-rs reads as GET, is 405.
    const metricsAuth = { authorization: `Bearer ${METRICS_TOKEN}` };
    assert.equal((await fetch(`${w.url}/metrics`, { method: 'HEAD', headers: metricsAuth })).status, 200);
    for (const method of ['POST', 'PROPFIND']) {
      const refused = await rawHttp(`${w.url}/metrics`, { method, headers: metricsAuth });
      assert.equal(refused.status, 405, method);
      assert.equal(refused.headers.allow, 'GET, HEAD, OPTIONS');
      assert.ok(!refused.text.includes('mcp_requests_total'), 'no metrics in the refusal');
    }
  } finally {
    await w.stop();
  }
});
