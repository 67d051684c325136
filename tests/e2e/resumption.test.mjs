// Resuming a lost event stream (Streamable HTTP, 2025-03-26 onward; SEP-1699's priming event
// and `retry` field in 2025-11-25). When a session's POST is answered with an event stream,
// every event carries an id, and a client that loses the stream asks for the rest with
// `GET /mcp` and `Last-Event-ID`: it is sent exactly what followed that event, on that
// stream only, while the call runs on.
//
// The clients are the TypeScript SDK's (`@modelcontextprotocol/sdk`, which mcp-remote, the
// Inspector and use-mcp build on) and the Python SDK's (`mcp`), which resume by themselves.
// The connection is lost for real: the clients reach the worker through a proxy on loopback
// that closes the client's socket (and its own to the worker) once the call's stream has
// carried a chosen event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  REPO_ROOT, startFakeGitHub, startWorker, workerVars, withTimeout, rawSession, openSse, mcpPost, rpc, run, ACCEPT_BOTH,
} from './harness.mjs';

const PYTHON = process.env.MCPW_PYTHON ?? path.join(REPO_ROOT, '.tools', 'venv', 'bin', 'python');

let gh;
let worker;
let proxy;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'resumption', vars: workerVars(gh, { toolsets: 'conformance,github' }) });
  proxy = await losingProxy(worker.mcpUrl);
});

after(async () => {
  await proxy?.close();
  await worker?.stop();
  await gh?.close();
});

/**
 * A proxy on loopback in front of the worker's `/mcp`. `proxy.lose(marker, after)` arms it:
 * the first POST whose body contains `marker` and whose answer is an event stream loses its
 * connection once the stream's text matches `after` (both sockets closed). It records every
 * request's method and `Last-Event-ID`, and the ids the lost stream carried.
 */
