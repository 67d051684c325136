// Protocol edge cases, each with the status code and JSON-RPC error code the server must
// give, plus a sweep of malformed input that must never produce a 5xx.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  initializeRequest,
  mcpPost,
  notification,
  openSse,
  rawHttp,
  rawSession,
  requestLines,
  rpc,
  startFakeGitHub,
  startWorker,
  workerVars,
} from './harness.mjs';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'edge-cases', vars: workerVars(gh, { toolsets: 'github,conformance' }) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

/** Asserts an HTTP status and, when given, the JSON-RPC error code of the body. */
function expectError(response, status, code) {
  assert.equal(response.status, status, response.text);
  if (code !== undefined) assert.equal(response.json?.error?.code, code, response.text);
}

describe('Streamable HTTP sessions (2025-03-26 to 2025-11-25)', () => {
  test('initialize returns a visible-ASCII Mcp-Session-Id and application/json', async () => {
    const r = await mcpPost(worker.mcpUrl, initializeRequest(7));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.match(r.headers.get('mcp-session-id'), /^[\x21-\x7e]{32,}$/);
    assert.equal(r.json.id, 7);
    assert.equal(r.json.result.protocolVersion, '2025-11-25');
  });

  test('version negotiation echoes a known version and offers the latest for an unknown one', async () => {
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(1, '2025-03-26'))).json.result.protocolVersion, '2025-03-26');
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(1, '1999-01-01'))).json.result.protocolVersion, '2025-11-25');
  });

  test('a request without Mcp-Session-Id gets 400; an unknown one 404; a malformed one 404', async () => {
    expectError(await mcpPost(worker.mcpUrl, rpc(1, 'tools/list')), 400, -32600);
    expectError(await mcpPost(worker.mcpUrl, rpc(1, 'tools/list'), { 'mcp-session-id': 'a'.repeat(64) }), 404, -32001);
    expectError(await mcpPost(worker.mcpUrl, rpc(1, 'tools/list'), { 'mcp-session-id': 'not a session' }), 404, -32001);
  });

  test('initialize carrying a session id gets 400', async () => {
    const s = await rawSession(worker.mcpUrl);
    expectError(await mcpPost(worker.mcpUrl, initializeRequest(), { 'mcp-session-id': s.sid }), 400, -32600);
  });

  test('MCP-Protocol-Version: missing is accepted (2025-03-26 assumed), unsupported gets 400', async () => {
    const s = await rawSession(worker.mcpUrl);
    const { 'mcp-protocol-version': _, ...noVersion } = s.headers;
    assert.equal((await mcpPost(worker.mcpUrl, rpc(2, 'ping'), noVersion)).status, 200);
    expectError(await mcpPost(worker.mcpUrl, rpc(3, 'ping'), { ...s.headers, 'mcp-protocol-version': '1999-01-01' }), 400, -32600);
  });

  test('notifications and responses get 202 with an empty body', async () => {
    const s = await rawSession(worker.mcpUrl);
    const n = await mcpPost(worker.mcpUrl, notification('notifications/cancelled', { requestId: 99 }), s.headers);
    assert.equal(n.status, 202);
    assert.equal(n.text, '');
    const reply = await mcpPost(worker.mcpUrl, { jsonrpc: '2.0', id: 'nobody-asked', result: {} }, s.headers);
    assert.equal(reply.status, 202);
  });

  test('a plain request is application/json; a request with progress streams text/event-stream', async () => {
    const s = await rawSession(worker.mcpUrl);
    const plain = await s.request('tools/call', { name: 'whoami', arguments: {} });
    assert.match(plain.headers.get('content-type'), /application\/json/);
    const streamed = await s.request('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p1' } });
    assert.match(streamed.headers.get('content-type'), /text\/event-stream/);
    const progress = streamed.messages.filter((m) => m.method === 'notifications/progress');
    assert.equal(progress.length, 3);
    assert.ok(progress.every((m) => m.params.progressToken === 'p1'));
    assert.equal(streamed.messages.at(-1).result.content[0].text, 'p1', 'the response comes last');
  });

  test('batches: accepted in 2025-03-26, 400 in later revisions, never with initialize', async () => {
    const old = await rawSession(worker.mcpUrl, {}, '2025-03-26');
    const batch = await mcpPost(worker.mcpUrl, [rpc(10, 'ping'), notification('notifications/roots/list_changed'), rpc(11, 'tools/list')], old.headers);
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.json.map((m) => m.id), [10, 11]);
    expectError(await mcpPost(worker.mcpUrl, [initializeRequest(12)], old.headers), 400, -32600);
    const latest = await rawSession(worker.mcpUrl);
    expectError(await mcpPost(worker.mcpUrl, [rpc(13, 'ping')], latest.headers), 400, -32600);
  });

  test('GET opens the session stream; DELETE ends the session and later requests get 404', async () => {
    const s = await rawSession(worker.mcpUrl);
    const stream = await openSse(worker.mcpUrl, s.headers);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type'), /text\/event-stream/);
    stream.close();
    const del = await fetch(worker.mcpUrl, { method: 'DELETE', headers: s.headers });
    assert.equal(del.status, 204);
    expectError(await s.request('ping'), 404, -32001);
    const again = await fetch(worker.mcpUrl, { method: 'DELETE', headers: s.headers });
    assert.equal(again.status, 404);
  });

  test('JSON-RPC errors use the exact codes', async () => {
    const s = await rawSession(worker.mcpUrl);
    assert.equal((await s.request('no/such/method')).json.error.code, -32601);
    assert.equal((await s.request('tools/call', { name: 'no_such_tool' })).json.error.code, -32602);
    assert.equal((await s.request('tools/call', { name: 'whoami', arguments: 'x' })).json.error.code, -32602);
    assert.equal((await s.request('tools/list', { cursor: 'bogus' })).json.error.code, -32602);
    assert.equal((await s.request('logging/setLevel', { level: 'loud' })).json.error.code, -32602);
    assert.equal((await s.request('resources/read', { uri: 'test://missing' })).json.error.code, -32002);
    assert.equal((await s.request('prompts/get', { name: 'test_prompt_with_arguments', arguments: {} })).json.error.code, -32602);
    expectError(await mcpPost(worker.mcpUrl, '{"jsonrpc":', s.headers), 400, -32700);
    expectError(await mcpPost(worker.mcpUrl, { jsonrpc: '2.0', id: null, method: 'ping' }, s.headers), 400, -32600);
  });

  test('a tool failure is an isError result naming the argument', async () => {
    const s = await rawSession(worker.mcpUrl);
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World', extra: 1 });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /unknown argument 'extra'/);
  });

  // Lifecycle (2024-11-05 to 2025-11-25): "The server SHOULD NOT send requests other than
  // pings and logging before receiving the initialized notification", and both sides use
  // only what the negotiated revision has (elicitation arrived in 2025-06-18).
  test('no request goes to the client before notifications/initialized, nor elicitation to a revision without it', async () => {
    const start = async (protocolVersion) => {
      const init = await mcpPost(worker.mcpUrl, rpc(1, 'initialize', { protocolVersion, capabilities: { elicitation: {} }, clientInfo: { name: 'edge', version: '0' } }));
      return { 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': protocolVersion };
    };
    const elicit = (headers) => mcpPost(worker.mcpUrl, rpc(2, 'tools/call', { name: 'test_elicitation', arguments: {} }), headers);

    const early = await start('2025-11-25');
    const refused = await elicit(early);
    assert.equal(refused.status, 200, refused.text);
    assert.deepEqual(refused.messages.map((m) => m.method ?? 'response'), ['response']);
    assert.equal(refused.json.result.isError, true);
    assert.match(refused.json.result.content[0].text, /before it sends notifications\/initialized/);
    assert.equal((await mcpPost(worker.mcpUrl, notification('notifications/initialized'), early)).status, 202);
    const stream = await openSse(worker.mcpUrl, early, { body: rpc(3, 'tools/call', { name: 'test_elicitation', arguments: {} }) });
    const asked = JSON.parse((await stream.next((e) => e.data)).data);
    assert.equal(asked.method, 'elicitation/create');
    assert.equal((await mcpPost(worker.mcpUrl, { jsonrpc: '2.0', id: asked.id, result: { action: 'decline' } }, early)).status, 202);
    const answered = JSON.parse((await stream.next((e) => e.data)).data);
    assert.equal(answered.id, 3);
    assert.match(answered.result.content[0].text, /action=decline/);

    const old = await start('2025-03-26');
    assert.equal((await mcpPost(worker.mcpUrl, notification('notifications/initialized'), old)).status, 202);
    const none = await elicit(old);
    assert.deepEqual(none.messages.map((m) => m.method ?? 'response'), ['response']);
    assert.equal(none.json.result.isError, true);
    assert.match(none.json.result.content[0].text, /protocol 2025-03-26 has no 'elicitation' capability/);
  });
});

