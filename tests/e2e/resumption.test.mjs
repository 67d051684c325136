// Resuming a lost event stream (Streamable HTTP, 2025-03-26 onward; SEP-1699's priming event
// and `retry` field in 2025-11-25). When a session's POST is answered with an event stream,
// every event carries an id, and a client that loses the stream asks for the rest with
// `GET /mcp` and `Last-Event-ID`: it is sent exactly what followed that event, on that
// stream only, while the call runs on.
//
// The client is the TypeScript SDK's (`@modelcontextprotocol/sdk`, which mcp-remote, the
// Inspector and use-mcp build on), which resumes by itself. The lost connection is made in
// its `fetch`: the call's response body errors, as a dropped connection's does, right after
// a chosen event. Everything else is the real client and the worker under `wrangler dev`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  startFakeGitHub, startWorker, workerVars, withTimeout, rawSession, openSse, mcpPost, rpc, ACCEPT_BOTH,
} from './harness.mjs';

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'resumption', vars: workerVars(gh, { toolsets: 'conformance,github' }) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

/**
 * A `fetch` that loses the connection of the first POST whose body mentions `tool`, once
 * its response has carried an event matching `cutAfter` (a regular expression on the text).
 * `seen` records every request: method, the Last-Event-ID sent, and for a cut stream the ids
 * its client was given.
 */
function losingFetch(tool, cutAfter) {
  const seen = { requests: [], idsBeforeCut: [], cut: false };
  const fetchFn = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    seen.requests.push({ method: init.method ?? 'GET', lastEventId: headers.get('last-event-id') });
    const response = await fetch(url, init);
    const body = typeof init.body === 'string' ? init.body : '';
    if (seen.cut || init.method !== 'POST' || !body.includes(`"${tool}"`)) return response;
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
    seen.cut = true;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const lost = new ReadableStream({
      async pull(controller) {
        if (cutAfter.test(text)) {
          seen.idsBeforeCut = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
          await reader.cancel();
          controller.error(new TypeError('terminated: the connection was lost (test)'));
          return;
        }
        const { value, done } = await reader.read();
        if (done) return controller.close();
        text += decoder.decode(value, { stream: true });
        controller.enqueue(value);
      },
    });
    return new Response(lost, { status: response.status, headers: response.headers });
  };
  return { fetchFn, seen };
}

async function connect(fetchFn, capabilities = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(worker.mcpUrl), { fetch: fetchFn });
  const client = new Client({ name: 'mcpw-e2e-resumption', version: '0.0.0' }, { capabilities });
  const errors = [];
  await withTimeout(client.connect(transport), 30_000, 'SDK connect');
  transport.onerror = (e) => errors.push(e.message);
  return { client, errors };
}

test('the SDK client loses a call\'s stream after its first progress, resumes it, and gets the rest once', async () => {
  const { fetchFn, seen } = losingFetch('slow_compute', /notifications\/progress/);
  const { client, errors } = await connect(fetchFn);
  try {
    const progress = [];
    const result = await withTimeout(client.callTool(
      { name: 'slow_compute', arguments: { seconds: 3, label: 'resumed' } },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 30_000 },
    ), 40_000, 'slow_compute across a lost stream');
    assert.equal(result.content[0].text, 'computed resumed in 3s');
    assert.ok(seen.cut, 'the stream was cut');
    // Every progress notification once, in order: the first before the cut, the rest resumed.
    assert.deepEqual(progress, [0, 1, 2]);
    // The first event was the priming event; the client resumed from the last id it saw.
    const resumed = seen.requests.filter((r) => r.method === 'GET' && r.lastEventId);
    assert.equal(resumed.length, 1, JSON.stringify(seen.requests));
    assert.equal(resumed[0].lastEventId, seen.idsBeforeCut.at(-1));
    assert.equal(seen.idsBeforeCut.length, 2, `priming and first progress: ${seen.idsBeforeCut}`);
    assert.ok(errors.some((e) => /connection was lost/.test(e)), `the SDK saw the loss: ${errors}`);
    // The session goes on.
    const again = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(again.content[0].text, 'This is a simple text response for testing.');
  } finally {
    await client.close();
  }
});

test('a request to the client sent while its stream was lost reaches it on the resumed stream, and its reply completes the call', async () => {
  // Cut right after the priming event: the elicitation is sent while nobody reads.
  const { fetchFn, seen } = losingFetch('test_elicitation', /^data: *$/m);
  const { client } = await connect(fetchFn, { elicitation: {} });
  const asked = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { username: 'octocat', email: 'octocat@example.com' } };
  });
  try {
    const result = await withTimeout(client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } }),
      40_000, 'test_elicitation across a lost stream');
    assert.ok(seen.cut, 'the stream was cut');
    assert.equal(seen.idsBeforeCut.length, 1, 'only the priming event came before the cut');
    assert.deepEqual(asked, ['Who are you?']);
    assert.match(JSON.stringify(result.content), /accept/);
  } finally {
    await client.close();
  }
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
  // Read to the end, it is not kept: the same id now opens the session's own stream.
  const again = await openSse(worker.mcpUrl, { ...s.headers, 'last-event-id': priming.id });
  assert.equal(again.status, 200);
  await assert.rejects(again.next((e) => Boolean(e.data), 2_000), /timed out/);
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
