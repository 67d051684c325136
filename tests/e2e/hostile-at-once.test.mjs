// Hostile requests twenty at once, each kind beside the others, on a bearer worker whose
// token has a name with non-ASCII and bidi characters: unknown methods with chunked bodies,
// a narrowed URL cut in the handoff, Accept with q=0, bodies over the limit. None may get a
// 5xx, every refusal has a JSON body, and no token or handed-over header reaches the log.
// (Renaming an unknown method once moved its unread body to the new request, and under
// `wrangler dev` 1 or 2 of 20 such PROPFINDs lost their connection: 500.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import { startFakeGitHub, startWorker, workerVars, createToken, tempDir, initializeRequest } from './harness.mjs';
let gh, w, token;
before(async () => {
  gh = await startFakeGitHub();
  const dir = tempDir();
  token = (await createToken('Zoë’s \u202e laptop', dir)).token;
  w = await startWorker({ name: 'hostile-at-once', persistDir: dir, vars: workerVars(gh, { authMode: 'bearer', extra: { LOG_CALLER_LOGIN: 'true' } }) });
});
after(async () => { await w?.stop(); await gh?.close(); });
function raw(path, { method = 'POST', headers = {}, chunks = [] } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(w.url + path);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, timeout: 20000 }, (res) => {
      let text = ''; res.setEncoding('utf8'); res.on('data', (d) => { if (text.length < 2000) text += d; }); res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      if ((res.headers['content-type'] ?? '').includes('event-stream')) setTimeout(() => res.destroy(), 300);
    });
    req.on('timeout', () => req.destroy(new Error('timeout'))); req.on('error', reject);
    for (const c of chunks) req.write(c); req.end();
  });
}
test('twenty of each hostile request at once: no 5xx, JSON refusals, nothing secret in the log', async () => {
  const auth = { authorization: `Bearer ${token}` };
  const big = Buffer.alloc(2 * 1024 * 1024, 'x');
  const jobs = [];
  for (let i = 0; i < 20; i++) {
    jobs.push(raw('/mcp', { method: 'PROPFIND', headers: { ...auth, accept: 'text/event-stream', 'transfer-encoding': 'chunked' }, chunks: [big.subarray(0, 65536), big.subarray(0, 65536)] }));
    jobs.push(raw('/mcp', { headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-client-name': 'caf\u00e9 \u00ff' }, chunks: [JSON.stringify(initializeRequest(i))] }));
    jobs.push(raw(`/mcp/x/repos${','.repeat(150)}`, { headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, chunks: [JSON.stringify(initializeRequest(i))] }));
    jobs.push(raw('/mcp', { headers: { ...auth, 'content-type': 'application/json', accept: 'application/json;q=0, text/event-stream' }, chunks: [JSON.stringify(initializeRequest(i))] }));
    jobs.push(raw('/mcp', { headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, chunks: [big] }));
  }
  const all = await Promise.all(jobs);
  const tally = {};
  for (const r of all) tally[r.status] = (tally[r.status] ?? 0) + 1;
  assert.ok(all.every((r) => r.status < 500), JSON.stringify(all.filter((r) => r.status >= 500).slice(0, 3)));
  for (const r of all.filter((r) => r.status >= 400)) assert.doesNotThrow(() => JSON.parse(r.text), r.text.slice(0, 200));
  const log = fs.readFileSync(w.logFile, 'utf8');
  assert.ok(!log.includes(gh.token), 'no GitHub token in the log');
  assert.ok(!log.includes(token), 'no bearer token in the log');
  assert.deepEqual(log.split('\n').filter((l) => l.includes('"x-mcpw-') || /panicked|RuntimeError/.test(l)), []);
  assert.deepEqual(tally, { 200: 40, 405: 20, 406: 20, 413: 20 });
});
