// The Tasks extension (io.modelcontextprotocol/tasks) end to end on the stateless
// 2026-07-28 wire, as raw HTTP the way a client sends it: a task started, polled while it
// works and finished; one that needs input (tasks/update); one cancelled; a GitHub search
// that pages as a task; the synchronous answers a client without the extension gets; the
// routing and Mcp-Param-* header checks; status notifications on a subscriptions/listen
// stream; no tasks in a 2025-11-25 session, whatever the
// client declares; another caller's tasks staying invisible, to polls and to listen
// streams (AUTH_MODE=bearer); and
// the same through the Python SDK (a Tasks ClientExtension, tests/python/tasks_client.py);
// expiry, observed with the deployment's own lifetime setting, TASK_TTL_SECONDS=10
// (allowed: 5 to 86400 s): once it passes, every task's Durable Object holds nothing and
// has no alarm left (read from wrangler's local state), and tasks/get answers -32602.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  REPO_ROOT, createToken, freshRateWindow, mcpPost, notification, openSse, revokeToken, rpc, run, startFakeGitHub, startWorker, tempDir, workerVars,
} from './harness.mjs';

const MODERN = '2026-07-28';
const EXT = 'io.modelcontextprotocol/tasks';
const WITH_TASKS = { elicitation: {}, extensions: { [EXT]: {} } };
const TTL_SECONDS = 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const PY = process.env.MCPW_PYTHON ?? path.join(REPO_ROOT, '.tools', 'venv', 'bin', 'python');

let nextId = 1;

/** A 2026-07-28 request with the routing headers a client sends; `caps` are the request's capabilities. */
async function send(url, method, params, { caps = WITH_TASKS, headers = {}, token } = {}) {
  const body = rpc(nextId++, method, {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': caps,
      'io.modelcontextprotocol/clientInfo': { name: 'mcpw-e2e-tasks', version: '0' },
    },
  });
  const name = params.name ?? params.taskId;
  return mcpPost(url, body, {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  });
}

/**
 * Opens a subscriptions/listen stream for `notifications`, read as it arrives. Returns
 * {id, status, headers, message(pred, ms): the next JSON-RPC message matching pred,
 * messages(): all so far, close()}.
 */
async function listen(url, notifications, { caps = WITH_TASKS, token } = {}) {
  const id = nextId++;
  const body = rpc(id, 'subscriptions/listen', {
    notifications,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': caps,
    },
  });
  const stream = await openSse(url, {
    'mcp-protocol-version': MODERN,
    'mcp-method': 'subscriptions/listen',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  }, { body });
  const parse = (e) => JSON.parse(e.data);
  return {
    id,
    status: stream.status,
    headers: stream.headers,
    message: async (pred = () => true, ms) => parse(await stream.next((e) => e.data && pred(parse(e)), ms)),
    messages: () => stream.events.filter((e) => e.data).map(parse),
    close: () => stream.close(),
  };
}

/** The result of a request that must succeed. */
async function result(url, method, params, options) {
  const r = await send(url, method, params, options);
  assert.equal(r.status, 200, `${method}: ${r.status} ${r.text.slice(0, 400)}`);
  assert.ok(r.json?.result, `${method}: ${r.text.slice(0, 400)}`);
  return r.json.result;
}

/** Polls tasks/get (every 200 ms, at most `ms`) until `done(task)`; returns every answer seen. */
async function pollUntil(url, taskId, done, { ms = 15_000, token } = {}) {
  const seen = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const task = await result(url, 'tasks/get', { taskId }, { token });
    seen.push(task);
    if (done(task)) return seen;
    assert.ok(Date.now() < deadline, `task ${taskId} still ${task.status} after ${ms} ms`);
    await sleep(200);
  }
}

const terminal = (task) => ['completed', 'failed', 'cancelled'].includes(task.status);

/** Every McpTask object's storage in wrangler's local state: how many hold a task, how many alarms are set. */
function taskObjects(persistDir) {
  const dir = path.join(persistDir, 'v3', 'do', 'github-mcp-worker-McpTask');
  let stored = 0;
  let alarms = 0;
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!file.endsWith('.sqlite')) continue;
    const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
    try {
      // workerd may be writing the file: wait for its lock rather than fail ("database is locked").
      db.exec('PRAGMA busy_timeout = 5000');
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
      if (tables.includes('_cf_KV')) stored += db.prepare("SELECT count(*) AS n FROM _cf_KV WHERE key = 'task'").get().n;
      if (tables.includes('_cf_ALARM')) alarms += db.prepare('SELECT count(*) AS n FROM _cf_ALARM WHERE scheduled_time IS NOT NULL').get().n;
    } finally {
      db.close();
    }
  }
  return { stored, alarms };
}

