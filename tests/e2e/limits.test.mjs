// Issue 8, rate limits and cost: tool calls are limited per identity, search tools more
// strictly (SEARCH_LIMITER, 30 a minute); over the limit every transport answers the POST
// with 429, Retry-After and a JSON-RPC error saying when to retry. The GitHub ETag cache
// lives in the Cache API: a repeated call is a 304 served from it, with zero KV writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, rawSession, mcpPost, openSse, rpc,
  initializeRequest, waitForLines, scrape, kvBlobs, freshRateWindow,
} from './harness.mjs';

const MODERN = '2026-07-28';
const METRICS_TOKEN = `mt_${crypto.randomBytes(24).toString('hex')}`;
const SEARCH = { name: 'searchGithubRepositories', arguments: { query: 'hello' } };
const modernSearch = (id) =>
  rpc(id, 'tools/call', { ...SEARCH, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } });
const modernHeaders = { 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'tools/call', 'Mcp-Name': SEARCH.name };

let gh;
before(async () => {
  gh = await startFakeGitHub();
});
after(async () => {
  await gh?.close();
});

function assertRefused(r, id) {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.headers.get('retry-after'), '60');
  assert.equal(r.json.id, id);
  assert.equal(r.json.error.code, -31429, 'an application code, outside the range JSON-RPC and MCP reserve');
  assert.match(r.json.error.message, /Rate limit exceeded: .*search requests.*Retry after 60 seconds/);
  assert.deepEqual(r.json.error.data, { retryAfter: 60, limit: 'SEARCH_LIMITER' });
}

