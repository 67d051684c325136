// Cancellation. From 2024-11-05 to 2025-11-25 a client's `notifications/cancelled` stops the
// request it names; in 2026-07-28, closing the request's response stream does. The TypeScript SDK client sends one when a call's AbortSignal fires; the
// server then drops the call's work, aborts its GitHub request, answers nothing for it, and the
// session goes on. GitHub is the fake behind a proxy that holds a request for one repository
// for 8 s and notes whether the worker hung up on it before then.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  startFakeGitHub, startWorker, workerVars, withTimeout, waitForLines, sleep, rawSession, mcpPost, rpc, notification, githubProxy, runtimePort,
} from './harness.mjs';

const HELD_MS = 8_000;
// Past the first keep-alive of an event stream (15 s): the Worker learns that the client
// closed the stream when it next writes into it.
const LONG_HELD_MS = 40_000;

let gh;
let proxy;
let worker;
/** The requests for `Hello-World-held` the proxy held: `{ hungUp }`, true once the worker hung up. */
const held = [];

before(async () => {
  gh = await startFakeGitHub();
  proxy = await githubProxy(gh, ({ res, url, forward }) => {
    const alias = /^\/repos\/octocat\/Hello-World-held(-long)?(\/.*)?$/.exec(url.pathname);
    if (!alias) return forward();
    const holdFor = alias[1] ? LONG_HELD_MS : HELD_MS;
    const entry = { hungUp: false, answered: false };
    held.push(entry);
    res.on('close', () => { if (!entry.answered) entry.hungUp = true; });
    setTimeout(() => {
      if (entry.hungUp) return;
      entry.answered = true;
      forward(`/repos/octocat/Hello-World${alias[2] ?? ''}`);
    }, holdFor);
  });
  worker = await startWorker({ name: 'cancel', vars: workerVars(proxy, { toolsets: 'github' }) });
});

after(async () => {
  await worker?.stop();
  await proxy?.close();
  await gh?.close();
});

async function connect(kind) {
  const url = new URL(kind === 'sse' ? worker.sseUrl : worker.mcpUrl);
  const transport = kind === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'mcpw-e2e-cancel', version: '0.0.0' });
  await withTimeout(client.connect(transport), 30_000, `SDK connect (${kind})`);
  return client;
}

async function until(what, check, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`waited ${ms} ms for ${what}`);
    await sleep(50);
  }
}

for (const [kind, transport] of [['streamable', 'streamable_http'], ['sse', 'sse']]) {
  test(`${kind}: a call the client cancels stops at once, its GitHub request is aborted, and the session goes on`, async () => {
    const client = await connect(kind);
    try {
      const heldBefore = held.length;
      const stop = new AbortController();
      const started = Date.now();
      const call = client.callTool(
        { name: 'getGithubRepository', arguments: { owner: 'octocat', repo: 'Hello-World-held' } },
        undefined,
        { signal: stop.signal, timeout: 60_000 },
      );
      await until('the call to reach GitHub', () => held.length > heldBefore);
      stop.abort('the user pressed stop');
      await assert.rejects(call);
      const entry = held[heldBefore];

      // The worker hangs up on GitHub well before GitHub's 8 s answer...
      await until('the worker to hang up on GitHub', () => entry.hungUp, HELD_MS - 2_000);
      // ...and the call's log line says it was cancelled, not answered.
      const cancelled = (lines) => lines.find((l) => l.transport === transport && l.tool === 'getGithubRepository' && l.outcome === 'cancelled');
      const line = cancelled(await waitForLines(worker, (lines) => Boolean(cancelled(lines))));
      assert.ok(line, 'a log line with outcome "cancelled"');
      assert.ok(Date.now() - started < HELD_MS, `stopped within ${Date.now() - started} ms`);
      assert.equal(line.rpcError, undefined);

      // The session goes on.
      const next = await withTimeout(
        client.callTool({ name: 'getGithubRepository', arguments: { owner: 'octocat', repo: 'Hello-World' } }),
        30_000, 'the next call');
      assert.ok(!next.isError, JSON.stringify(next).slice(0, 300));
      assert.equal(next.structuredContent?.fullName, 'octocat/Hello-World', JSON.stringify(next.structuredContent).slice(0, 300));
    } finally {
      await client.close();
    }
  });
}

