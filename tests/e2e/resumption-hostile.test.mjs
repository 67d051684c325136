// Resumable answer streams, from a hostile review (resumption.test.mjs is the feature's own):
// what a real client does around a stream it cannot resume, odd Last-Event-ID values, who may
// resume what, and two readers of one stream at once. The worker under `wrangler dev`, the
// TypeScript SDK client (1.32) where a real client's behaviour is the point.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  startFakeGitHub, startWorker, workerVars, withTimeout, rawSession, openSse, rpc, sleep, requestLines, createToken, tempDir,
} from './harness.mjs';

let gh;
let worker;
let alice;
let bob;

before(async () => {
  gh = await startFakeGitHub();
  const persistDir = tempDir('mcpw-persist-');
  worker = await startWorker({ name: 'resumption-hostile', persistDir, vars: workerVars(gh, { toolsets: 'conformance,github', authMode: 'bearer' }) });
  alice = { authorization: `Bearer ${(await createToken('alice', persistDir)).token}` };
  bob = { authorization: `Bearer ${(await createToken('bob', persistDir)).token}` };
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

/** A GET /mcp with raw header values (latin-1 bytes allowed): its status and first bytes. */
function rawGet(headers) {
  return new Promise((resolve, reject) => {
    const u = new URL(worker.mcpUrl);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      const done = () => { req.destroy(); resolve({ status: res.statusCode, text }); };
      res.on('data', (d) => { text += d; done(); });
      res.on('end', done);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('GET /mcp timed out')));
    req.on('error', reject);
    req.end();
  });
}

// The TypeScript SDK reconnects a 2025-11-25 POST stream that ended without a result (a call
// it cancelled ends so), with the last id it saw. That stream was read to the end and is not
// kept. The id used to open the session's own stream in place of the one the SDK held; the
// SDK reconnected the one that was ended, which ended the other, and so on: 10 GETs in 12 s,
// for as long as the session lived. Now the id is refused while the session's stream is open:
// the SDK tries twice more and stops, and its own stream is left alone.
test('a cancelled streamed call does not set the SDK client reconnecting without end', async () => {
  const seen = [];
  const fetchFn = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    seen.push({ at: Date.now(), method: init.method ?? 'GET', lastEventId: headers.get('last-event-id') });
    return fetch(url, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(worker.mcpUrl), { fetch: fetchFn, requestInit: { headers: alice } });
  const client = new Client({ name: 'mcpw-e2e-resumption-hostile', version: '0.0.0' }, { capabilities: {} });
  await withTimeout(client.connect(transport), 30_000, 'SDK connect');
  try {
    await sleep(300);
    const ac = new AbortController();
    const outcome = await client.callTool({ name: 'slow_compute', arguments: { seconds: 3 } }, undefined, {
      signal: ac.signal, onprogress: () => ac.abort('cancelled by the test'), timeout: 30_000,
    }).then(() => 'answered', (e) => e.message);
    assert.match(outcome, /cancelled by the test/);
    const cancelledAt = Date.now();
    await sleep(6_000);
    const gets = seen.filter((r) => r.method === 'GET' && r.at >= cancelledAt);
    assert.ok(gets.length <= 3, `GETs in the 6 s after the cancel: ${JSON.stringify(gets)}`);
    assert.ok(gets.every((r) => r.lastEventId), `none reopened the session's own stream: ${JSON.stringify(gets)}`);
    // The session and its own stream carry on.
    const again = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(again.content[0].text, 'This is a simple text response for testing.');
    const quiet = seen.filter((r) => r.method === 'GET' && r.at >= Date.now() - 3_000);
    assert.equal(quiet.length, 0, `no GET in the last 3 s: ${JSON.stringify(quiet)}`);
  } finally {
    await client.close();
  }
});