async function losingProxy(target) {
  const upstream = new URL(target);
  const state = { requests: [], idsBeforeLoss: [], lost: 0, armed: null };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      state.requests.push({ method: req.method, lastEventId: req.headers['last-event-id'] ?? null });
      const forward = http.request(upstream, {
        method: req.method, headers: { ...req.headers, host: upstream.host },
      }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        const armed = state.armed;
        const losing = armed && req.method === 'POST' && body.includes(armed.marker)
          && (answer.headers['content-type'] ?? '').startsWith('text/event-stream');
        if (losing) state.armed = null;
        let text = '';
        answer.on('data', (chunk) => {
          if (!losing) return res.write(chunk);
          text += chunk;
          res.write(chunk, () => {
            if (!armed.after.test(text) || res.destroyed) return;
            state.lost += 1;
            state.idsBeforeLoss = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
            answer.destroy();
            res.destroy();
          });
        });
        answer.on('end', () => res.end());
        answer.on('error', () => res.destroy());
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}${upstream.pathname}`,
    state,
    lose(marker, after) {
      Object.assign(state, { requests: [], idsBeforeLoss: [], lost: 0, armed: { marker, after } });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function connect(capabilities = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(proxy.url));
  const client = new Client({ name: 'mcpw-e2e-resumption', version: '0.0.0' }, { capabilities });
  const errors = [];
  await withTimeout(client.connect(transport), 30_000, 'SDK connect');
  transport.onerror = (e) => errors.push(e.message);
  return { client, errors };
}

/** The GETs that resumed a stream, with the Last-Event-ID each sent. */
const resumes = () => proxy.state.requests.filter((r) => r.method === 'GET' && r.lastEventId);

test('the TypeScript SDK client loses a call\'s connection after its first progress, resumes, and gets the rest once', async () => {
  proxy.lose('"ts-lost"', /notifications\/progress/);
  const { client, errors } = await connect();
  try {
    const progress = [];
    const result = await withTimeout(client.callTool(
      { name: 'slow_compute', arguments: { seconds: 3, label: 'ts-lost' } },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 30_000 },
    ), 40_000, 'slow_compute across a lost connection');
    assert.equal(result.content[0].text, 'computed ts-lost in 3s');
    assert.equal(proxy.state.lost, 1, 'the connection was lost');
    // Every progress notification once, in order: the first before the loss, the rest resumed.
    assert.deepEqual(progress, [0, 1, 2]);
    // The priming event and the first progress came before the loss; the client resumed
    // from the last id it saw, once.
    assert.equal(proxy.state.idsBeforeLoss.length, 2, `ids before the loss: ${proxy.state.idsBeforeLoss}`);
    assert.deepEqual(resumes().map((r) => r.lastEventId), [proxy.state.idsBeforeLoss.at(-1)]);
    assert.ok(errors.length > 0, 'the SDK saw the loss');
    // The session goes on.
    const again = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(again.content[0].text, 'This is a simple text response for testing.');
  } finally {
    await client.close();
  }
});

test('a request to the client sent while nobody read reaches it on the resumed stream, and its reply completes the call', async () => {
  // Lost right after the priming event: the elicitation is sent while no client reads.
  proxy.lose('"Who lost the stream?"', /^data: *$/m);
  const { client } = await connect({ elicitation: {} });
  const asked = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { username: 'octocat', email: 'octocat@example.com' } };
  });
  try {
    const result = await withTimeout(client.callTool({ name: 'test_elicitation', arguments: { message: 'Who lost the stream?' } }),
      40_000, 'test_elicitation across a lost connection');
    assert.equal(proxy.state.lost, 1, 'the connection was lost');
    // The priming event came before the loss (with the elicitation too, if they shared a chunk).
    assert.ok(proxy.state.idsBeforeLoss.length >= 1, 'the priming event came before the loss');
    assert.equal(resumes().length, 1);
    assert.deepEqual(asked, ['Who lost the stream?']);
    assert.match(JSON.stringify(result.content), /accept/);
  } finally {
    await client.close();
  }
});

test('the Python SDK client loses a call\'s connection after its first progress, resumes, and gets the rest once', {
  skip: fs.existsSync(PYTHON) ? false : `no venv at ${PYTHON}`,
}, async () => {
  proxy.lose('"py-lost"', /notifications\/progress/);
  const client = path.join(REPO_ROOT, 'tests', 'python', 'resume_client.py');
  const result = await run(PYTHON, [client, proxy.url, 'py-lost'], { timeoutMs: 60_000 });
  const out = JSON.parse(result.stdout.trim().split('\n').at(-1) || '{}');
  assert.equal(out.ok, true, `${result.stdout}\n${result.stderr.slice(-2000)}`);
  assert.equal(out.protocolVersion, '2025-11-25');
  assert.equal(out.text, 'computed py-lost in 3s');
  assert.deepEqual(out.progress, [0, 1, 2]);
  assert.equal(out.after, 'This is a simple text response for testing.');
  assert.equal(proxy.state.lost, 1, 'the connection was lost');
  assert.deepEqual(resumes().map((r) => r.lastEventId), [proxy.state.idsBeforeLoss.at(-1)]);
});

test('ids are unique across a session\'s streams, and a stream is resumed only by its own session and only after the id named', async () => {
  const s = await rawSession(worker.mcpUrl);
  const other = await rawSession(worker.mcpUrl);
  const call = (session, id) => openSse(worker.mcpUrl, { ...session.headers },
    { body: rpc(id, 'tools/call', { name: 'slow_compute', arguments: { seconds: 2 }, _meta: { progressToken: `p${id}` } }) });
  const first = await call(s, 10);
  const second = await call(s, 11);
  const answer = (id) => (e) => e.data && JSON.parse(e.data).id === id;
  await first.next(answer(10), 20_000);
  await second.next(answer(11), 20_000);
  const ids = [...first.events, ...second.events].map((e) => e.id);
  assert.ok(ids.every(Boolean), `every event has an id: ${JSON.stringify(first.events)}`);
  assert.equal(new Set(ids).size, ids.length, `unique: ${ids}`);
  assert.equal(first.events[0].data, '', 'a priming event first');
  assert.equal(first.events[0].retry, 1000);

  // A third call, resumed from its priming event by its session while it runs: the newer
  // reader takes over (the first stream ends) and is sent everything after that event.
  const third = await call(s, 12);
  const priming = await third.next();
  assert.equal(priming.data, '');
  const resumed = await openSse(worker.mcpUrl, { ...s.headers, 'last-event-id': priming.id });
  const replayed = await resumed.next(answer(12), 10_000);
  await assert.rejects(third.next(answer(12), 5_000), /ended/);
  const prefix = priming.id.replace(/-0$/, '-');
  assert.deepEqual(resumed.events.map((e) => e.id), resumed.events.map((_, i) => `${prefix}${i + 1}`));
  assert.equal(resumed.events.filter((e) => /notifications\/progress/.test(e.data)).length, 2);
  assert.equal(replayed, resumed.events.at(-1));
  // Read to the end, it is still kept (a client whose connection was lost unnoticed may not
  // have been sent what the runtime took): the same id is given the same events again.
  const again = await openSse(worker.mcpUrl, { ...s.headers, 'last-event-id': priming.id });
  assert.equal(again.status, 200);
  assert.equal((await again.next(answer(12), 5_000)).id, replayed.id);
  assert.deepEqual(again.events.map((e) => e.id), resumed.events.map((e) => e.id));
  again.close();

  // Another session naming that id is given its own stream, never this one's events.
  const fourth = await call(s, 13);
  const its = await fourth.next();
  const stranger = await openSse(worker.mcpUrl, { ...other.headers, 'last-event-id': its.id });
  assert.equal(stranger.status, 200);
  await assert.rejects(stranger.next((e) => Boolean(e.data), 4_000), /timed out/);
  stranger.close();
  await fourth.next(answer(13), 20_000);

  // Without the session's id, a Last-Event-ID alone resumes nothing.
  const bare = await fetch(worker.mcpUrl, { headers: { accept: 'text/event-stream', 'last-event-id': its.id } });
  assert.equal(bare.status, 400);
  await bare.body?.cancel();
  for (const stream of [first, second, third, resumed, fourth]) stream.close();
});

test('a call answered with JSON carries no id, and 2026-07-28 streams carry none', async () => {
  const s = await rawSession(worker.mcpUrl);
  const quick = await mcpPost(worker.mcpUrl, rpc(2, 'tools/call', { name: 'test_simple_text', arguments: {} }), s.headers);
  assert.equal(quick.status, 200);
  assert.match(quick.headers.get('content-type'), /application\/json/);

  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'mcpw-e2e-resumption', version: '0' }, progressToken: 't',
  };
  const modern = await openSse(worker.mcpUrl, {
    'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_tool_with_progress', accept: ACCEPT_BOTH,
  }, { body: rpc(3, 'tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: meta }) });
  assert.equal(modern.status, 200);
  await modern.next((e) => e.data && JSON.parse(e.data).id === 3, 20_000);
  assert.ok(modern.events.every((e) => !e.id && e.data), JSON.stringify(modern.events));
  modern.close();
});