describe('HTTP rules on every endpoint', () => {
  test('415 for a non-JSON body, 406 without an acceptable Accept, 413 past 1 MiB', async () => {
    expectError(await mcpPost(worker.mcpUrl, initializeRequest(), { 'content-type': 'text/plain' }), 415, -32600);
    expectError(await mcpPost(worker.mcpUrl, initializeRequest(), { accept: 'text/html' }), 406, -32600);
    const big = JSON.stringify(rpc(1, 'ping', { pad: 'x'.repeat(1024 * 1024) }));
    expectError(await mcpPost(worker.mcpUrl, big), 413, -32600);
  });

  test('405 for methods an endpoint does not take', async () => {
    assert.equal((await fetch(worker.mcpUrl, { method: 'PUT' })).status, 405);
    assert.equal((await mcpPost(worker.sseUrl, initializeRequest())).status, 405);
    assert.equal((await fetch(`${worker.sseUrl}/message?sessionId=${'a'.repeat(64)}`)).status, 405);
    const modern = { 'mcp-protocol-version': '2026-07-28', accept: 'text/event-stream' };
    assert.equal((await fetch(worker.mcpUrl, { headers: modern })).status, 405);
    assert.equal((await fetch(worker.mcpUrl, { method: 'DELETE', headers: modern })).status, 405);
  });

  // worker-rs reads a method it does not know as GET: PROPFIND /mcp opened a session's
  // listen stream and SEARCH /sse a new session (review 29, F2).
  test('a method no endpoint serves (PROPFIND, PURGE) gets 405 and Allow everywhere, never a GET\'s answer', async () => {
    const s = await rawSession(worker.mcpUrl);
    const stream = { accept: 'text/event-stream', 'mcp-session-id': s.sid };
    const cases = [
      ['/mcp', stream, 'GET, POST, DELETE, OPTIONS'],
      ['/sse', stream, 'GET, OPTIONS'],
      ['/sse/message?sessionId=x', stream, 'POST, OPTIONS'],
      ['/healthz', {}, 'GET, HEAD, OPTIONS'],
      ['/', {}, 'GET, HEAD, OPTIONS'],
    ];
    for (const method of ['PROPFIND', 'PURGE']) {
      for (const [path, headers, allow] of cases) {
        const r = await rawHttp(`${worker.url}${path}`, { method, headers, timeoutMs: 5000 });
        assert.equal(r.status, 405, `${method} ${path}: ${r.status} ${r.text.slice(0, 120)}`);
        assert.equal(r.headers.allow, allow, `${method} ${path}`);
        assert.equal(JSON.parse(r.text).error.code, -32600, r.text);
      }
    }
    for (const method of ['PUT', 'DELETE', 'POST']) {
      assert.equal((await fetch(`${worker.url}/healthz`, { method })).status, 405, method);
    }
    const head = await fetch(`${worker.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const logged = requestLines(worker).filter((l) => l.httpMethod === 'PROPFIND');
    assert.equal(logged.length, cases.length, 'the log line names the method sent');
  });

  test('Accept with q=0 on a type refuses it', async () => {
    for (const accept of ['application/json;q=0, text/event-stream', '*/*;q=0', 'text/event-stream;q=0, */*']) {
      expectError(await mcpPost(worker.mcpUrl, initializeRequest(), { accept }), 406, -32600);
    }
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), { accept: 'application/json;q=0.5, text/*' })).status, 200);
  });

  // agents' MCP client, given headers of its own, sends GET /sse with no Accept: that admits
  // any type (RFC 9110, 12.5.1), as the TypeScript SDK's SSE server reads it (GET /mcp the
  // same: interop.test.mjs).
  test('GET /sse without Accept opens the stream; an Accept that excludes it gets 406', async () => {
    const first = await new Promise((resolve, reject) => {
      const req = http.get(worker.sseUrl, { timeout: 10_000 }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (d) => {
          resolve({ status: res.statusCode, type: res.headers['content-type'], text: d });
          req.destroy();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out: GET /sse')));
      req.on('error', reject);
    });
    assert.equal(first.status, 200);
    assert.match(first.type, /^text\/event-stream/);
    assert.match(first.text, /^event: endpoint\ndata: \/sse\/message\?sessionId=/);
    const html = await rawHttp(worker.sseUrl, { headers: { accept: 'text/html' }, timeoutMs: 5000 });
    assert.equal(html.status, 406, html.text);
  });

  test('HTTP+SSE: a missing or unknown sessionId is refused', async () => {
    const post = (url) => mcpPost(url, rpc(1, 'ping'));
    expectError(await post(`${worker.sseUrl}/message`), 400, -32600);
    expectError(await post(`${worker.sseUrl}/message?sessionId=${'b'.repeat(64)}`), 404, -32001);
  });

  test('an idle SSE stream sends keep-alive comments', { timeout: 40_000 }, async () => {
    const r = await fetch(worker.sseUrl, { headers: { accept: 'text/event-stream' } });
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 25_000;
    let pending = reader.read();
    while (!text.includes(': keepalive') && Date.now() < deadline) {
      const tick = new Promise((resolve) => setTimeout(() => resolve(null), 1000));
      const chunk = await Promise.race([pending, tick]);
      if (chunk === null) continue;
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      pending = reader.read();
    }
    await reader.cancel();
    assert.match(text, /^event: endpoint/);
    assert.match(text, /\n: keepalive\n/);
  });

  test('no malformed input gets a 5xx', async () => {
    const s = await rawSession(worker.mcpUrl);
    const bodies = [
      '', ' ', 'null', '[]', '[[]]', '{}', '"x"', '123', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":{},"method":"x"}',
      '{"jsonrpc":"2.0","id":1,"method":5}', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":7}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":{}}}', '{"jsonrpc":"2.0","id":1,"result":1,"error":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/x"},"argument":{}}}',
      '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":5}}', '\u0000\u0001', '{"a":' + '['.repeat(500),
      JSON.stringify(rpc(1, 'tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: '../../etc/passwd' } })),
      JSON.stringify(rpc(1, 'tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: 'a/b', ref: '../../x' } })),
    ];
    const targets = [
      [worker.mcpUrl, {}],
      [worker.mcpUrl, s.headers],
      [worker.mcpUrl, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' }],
    ];
    for (const [url, headers] of targets) {
      for (const body of bodies) {
        const r = await mcpPost(url, body, headers);
        assert.ok(r.status < 500, `${r.status} for ${body.slice(0, 60)} with ${JSON.stringify(headers).slice(0, 80)}: ${r.text.slice(0, 200)}`);
        if (r.status !== 202 && r.text) assert.doesNotThrow(() => JSON.parse(r.text), `a JSON body for ${body.slice(0, 40)}`);
      }
    }
  });
});

describe('2026-07-28 (stateless)', () => {
  const post = (method, params, headers = {}) =>
    mcpPost(worker.mcpUrl, rpc(5, method, params), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...headers });

  test('no session is minted, and results carry resultType and serverInfo', async () => {
    const r = await post('tools/call', { name: 'whoami', arguments: {}, _meta: MODERN_META }, { 'mcp-name': 'whoami' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('mcp-session-id'), null);
    assert.equal(r.json.result.resultType, 'complete');
    assert.equal(r.json.result._meta['io.modelcontextprotocol/serverInfo'].name, 'github-mcp-worker');
    const list = await post('tools/list', { _meta: MODERN_META });
    assert.ok(Number.isInteger(list.json.result.ttlMs));
    assert.ok(['public', 'private'].includes(list.json.result.cacheScope));
  });

  test('400 with -32602, -32020, -32021 and -32022; 404 with -32601', async () => {
    expectError(await post('tools/list', {}), 400, -32602);
    expectError(await post('tools/list', { _meta: MODERN_META }, { 'mcp-method': 'prompts/list' }), 400, -32020);
    expectError(await post('tools/call', { name: 'whoami', _meta: MODERN_META }, { 'mcp-name': 'other' }), 400, -32020);
    const v = { ...MODERN_META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
    const unsupported = await post('tools/list', { _meta: v }, { 'mcp-protocol-version': '2099-01-01' });
    expectError(unsupported, 400, -32022);
    assert.deepEqual(unsupported.json.error.data, { supported: ['2026-07-28'], requested: '2099-01-01' });
    const missing = await post('tools/call', { name: 'test_missing_capability', arguments: {}, _meta: MODERN_META }, { 'mcp-name': 'test_missing_capability' });
    expectError(missing, 400, -32021);
    assert.deepEqual(missing.json.error.data, { requiredCapabilities: { sampling: {} } });
    expectError(await post('ping', { _meta: MODERN_META }), 404, -32601);
    expectError(await post('initialize', { _meta: MODERN_META }), 404, -32601);
  });

  test('a tampered requestState is refused', async () => {
    const name = 'test_input_required_result_request_state';
    const first = await post('tools/call', { name, arguments: {}, _meta: MODERN_META }, { 'mcp-name': name });
    assert.equal(first.json.result.resultType, 'input_required');
    const retry = (state) =>
      post('tools/call', { name, arguments: {}, inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: state, _meta: MODERN_META }, { 'mcp-name': name });
    assert.equal((await retry(first.json.result.requestState)).json.result.resultType, 'complete');
    assert.equal((await retry(`${first.json.result.requestState}x`)).json.error.code, -32602);
  });
});

describe('CORS', () => {
  test('preflight is answered before authentication and allows the MCP headers', async () => {
    const r = await fetch(worker.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'mcp-session-id, mcp-protocol-version' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:6274');
    assert.match(r.headers.get('access-control-allow-headers'), /Mcp-Session-Id/i);
    assert.match(r.headers.get('access-control-allow-headers'), /MCP-Protocol-Version/i);
    assert.match(r.headers.get('access-control-expose-headers'), /Mcp-Session-Id/i);
    assert.match(r.headers.get('access-control-expose-headers'), /WWW-Authenticate/i);
  });

  test('responses from the session object carry CORS headers too', async () => {
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), { origin: 'http://127.0.0.1:3000' });
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://127.0.0.1:3000');
    assert.ok(r.headers.get('mcp-session-id'));
  });

  test('a disallowed Origin gets 403 with a JSON-RPC error', async () => {
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), { origin: 'https://evil.example' });
    expectError(r, 403, -32600);
    assert.match(r.json.error.message, /ALLOWED_ORIGINS/);
  });
});