describe('tasks (AUTH_MODE=none, TASK_TTL_SECONDS=10)', () => {
  let gh, worker, url;
  /** When the last task of this worker was created: expiry waits for it. */
  let lastCreated = 0;

  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({
      name: 'tasks',
      vars: workerVars(gh, { toolsets: 'conformance,github', extra: { TASK_TTL_SECONDS: String(TTL_SECONDS) } }),
    });
    url = worker.mcpUrl;
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  async function create(name, args, options) {
    const created = await result(url, 'tools/call', { name, arguments: args }, options);
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    lastCreated = Date.now();
    return created;
  }

  test('server/discover advertises the extension', async () => {
    const discovered = await result(url, 'server/discover', {});
    assert.deepEqual(discovered.capabilities.extensions, { [EXT]: {} });
    assert.equal(discovered.capabilities.tasks, undefined);
  });

  test('a task is started, polled while it works, and finishes', async () => {
    const created = await create('slow_compute', { seconds: 3, label: 'e2e' });
    assert.match(created.taskId, /^[0-9a-f]{64}$/);
    assert.equal(created.status, 'working');
    assert.equal(created.ttlMs, TTL_SECONDS * 1000);
    assert.equal(created.pollIntervalMs, 1000);
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const absent of ['result', 'error', 'inputRequests', 'requestState', 'task', 'ttl', 'pollInterval']) {
      assert.equal(created[absent], undefined, absent);
    }
    // Durable before the answer: the first poll finds it.
    const first = await result(url, 'tasks/get', { taskId: created.taskId });
    assert.equal(first.taskId, created.taskId);
    assert.equal(first.resultType, 'complete');
    assert.equal(first.status, 'working');
    const seen = await pollUntil(url, created.taskId, terminal);
    assert.ok(seen.some((t) => t.status === 'working' && /of 3 seconds/.test(t.statusMessage ?? '')),
      `progress shows as the status message: ${seen.map((t) => t.statusMessage).join(' | ')}`);
    const done = seen.at(-1);
    assert.equal(done.status, 'completed');
    assert.equal(done.result.content[0].text, 'computed e2e in 3s');
    assert.equal(done.result.resultType, 'complete');
    assert.ok(Date.parse(done.lastUpdatedAt) >= Date.parse(done.createdAt) + 2_000, `${done.createdAt} → ${done.lastUpdatedAt}`);
    const { stored } = taskObjects(worker.persistDir);
    assert.ok(stored >= 1, 'the task is in its Durable Object');
  });

  test('a tool error completes the task; a JSON-RPC error fails it', async () => {
    const failing = await create('failing_job', {});
    const failed = (await pollUntil(url, failing.taskId, terminal)).at(-1);
    assert.equal(failed.status, 'completed');
    assert.equal(failed.result.isError, true);
    const broken = await create('protocol_error_job', {});
    const error = (await pollUntil(url, broken.taskId, terminal)).at(-1);
    assert.equal(error.status, 'failed');
    assert.equal(error.error.code, -32603);
    assert.equal(error.result, undefined);
  });

  test('input during a task: input_required, tasks/update, then completed', async () => {
    const created = await create('confirm_delete', { filename: 'notes.txt' });
    const waiting = (await pollUntil(url, created.taskId, (t) => t.status !== 'working')).at(-1);
    assert.equal(waiting.status, 'input_required');
    assert.equal(waiting.inputRequests.confirm_delete.method, 'elicitation/create');
    assert.match(waiting.inputRequests.confirm_delete.params.message, /notes\.txt/);
    // An answer to nothing outstanding is acknowledged and changes nothing.
    const ignored = await result(url, 'tasks/update', { taskId: created.taskId, inputResponses: { other: { action: 'accept' } } });
    assert.equal(ignored.resultType, 'complete');
    assert.equal((await result(url, 'tasks/get', { taskId: created.taskId })).status, 'input_required');
    const malformed = await send(url, 'tasks/update', { taskId: created.taskId, inputResponses: { confirm_delete: 'yes' } });
    assert.equal(malformed.json.error.code, -32602, malformed.text);
    const ack = await result(url, 'tasks/update', {
      taskId: created.taskId,
      inputResponses: { confirm_delete: { action: 'accept', content: { confirm: true } } },
    });
    assert.deepEqual(Object.keys(ack).sort(), ['_meta', 'resultType']);
    const done = (await pollUntil(url, created.taskId, terminal)).at(-1);
    assert.equal(done.status, 'completed');
    assert.equal(done.result.content[0].text, 'Deleted notes.txt (pretend: this fixture deletes nothing)');
  });

  test('a task is cancelled at once, and stays cancelled', async () => {
    const created = await create('slow_compute', { seconds: 60, label: 'cancel-me' });
    const ack = await result(url, 'tasks/cancel', { taskId: created.taskId });
    assert.deepEqual(Object.keys(ack).sort(), ['_meta', 'resultType']);
    const cancelled = await result(url, 'tasks/get', { taskId: created.taskId });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.result, undefined);
    await result(url, 'tasks/cancel', { taskId: created.taskId }); // a finished task: acknowledged again
    await sleep(2_000);
    assert.equal((await result(url, 'tasks/get', { taskId: created.taskId })).status, 'cancelled', 'the stopped run changed nothing');
  });

  test('subscriptions/listen: task notifications as they happen, for the tasks named in taskIds, then the end of the stream', async () => {
    const SUB = 'io.modelcontextprotocol/subscriptionId';
    const slow = await create('slow_compute', { seconds: 3, label: 'listened' });
    const asking = await create('confirm_delete', { filename: 'listened.txt' });
    const stream = await listen(url, { taskIds: [slow.taskId, asking.taskId, 'f'.repeat(64), slow.taskId], toolsListChanged: true });
    const ofTask = (taskId, status) => (m) => m.method === 'notifications/tasks' && m.params.taskId === taskId && (!status || m.params.status === status);
    try {
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type'), /text\/event-stream/);
      const ack = await stream.message();
      assert.equal(ack.method, 'notifications/subscriptions/acknowledged', JSON.stringify(ack));
      assert.deepEqual(ack.params.notifications, { taskIds: [slow.taskId, asking.taskId] },
        'the unknown task and the list kind this server never changes are not honoured');
      // Input asked for on the stream, answered only then: what follows can only have come live.
      const asked = await stream.message(ofTask(asking.taskId, 'input_required'), 15_000);
      assert.equal(asked.params.inputRequests.confirm_delete.method, 'elicitation/create');
      await result(url, 'tasks/update', {
        taskId: asking.taskId,
        inputResponses: { confirm_delete: { action: 'accept', content: { confirm: true } } },
      });
      const answered = await stream.message(ofTask(asking.taskId, 'completed'), 15_000);
      assert.equal(answered.params.result.content[0].text, 'Deleted listened.txt (pretend: this fixture deletes nothing)');
      const end = await stream.message((m) => m.id === stream.id, 15_000);
      assert.equal(end.result.resultType, 'complete');
      assert.equal(end.result._meta[SUB], stream.id);
    } finally {
      stream.close();
    }
    const all = stream.messages();
    assert.equal(all.at(-1).id, stream.id, 'the result comes last');
    const notes = all.slice(0, -1);
    for (const n of notes) assert.equal(n.params._meta[SUB], stream.id, JSON.stringify(n));
    assert.deepEqual([...new Set(notes.slice(1).map((n) => n.method))], ['notifications/tasks'], 'no progress or log messages');
    const slowSeen = notes.filter(ofTask(slow.taskId)).map((n) => n.params);
    assert.equal(slowSeen[0].status, 'working', 'the state when the stream opened comes first');
    assert.ok(slowSeen.some((t) => t.status === 'working' && t.statusMessage !== slowSeen[0].statusMessage),
      `progress made while listening arrives: ${slowSeen.map((t) => `${t.status} ${t.statusMessage ?? ''}`).join(' | ')}`);
    assert.equal(slowSeen.at(-1).status, 'completed');
    assert.equal(slowSeen.at(-1).result.content[0].text, 'computed listened in 3s');
    for (const taskId of [slow.taskId, asking.taskId]) {
      const keys = notes.filter(ofTask(taskId)).map((n) => `${n.params.status}@${n.params.lastUpdatedAt}`);
      assert.equal(new Set(keys).size, keys.length, `each notification is news: ${keys.join(', ')}`);
    }
    assert.ok(notes.every((n) => n.params.resultType === undefined), 'a notification is the task, not a result');

    // Naming tasks needs the extension (ext-tasks: -32021); a listen for list changes alone
    // is acknowledged with nothing honoured, and ends.
    const undeclared = await send(url, 'subscriptions/listen', { notifications: { taskIds: [slow.taskId] } }, { caps: {} });
    assert.equal(undeclared.status, 400, undeclared.text);
    assert.equal(undeclared.json.error.code, -32021);
    assert.deepEqual(undeclared.json.error.data.requiredCapabilities, { extensions: { [EXT]: {} } });
    const lists = await send(url, 'subscriptions/listen', { notifications: { toolsListChanged: true } }, { caps: {} });
    assert.deepEqual(lists.messages[0].params.notifications, {});
    assert.equal(lists.messages.length, 2, lists.text);
    assert.equal(lists.json.result.resultType, 'complete');
    for (const notifications of [undefined, { taskIds: 'x' }, { taskIds: Array(6).fill('x') }, { toolsListChanged: 1 }]) {
      const bad = await send(url, 'subscriptions/listen', notifications === undefined ? {} : { notifications });
      assert.equal(bad.json?.error?.code, -32602, `${JSON.stringify(notifications)}: ${bad.text}`);
    }
  });

  test('a GitHub search that pages runs as a task, and synchronously without the extension', async () => {
    const before = gh.requests.filter((r) => r.path === '/search/issues').length;
    const args = { query: 'repo:octocat/Hello-World is:issue', perPage: 1, maxPages: 3 };
    const created = await create('searchGithubIssues', args);
    const done = (await pollUntil(url, created.taskId, terminal)).at(-1);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    const found = done.result.structuredContent;
    assert.deepEqual(found.items.map((i) => i.number), [1, 2, 4]);
    assert.equal(found.hasMore, false);
    assert.equal(gh.requests.filter((r) => r.path === '/search/issues').length - before, 3, 'one request per page');
    // Without the extension: the same answer, synchronously.
    const sync = await result(url, 'tools/call', { name: 'searchGithubIssues', arguments: args }, { caps: {} });
    assert.equal(sync.resultType, 'complete');
    assert.deepEqual(sync.structuredContent.items.map((i) => i.number), [1, 2, 4]);
    // One page is not worth a task, even for a client with the extension.
    const one = await result(url, 'tools/call', { name: 'searchGithubIssues', arguments: { query: 'repo:octocat/Hello-World' } });
    assert.equal(one.resultType, 'complete');
  });

  test('a client without the extension: synchronous answers, -32021 for task-only tools and tasks/*', async () => {
    const sync = await result(url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 1, label: 'sync' } }, { caps: {} });
    assert.equal(sync.resultType, 'complete');
    assert.equal(sync.content[0].text, 'computed sync in 1s');
    // The 2025-11-25 opt-in (params.task) is ignored.
    const hinted = await result(url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0 }, task: { ttl: 60000 } }, { caps: {} });
    assert.equal(hinted.resultType, 'complete');
    const required = await send(url, 'tools/call', { name: 'failing_job', arguments: {} }, { caps: {} });
    assert.equal(required.status, 400);
    assert.equal(required.json.error.code, -32021);
    assert.deepEqual(required.json.error.data, { requiredCapabilities: { extensions: { [EXT]: {} } } });
    const get = await send(url, 'tasks/get', { taskId: 'a'.repeat(64) }, { caps: {} });
    assert.equal(get.status, 400);
    assert.equal(get.json.error.code, -32021);
  });

  test('2025-11-25 sessions have no tasks, even when the client declares the extension', async () => {
    const init = await mcpPost(url, rpc(nextId++, 'initialize', {
      protocolVersion: '2025-11-25', capabilities: WITH_TASKS, clientInfo: { name: 'mcpw-e2e-tasks', version: '0' },
    }));
    assert.equal(init.status, 200, init.text);
    assert.equal(init.json.result.capabilities.extensions, undefined);
    assert.equal(init.json.result.capabilities.tasks, undefined);
    const session = { 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
    assert.equal((await mcpPost(url, notification('notifications/initialized'), session)).status, 202);
    const call = await mcpPost(url, rpc(nextId++, 'tools/call', { name: 'failing_job', arguments: {}, task: { ttl: 60000 } }), session);
    assert.equal(call.json.result.isError, true, 'the task-only tool ran synchronously');
    assert.equal(call.json.result.taskId, undefined);
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel', 'tasks/result', 'tasks/list']) {
      const r = await mcpPost(url, rpc(nextId++, method, { taskId: 'a'.repeat(64), inputResponses: {} }), session);
      assert.equal(r.json.error.code, -32601, `${method}: ${r.text}`);
    }
  });

  test('routing and Mcp-Param-* headers are checked against the body', async () => {
    const created = await create('slow_compute', { seconds: 0 });
    const mismatch = await send(url, 'tasks/get', { taskId: created.taskId }, { headers: { 'mcp-name': 'another-task' } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.code, -32020);
    const unknown = await send(url, 'tasks/get', { taskId: 'f'.repeat(64) });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.json.error.code, -32602);
    const call = (args, headers) => send(url, 'tools/call', { name: 'test_param_headers', arguments: args }, { headers });
    const plain = await call({ region: 'us-west1' }, { 'mcp-param-region': 'us-west1' });
    assert.equal(plain.json.result.content[0].text, 'region=us-west1');
    const encoded = await call({ region: 'Hello, 世界' }, { 'mcp-param-region': '=?base64?SGVsbG8sIOS4lueVjA==?=' });
    assert.equal(encoded.status, 200, encoded.text);
    const numbers = await call({ region: 'x', count: 42 }, { 'mcp-param-region': 'x', 'mcp-param-count': '42.0' });
    assert.equal(numbers.status, 200, numbers.text);
    assert.equal(numbers.json.result.content[0].text, 'region=x, count=42', 'the typed arguments read the body');
    for (const [args, headers] of [
      [{ region: 'us-west1' }, {}],
      [{ region: 'us-west1' }, { 'mcp-param-region': 'eu-west1' }],
      [{ region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8?=' }],
      [{ region: 'x' }, { 'mcp-param-region': 'x', 'mcp-param-dryrun': 'true' }],
    ]) {
      const refused = await call(args, headers);
      assert.equal(refused.status, 400, `${JSON.stringify([args, headers])}: ${refused.text}`);
      assert.equal(refused.json.error.code, -32020);
      assert.match(refused.json.error.message, /^Header mismatch: Mcp-Param-/);
    }
  });

  test('the Python SDK (mcp 2.3) with a Tasks extension written against the spec', { skip: !fs.existsSync(PY) && 'no .tools/venv (scripts/setup --test-clients)' }, async () => {
    const r = await run(PY, [path.join(REPO_ROOT, 'tests', 'python', 'tasks_client.py'), url], { timeoutMs: 120_000 });
    lastCreated = Date.now();
    let out;
    try {
      out = JSON.parse(r.stdout.trim().split('\n').pop());
    } catch {
      throw new Error(`tasks_client.py printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    }
    assert.ok(out.ok, `tasks_client.py: ${JSON.stringify(out).slice(0, 3000)}`);
    assert.deepEqual(out.discover.extensions, { [EXT]: {} });
    assert.equal(out.slow.text, 'computed py in 1s');
    assert.equal(out.confirm.text, 'Deleted py.txt (pretend: this fixture deletes nothing)');
    assert.equal(out.preflight.text, 'Hello, Py!', 'input before the task through the SDK\'s own multi round-trip loop');
    assert.deepEqual(out.paged.structured.items.map((i) => i.number), [1, 2, 4]);
    assert.equal(out.headers.text, 'region=Hello, 世界, count=3, dryRun=false', 'the SDK sent Mcp-Param-Region (Base64) and the others');
    assert.equal(out.plain.text, 'computed plain in 0s', 'no extension: synchronous');
    assert.deepEqual(out.statuses.confirm_delete, ['working', 'input_required', 'completed']);
    for (const tool of ['slow_compute', 'test_tool_with_task', 'searchGithubIssues']) {
      assert.equal(out.statuses[tool].at(-1), 'completed', tool);
    }
  });

  test('a task expires: its object is emptied by the alarm, then tasks/get is -32602', async () => {
    const created = await create('slow_compute', { seconds: 0, label: 'expire-me' });
    await pollUntil(url, created.taskId, terminal);
    assert.ok(taskObjects(worker.persistDir).alarms >= 1, 'an alarm is set for the expiry');
    // Every task of this worker has outlived its lifetime; allow the alarms a few seconds.
    const deadline = lastCreated + TTL_SECONDS * 1000 + 15_000;
    await sleep(Math.max(0, lastCreated + TTL_SECONDS * 1000 + 1_000 - Date.now()));
    let left = taskObjects(worker.persistDir);
    while ((left.stored > 0 || left.alarms > 0) && Date.now() < deadline) {
      await sleep(500);
      left = taskObjects(worker.persistDir);
    }
    assert.deepEqual(left, { stored: 0, alarms: 0 }, 'every task object is empty, with no alarm left');
    const gone = await send(url, 'tasks/get', { taskId: created.taskId });
    assert.equal(gone.status, 200);
    assert.equal(gone.json.error.code, -32602);
    assert.match(gone.json.error.message, /Task not found/);
  });
});

describe('tasks belong to their caller (AUTH_MODE=bearer)', () => {
  let gh, worker, alice, bob, persistDir;
  before(async () => {
    gh = await startFakeGitHub();
    persistDir = tempDir('mcpw-persist-tasks-');
    alice = await createToken('e2e-tasks-alice', persistDir);
    bob = await createToken('e2e-tasks-bob', persistDir);
    worker = await startWorker({ name: 'tasks-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer', toolsets: 'conformance' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test("another caller's tasks/get, update and cancel find no task", async () => {
    const url = worker.mcpUrl;
    const created = await result(url, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'a' } }, { token: alice.token });
    assert.equal(created.resultType, 'task');
    const taskId = created.taskId;
    for (const [method, params] of [
      ['tasks/get', { taskId }],
      ['tasks/update', { taskId, inputResponses: { confirm_delete: { action: 'accept', content: { confirm: true } } } }],
      ['tasks/cancel', { taskId }],
    ]) {
      const r = await send(url, method, params, { token: bob.token });
      assert.equal(r.json?.error?.code, -32602, `${method} as bob: ${r.text}`);
    }
    const mine = (await pollUntil(url, taskId, (t) => t.status !== 'working', { token: alice.token })).at(-1);
    assert.equal(mine.status, 'input_required', 'bob changed nothing');
    const listened = await send(url, 'subscriptions/listen', { notifications: { taskIds: [taskId] } }, { token: bob.token });
    assert.deepEqual(listened.messages[0].params.notifications, {}, `bob cannot listen to alice's task: ${listened.text}`);
    assert.ok(listened.messages.every((m) => m.method !== 'notifications/tasks'), listened.text);
  });

  test('a listen stream ends once its token is revoked', async () => {
    const url = worker.mcpUrl;
    const carol = await createToken('e2e-tasks-carol', persistDir);
    const created = await result(url, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'c' } }, { token: carol.token });
    await pollUntil(url, created.taskId, (t) => t.status === 'input_required', { token: carol.token });
    const started = Date.now();
    const listening = send(url, 'subscriptions/listen', { notifications: { taskIds: [created.taskId] } }, { token: carol.token });
    await sleep(1_000);
    await revokeToken(carol.id, persistDir);
    const r = await listening;
    const waited = Date.now() - started;
    assert.deepEqual(r.messages[0].params.notifications, { taskIds: [created.taskId] }, r.text);
    assert.equal(r.messages.at(-1).result?.resultType, 'complete', `the stream ended with the listen result: ${r.text}`);
    assert.ok(waited < 30_000, `ended ${waited} ms after it opened (the credential is checked every 5 s), with the task still waiting for input`);
    const refused = await send(url, 'subscriptions/listen', { notifications: { taskIds: [created.taskId] } }, { token: carol.token });
    assert.equal(refused.status, 401, refused.text);
  });

  // Its credential is checked again every 5 s; once read any status below 500 as revoked,
  // so a 429 (its address refused for presenting unknown tokens, perhaps by another client
  // behind the same address) ended it.
  test('a listen stream is not ended when its address is refused for unknown tokens', async () => {
    const url = worker.mcpUrl;
    const dave = await createToken('e2e-tasks-dave', persistDir);
    const address = { 'cf-connecting-ip': '203.0.113.40' };
    const created = await result(url, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'd' } }, { token: dave.token });
    await pollUntil(url, created.taskId, (t) => t.status === 'input_required', { token: dave.token });
    await freshRateWindow(25_000);
    const listening = send(url, 'subscriptions/listen', { notifications: { taskIds: [created.taskId] } }, { token: dave.token, headers: address });
    let refused;
    for (let i = 0; i < 80 && !refused; i++) {
      const r = await send(url, 'tools/list', {}, { token: `unknown-${i}`, headers: address });
      if (r.status === 429) refused = r;
    }
    assert.ok(refused, 'the address was refused');
    const open = await Promise.race([listening.then((r) => r), sleep(12_000).then(() => 'open')]);
    assert.equal(open, 'open', `the stream stayed open through two checks of its credential: ${open.text ?? ''}`);
    await result(url, 'tasks/cancel', { taskId: created.taskId }, { token: dave.token });
    const r = await listening;
    assert.ok(r.messages.some((m) => m.method === 'notifications/tasks' && JSON.stringify(m.params).includes('cancelled')), r.text);
  });
});