// A 2025-03-26 batch answers the requests in it that were not cancelled; one whose every
// request was cancelled ends with no answer at all (an event stream with nothing in it).
test('2025-03-26 batches: a cancelled request is left out of the batch\'s answer', async () => {
  const s = await rawSession(worker.mcpUrl, {}, '2025-03-26');
  const heldCall = (id) => rpc(id, 'tools/call', { name: 'getGithubRepository', arguments: { owner: 'octocat', repo: 'Hello-World-held' } });
  const plainCall = (id) => rpc(id, 'tools/call', { name: 'getGithubRepository', arguments: { owner: 'octocat', repo: 'Hello-World' } });
  const cancel = (id) => mcpPost(worker.mcpUrl, notification('notifications/cancelled', { requestId: id, reason: 'stop' }), s.headers);

  let heldBefore = held.length;
  const both = mcpPost(worker.mcpUrl, [heldCall('held-1'), plainCall(2)], s.headers);
  await until('the held call to reach GitHub', () => held.length > heldBefore);
  assert.equal((await cancel('held-1')).status, 202);
  const answer = await both;
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.messages.map((m) => m.id), [2], answer.text.slice(0, 300));
  assert.equal(answer.messages[0].result?.structuredContent?.fullName, 'octocat/Hello-World');

  heldBefore = held.length;
  const alone = mcpPost(worker.mcpUrl, [heldCall(7)], s.headers);
  await until('the held call to reach GitHub', () => held.length > heldBefore);
  // A cancellation of a request this session is not running changes nothing.
  assert.equal((await cancel(8)).status, 202);
  assert.equal((await cancel(7)).status, 202);
  const none = await alone;
  assert.equal(none.status, 200);
  assert.match(none.headers.get('content-type'), /^text\/event-stream/);
  assert.deepEqual(none.messages, []);
});


// 2026-07-28: closing the SSE response stream is the cancellation, and the server SHOULD stop
// the work. The runtime aborts the request's `signal` when it finds the client gone
// (compatibility flag `enable_request_signal`), which is at the stream's next write: the
// keep-alive, 15 s after the stream opened. The Worker then drops the call's work
// (`src/transport/disconnect.rs`). The client (Node's fetch) asks for progress, so the answer
// is an event stream from the first step; it reads the first event, then aborts. `wrangler
// dev`'s own proxy, on the port it prints, does not pass a client's disconnect on to the
// Worker (there the call would run on to GitHub's answer or the 20 s upstream timeout), so
// this client talks to workerd's own socket (`runtimePort`).
test('2026-07-28: a call whose response stream the client closes stops: its GitHub request is aborted, its line says cancelled', async () => {
  const heldBefore = held.length;
  const stop = new AbortController();
  const port = await runtimePort(worker);
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'getGithubRepository',
    },
    body: JSON.stringify(rpc(9, 'tools/call', {
      name: 'getGithubRepository',
      arguments: { owner: 'octocat', repo: 'Hello-World-held-long' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
        progressToken: 'held',
      },
    })),
    signal: stop.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const reader = response.body.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /notifications\/progress/, first.slice(0, 300));
  await until('the call to reach GitHub', () => held.length > heldBefore);
  stop.abort('the user pressed stop');
  const left = Date.now();
  const entry = held[heldBefore];

  await until('the worker to hang up on GitHub', () => entry.hungUp, LONG_HELD_MS - 10_000);
  const after = Date.now() - left;
  assert.ok(!entry.answered, 'GitHub never answered the call');
  // At the stream's first keep-alive (15 s after it opened, so under 15 s after the client
  // left), not at the Worker's own 20 s upstream timeout.
  assert.ok(after < 16_000, `hung up on GitHub ${after} ms after the client left`);
  // The call's log line says it was cancelled, not that the tool failed.
  const line = (lines) => lines.find((l) => l.protocol === '2026-07-28' && l.tool === 'getGithubRepository' && l.outcome !== 'ok');
  const logged = line(await waitForLines(worker, (lines) => Boolean(line(lines))));
  assert.equal(logged?.outcome, 'cancelled', JSON.stringify(logged));
});