test('over the search limit: 429 with Retry-After on a 2026-07-28 POST, a session POST and /sse/message', async () => {
  const w = await startWorker({ vars: workerVars(gh, { extra: { METRICS_TOKEN } }), name: 'limits' });
  try {
    const session = await rawSession(w.mcpUrl);
    const sse = await openSse(w.sseUrl);
    const endpoint = new URL((await sse.next((e) => e.event === 'endpoint')).data, w.url).href;
    await mcpPost(endpoint, initializeRequest(1, '2024-11-05'));
    await sse.next((e) => e.data?.includes('"id":1'));
    // The budget is the identity's, whatever the transport: 30 searches a minute.
    await freshRateWindow(30_000);
    for (let i = 1; i <= 30; i++) {
      const r = await mcpPost(w.mcpUrl, modernSearch(i), modernHeaders);
      assert.equal(r.status, 200, `search ${i}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.result.isError, undefined);
    }
    assertRefused(await mcpPost(w.mcpUrl, modernSearch(31), modernHeaders), 31);
    assertRefused(await session.request('tools/call', SEARCH), 2);
    const viaSse = await mcpPost(endpoint, rpc(7, 'tools/call', SEARCH));
    assertRefused(viaSse, 7);
    // Other tools still have budget.
    assert.equal((await session.call('whoami')).structuredContent.authMode, 'none');
    assert.equal((await mcpPost(endpoint, rpc(8, 'tools/call', { name: 'whoami', arguments: {} }))).status, 202);
    const answer = await sse.next((e) => e.data?.includes('"id":8'));
    assert.ok(!answer.data.includes('"error"'));
    assert.ok(!sse.events.some((e) => e.data?.includes('"id":7')), 'the refused call got its answer on the POST, not the stream');
    sse.close();
    const lines = await waitForLines(w, (ls) => ls.filter((l) => l.outcome === 'rate_limited').length >= 3);
    const limited = lines.filter((l) => l.outcome === 'rate_limited');
    assert.deepEqual(limited.map((l) => [l.transport, l.httpStatus, l.limitedBy, l.level]), [
      ['streamable_http', 429, 'SEARCH_LIMITER', 'warn'],
      ['streamable_http', 429, 'SEARCH_LIMITER', 'warn'],
      ['sse', 429, 'SEARCH_LIMITER', 'warn'],
    ]);
    const m = await scrape(w, METRICS_TOKEN);
    assert.equal(m.value('mcp_rate_limited_total', 'limit="SEARCH_LIMITER"'), 3, m.text);
    assert.equal(m.value('mcp_requests_total', `method="tools/call",tool="${SEARCH.name}",status="rate_limited"`), 3);
  } finally {
    await w.stop();
  }
});

test('everything that reaches GitHub is counted: any spelling of tools/call, each search page, resource reads; batches are capped', async () => {
  const w = await startWorker({ vars: workerVars(gh), name: 'limits-charges' });
  try {
    const sse = await openSse(w.sseUrl);
    const endpoint = new URL((await sse.next((e) => e.event === 'endpoint')).data, w.url).href;
    await mcpPost(endpoint, initializeRequest(1, '2024-11-05'));
    await sse.next((e) => e.data?.includes('"id":1'));
    const batched = await rawSession(w.mcpUrl, {}, '2025-03-26');
    const searchesSeen = () => gh.requests.filter((r) => r.path.startsWith('/search/')).length;

    // A search that may fetch 10 pages spends 10 of the 30 search units a minute.
    await freshRateWindow(30_000);
    const pages = (id, maxPages) => rpc(id, 'tools/call', { name: 'searchGithubIssues', arguments: { q: 'hello', maxPages } });
    for (const id of [2, 3, 4]) {
      const r = await mcpPost(w.mcpUrl, pages(id, 10), batched.headers);
      assert.equal(r.status, 200, r.text.slice(0, 300));
    }
    assertRefused(await mcpPost(w.mcpUrl, pages(5, 1), batched.headers), 5);

    // /sse/message counts the message as the session reads it: `tools\/call` is tools/call.
    const before = searchesSeen();
    const escaped = '{"jsonrpc":"2.0","id":9,"method":"tools\\/call","params":{"name":"searchGithubRepositories","arguments":{"query":"hello"}}}';
    assert.equal(JSON.parse(escaped).method, 'tools/call');
    assertRefused(await mcpPost(endpoint, escaped), 9);
    assert.equal(searchesSeen(), before, 'the refused search never reached GitHub');

    // Resource reads spend the caller's 600 a minute too (here in 2025-03-26 batches of 100,
    // after the few units above). They are counted before they are read: these name no
    // repository and never reach GitHub.
    const reads = (from) => Array.from({ length: 100 }, (_, i) => rpc(from + i, 'resources/read', { uri: 'github://octocat' }));
    let answered = 0;
    let refused;
    for (let round = 0; round < 7 && !refused; round++) {
      const r = await mcpPost(w.mcpUrl, reads(1000 + round * 100), batched.headers);
      if (r.status === 429) refused = r;
      else {
        assert.equal(r.status, 200, `round ${round}: ${r.text.slice(0, 300)}`);
        assert.equal(r.json.length, 100);
        answered += 100;
      }
    }
    assert.ok(refused, 'seven batches of 100 reads were never refused');
    assert.ok(answered >= 500 && answered <= 600, `${answered} reads answered before the refusal`);
    assert.match(refused.json.error.message, /requests that reach GitHub \(tool calls, resource reads and completions\)/);
    assert.equal(refused.json.error.data.limit, 'TOOL_CALL_LIMITER');

    // A batch holds at most 100 messages, on /mcp and on /sse/message.
    const long = Array.from({ length: 101 }, (_, i) => rpc(3000 + i, 'ping'));
    for (const url of [w.mcpUrl, endpoint]) {
      const r = await mcpPost(url, long, url === endpoint ? {} : batched.headers);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, -32600);
      assert.match(r.json.error.message, /holds 101 messages; a batch may hold at most 100/);
    }
    sse.close();
  } finally {
    await w.stop();
  }
});

test('new sessions are limited per identity (300 a minute): initialize on /mcp and GET /sse get 429', async () => {
  const w = await startWorker({ vars: workerVars(gh), name: 'limits-sessions' });
  try {
    await freshRateWindow(40_000);
    let opened = 0;
    let refused;
    for (let i = 0; i < 310 && !refused; i++) {
      const r = await mcpPost(w.mcpUrl, initializeRequest(i + 1));
      if (r.status === 429) refused = r;
      else {
        assert.equal(r.status, 200, r.text.slice(0, 200));
        opened++;
      }
    }
    assert.equal(opened, 300);
    assert.equal(refused.headers.get('retry-after'), '60');
    assert.equal(refused.json.id, 301, 'the refusal answers the initialize');
    assert.deepEqual(refused.json.error.data, { retryAfter: 60, limit: 'SESSION_LIMITER' });
    assert.match(refused.json.error.message, /limited number of new sessions/);
    const sse = await fetch(w.sseUrl, { headers: { accept: 'text/event-stream' } });
    assert.equal(sse.status, 429);
    assert.equal((await sse.json()).error.data.limit, 'SESSION_LIMITER');
  } finally {
    await w.stop();
  }
});

test('a repeated GitHub call is answered from the Cache API with zero KV writes', async () => {
  const persistDir = tempDir();
  const { token } = await createToken('cache-user', persistDir);
  const w = await startWorker({ vars: workerVars(gh, { authMode: 'bearer' }), persistDir, name: 'edge-cache' });
  try {
    const kvBefore = kvBlobs(persistDir);
    assert.equal(kvBefore.length, 1, 'only the bearer token is in KV');
    const s = await rawSession(w.mcpUrl, { authorization: `Bearer ${token}` });
    const path304 = '304 /repos/octocat/Hello-World/branches';
    const before304 = gh.counts[path304] ?? 0;
    const first = await s.call('listGithubBranches', { owner: 'octocat', repo: 'Hello-World' });
    const second = await s.call('listGithubBranches', { owner: 'octocat', repo: 'Hello-World' });
    assert.deepEqual(second.structuredContent, first.structuredContent);
    assert.equal((gh.counts[path304] ?? 0) - before304, 1, 'GitHub answered the repeat with 304');
    const lines = await waitForLines(w, (ls) => ls.filter((l) => l.tool === 'listGithubBranches').length >= 2);
    const [one, two] = lines.filter((l) => l.tool === 'listGithubBranches');
    assert.equal(one.githubCacheHits, 0, 'the first call filled the cache');
    assert.ok(two.githubCacheHits >= 1 && two.githubCacheHits === two.githubCalls, `the repeat was answered from it: ${JSON.stringify(two)}`);
    // Twenty more calls, cached and not: no KV write at all.
    for (let i = 0; i < 10; i++) {
      await s.call('listGithubBranches', { owner: 'octocat', repo: 'Hello-World' });
      await s.call('listGithubTags', { owner: 'octocat', repo: 'Hello-World', page: i + 1 });
    }
    assert.deepEqual(kvBlobs(persistDir), kvBefore, 'no KV value was written');
    // The entries are in the Cache API's local store instead.
    const cacheDir = path.join(persistDir, 'v3', 'cache');
    assert.ok(fs.existsSync(cacheDir) && fs.readdirSync(cacheDir, { recursive: true }).some((f) => f.includes('blobs')), 'the Cache API holds the entries');
  } finally {
    await w.stop();
  }
});