test('odd Last-Event-ID values are answered without a failure, and logged short and on one line', async () => {
  const s = await rawSession(worker.mcpUrl, alice);
  const call = await openSse(worker.mcpUrl, s.headers, { body: rpc(5, 'tools/call', { name: 'slow_compute', arguments: { seconds: 2 }, _meta: { progressToken: 1 } }) });
  const priming = await call.next((e) => e.id);
  call.close();
  const prefix = priming.id.replace(/-\d+$/, '-');
  const odd = {
    latin1: Buffer.from([0x31, 0xe9, 0xff, 0x85, 0x2d, 0x31]).toString('latin1'),
    long: 'x'.repeat(60_000),
    commas: ','.repeat(5_000),
    plus: `${prefix}+0`,
    past: `${prefix}999`,
    u64: `${prefix}18446744073709551615`,
    negative: `${prefix}-1`,
  };
  // The first opens the session's own stream (none was open); then an id of this server's
  // shape that names no stream kept is refused, and anything else opens that stream again.
  const ours = new Set(['past']);
  for (const [what, value] of Object.entries(odd)) {
    const r = await rawGet({ ...s.headers, 'last-event-id': value });
    assert.equal(r.status, ours.has(what) ? 400 : 200, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.ok(!r.text.includes(value.slice(0, 50)) || value.length < 10, `${what} is not echoed`);
  }
  await sleep(500);
  const lines = fs.readFileSync(worker.logFile, 'utf8').split('\n').filter((l) => l.includes('names no stream this session keeps'));
  assert.ok(lines.length >= Object.keys(odd).length, lines.join('\n'));
  for (const line of lines) {
    assert.ok(line.length < 600, `${line.length} characters`);
    assert.ok(!/[\u0080-\u009f]/.test(JSON.parse(line).msg), `no C1 control character: ${line}`);
  }
  assert.ok(requestLines(worker).every((l) => l.httpStatus !== 500 && l.httpStatus !== 503), 'no failure');
});

test('a stream is resumed by its owner only, and not after DELETE; of two readers at once the newer reads on', async () => {
  const a = await rawSession(worker.mcpUrl, alice);
  const b = await rawSession(worker.mcpUrl, bob);
  const call = await openSse(worker.mcpUrl, a.headers, { body: rpc(7, 'tools/call', { name: 'slow_compute', arguments: { seconds: 3 }, _meta: { progressToken: 1 } }) });
  const priming = await call.next((e) => e.id);
  call.close();
  // Bob, with Alice's session and event id: the session is not his.
  const stolen = await rawGet({ ...bob, 'mcp-session-id': a.sid, 'mcp-protocol-version': a.protocolVersion, 'last-event-id': priming.id });
  assert.equal(stolen.status, 404);
  assert.ok(!stolen.text.includes('notifications/progress'));
  // Bob, in his own session: nothing of Alice's.
  const own = await openSse(worker.mcpUrl, { ...b.headers, 'last-event-id': priming.id });
  await assert.rejects(own.next((e) => Boolean(e.data), 1_500), /timed out/);
  own.close();
  // Alice twice at once: the first reader ends, the second is sent the rest, each event once.
  const first = await openSse(worker.mcpUrl, { ...a.headers, 'last-event-id': priming.id });
  const second = await openSse(worker.mcpUrl, { ...a.headers, 'last-event-id': priming.id });
  const answer = await second.next((e) => e.data && JSON.parse(e.data).id === 7, 15_000);
  assert.match(answer.data, /computed/);
  await assert.rejects(first.next((e) => e.data && JSON.parse(e.data).id === 7, 1_000), /ended/);
  const ids = second.events.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  first.close();
  second.close();
  // After DELETE nothing is resumed.
  const call2 = await openSse(worker.mcpUrl, a.headers, { body: rpc(8, 'tools/call', { name: 'slow_compute', arguments: { seconds: 3 }, _meta: { progressToken: 2 } }) });
  const priming2 = await call2.next((e) => e.id);
  call2.close();
  const del = await fetch(worker.mcpUrl, { method: 'DELETE', headers: a.headers });
  assert.equal(del.status, 204);
  const gone = await rawGet({ ...a.headers, 'last-event-id': priming2.id });
  assert.equal(gone.status, 404);
});

// DELETE ends the session's streams at once (docs/security.md): the answer stream of a call
// still running too, now that it is read from the session's replay log. It ran on to the
// call's end (6 s here), sending progress to a client whose session was gone.
test('DELETE stops a running call: its stream is told the session ended, at once, and ends', async () => {
  const s = await rawSession(worker.mcpUrl, alice);
  const call = await openSse(worker.mcpUrl, s.headers, { body: rpc(9, 'tools/call', { name: 'slow_compute', arguments: { seconds: 6 }, _meta: { progressToken: 1 } }) });
  await call.next((e) => /notifications\/progress/.test(e.data ?? ''), 10_000);
  const started = Date.now();
  const del = await fetch(worker.mcpUrl, { method: 'DELETE', headers: s.headers });
  assert.equal(del.status, 204);
  const answer = await call.next((e) => e.data && JSON.parse(e.data).id === 9, 10_000);
  assert.match(JSON.parse(answer.data).error?.message ?? '', /session ended/);
  await assert.rejects(call.next(() => true, 3_000), /ended/);
  assert.ok(Date.now() - started < 3_000, `ended after ${Date.now() - started} ms`);
  call.close();
});
