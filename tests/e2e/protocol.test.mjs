// Transport-level checks with raw HTTP that no off-the-shelf client covers yet:
// the stateless 2026-07-28 era on /mcp, and the 2024-11-05 HTTP+SSE endpoint event on /sse.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFakeGitHub, startWorker, workerVars, mcpPost, openSse, rpc, resultText, HELLO_MARKER,
} from './harness.mjs';

const MODERN = '2026-07-28';
const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'mcpw-e2e-raw', version: '0' } };
const modernHeaders = (method, name) => ({ 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) });

describe('raw protocol checks (AUTH_MODE=none)', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'protocol', vars: workerVars(gh, { authMode: 'none' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('2026-07-28: server/discover, tools/list, tools/call without a session', async () => {
    const d = await mcpPost(worker.mcpUrl, rpc(1, 'server/discover', { _meta: meta }), modernHeaders('server/discover'));
    assert.equal(d.status, 200, `server/discover: ${d.status} ${d.text.slice(0, 300)}`);
    assert.ok(d.json?.result?.supportedVersions?.includes(MODERN), d.text.slice(0, 300));
    assert.equal(d.headers.get('mcp-session-id'), null, 'no session id in the stateless era');

    const l = await mcpPost(worker.mcpUrl, rpc(2, 'tools/list', { _meta: meta }), modernHeaders('tools/list'));
    assert.equal(l.status, 200, `tools/list: ${l.status} ${l.text.slice(0, 300)}`);
    assert.ok(l.json?.result?.tools?.some((t) => t.name === 'getGithubReadme'));
    assert.equal(l.headers.get('mcp-session-id'), null);

    const c = await mcpPost(worker.mcpUrl, rpc(3, 'tools/call', {
      _meta: meta, name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' },
    }), modernHeaders('tools/call', 'getGithubReadme'));
    assert.equal(c.status, 200, `tools/call: ${c.status} ${c.text.slice(0, 300)}`);
    assert.ok(resultText(c.json?.result).includes(HELLO_MARKER), c.text.slice(0, 300));
    assert.equal(c.json.result.resultType, 'complete');

    // error path: Mcp-Name disagreeing with the body -> 400 HeaderMismatch (-32020)
    const bad = await mcpPost(worker.mcpUrl, rpc(4, 'tools/call', {
      _meta: meta, name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' },
    }), modernHeaders('tools/call', 'whoami'));
    assert.equal(bad.status, 400, `Mcp-Name mismatch: ${bad.status} ${bad.text.slice(0, 300)}`);
    assert.equal(bad.json?.error?.code, -32020, bad.text.slice(0, 300));
  });

  test('2024-11-05 HTTP+SSE: GET /sse starts with an endpoint event; POST /sse is 405', async () => {
    const s = await openSse(worker.sseUrl);
    try {
      assert.equal(s.status, 200);
      assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
      const e = await s.next((x) => x.event === 'endpoint', 15_000);
      const endpoint = new URL(e.data, worker.sseUrl);
      assert.equal(endpoint.pathname, '/sse/message');
      assert.ok(endpoint.searchParams.get('sessionId'), e.data);

      // initialize through the message endpoint: 202 there, the response arrives on the stream
      const p = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rpc(1, 'initialize', { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw-sse', version: '0' } })),
        signal: AbortSignal.timeout(10_000),
      });
      await p.text();
      assert.ok(p.status === 202 || p.status === 200, `POST message endpoint -> ${p.status}`);
      const m = await s.next((x) => x.event === 'message' && JSON.parse(x.data).id === 1, 15_000);
      assert.equal(JSON.parse(m.data).result.protocolVersion, '2024-11-05');
    } finally {
      s.close();
    }
    const r = await fetch(worker.sseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10_000) });
    await r.text();
    assert.equal(r.status, 405);
  });
});
