// The official TypeScript SDK v2 client (`@modelcontextprotocol/client`, the split-package SDK)
// and the official Tasks client (`@modelcontextprotocol/ext-tasks`) against the worker, over
// Streamable HTTP on /mcp with a bearer token (AUTH_MODE=bearer):
// - the client in each of its version-negotiation modes: the default and 'legacy' (the
//   2025-11-25 `initialize` handshake, a session), 'auto' (a `server/discover` probe) and a pin
//   to 2026-07-28 (stateless); the revision negotiated is read from the client, from `whoami` and
//   from the worker's log line; tools, a README, a missing repository, prompts and resources; a
//   wrong or missing token refused with 401 in every mode; input asked for with an
//   `input_required` result (2026-07-28) answered by the client's own elicitation handler;
// - ext-tasks' `createTaskSessionFromClient` on our Tasks extension (2026-07-28): `slow_compute`
//   (progress as status messages, the server's poll interval and lifetime), `confirm_delete`
//   (input answered through the package's `onInputRequest`, accepted and declined),
//   `failing_job`, `protocol_error_job`, a paging `searchGithubIssues`, tasks cancelled through
//   the execution and through the session; on 2025-11-25 the same package runs them synchronously;
// - AUTH_MODE=oauth: the client's own OAuth (discovery, registration, PKCE) through the consent
//   page and the fake GitHub (the scripted browser), on 2025-11-25 and 2026-07-28, then a
//   refresh when its access token is refused;
// - `subscriptions/listen` through the client: list-change filters (this server changes no
//   list, so none is honoured and the stream ends), and task status notifications for a task
//   the ext-tasks session is driving, then a listen closed by the client.
//
// The package's 2026-07-28 path needs a `rawDispatch` from the host ("the host coordinator that
// owns request IDs and response matching", its docs): the SDK client's codecs do not take the
// Tasks wire shapes. `taskDispatcher` below is that coordinator, as a user would write it: one
// POST per request with the 2026-07-28 headers (the package itself supplies `Mcp-Name` for
// `tasks/*`), reading a JSON or an SSE answer.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client, StreamableHTTPClientTransport, SSEClientTransport, SdkHttpError, UnauthorizedError, LOG_LEVEL_META_KEY,
} from '@modelcontextprotocol/client';
import {
  createTaskSessionFromClient, resultFromTaskOutcome, JsonRpcResponseError, TaskCancelledError, TaskFailedError,
} from '@modelcontextprotocol/ext-tasks/client';
import {
  startFakeGitHub, startWorker, workerVars, oauthVars, createToken, tempDir, withTimeout, resultText, readmeRequests,
  requestLines, waitForLines, parseSseText, sleep, recordSecret, HELLO_MARKER,
} from './harness.mjs';
import { signIn } from './browser.mjs';
import { MemoryProvider, REDIRECT } from './sdk-oauth.mjs';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const EXT = 'io.modelcontextprotocol/tasks';
const SUB = 'io.modelcontextprotocol/subscriptionId';
const TTL_SECONDS = 120;
const STEP_MS = 30_000;
const CLIENT_INFO = { name: 'mcpw-e2e-sdk-v2', version: '0.0.0' };
const ELICIT = { elicitation: {} };
const WITH_TASKS = { elicitation: {}, extensions: { [EXT]: {} } };

/** The client's `versionNegotiation` settings, and what each must negotiate with this server. */
const MODES = [
  { label: 'default (no versionNegotiation)', negotiation: undefined, era: 'legacy', revision: LEGACY },
  { label: "mode 'legacy'", negotiation: { mode: 'legacy' }, era: 'legacy', revision: LEGACY },
  { label: "mode 'auto' (server/discover probe)", negotiation: { mode: 'auto' }, era: 'modern', revision: MODERN },
  { label: `pinned to ${MODERN}`, negotiation: { mode: { pin: MODERN } }, era: 'modern', revision: MODERN },
];

/**
 * A connected v2 client. `fetch` (optional) is handed to the transport; `listChanged` to the
 * client. Returns {client, transport}.
 */
async function connect(url, { token, negotiation, capabilities, listChanged, fetch } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {}),
    ...(fetch ? { fetch } : {}),
  });
  const client = new Client(CLIENT_INFO, {
    ...(capabilities ? { capabilities } : {}),
    ...(negotiation ? { versionNegotiation: negotiation } : {}),
    ...(listChanged ? { listChanged } : {}),
  });
  await withTimeout(client.connect(transport), STEP_MS, `v2 client connect to ${url}`);
  return { client, transport };
}

/**
 * The host request coordinator ext-tasks asks for on 2026-07-28 (`rawDispatch`): each request
 * is one POST to /mcp with the bearer token, `MCP-Protocol-Version`, `Mcp-Method`, and for a
 * `tools/call` `Mcp-Name`; the package's own headers (its `Mcp-Name` for `tasks/*`) replace
 * ours. `sent` records {method, name, mcpName, status, at, reply} per request.
 */
function taskDispatcher(url, token) {
  const sent = [];
  let nextId = 1;
  async function dispatch(request, options = {}) {
    const id = `ext-tasks-${nextId++}`;
    const headers = new Headers({
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': MODERN,
      'mcp-method': request.method,
    });
    if (request.method === 'tools/call') headers.set('mcp-name', request.params.name);
    for (const [k, v] of Object.entries(options.context?.headers ?? {})) headers.set(k, v);
    const at = Date.now();
    const r = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id, ...request }),
      signal: options.signal ?? AbortSignal.timeout(STEP_MS),
    });
    const text = await r.text();
    const messages = (r.headers.get('content-type') ?? '').includes('text/event-stream')
      ? parseSseText(text).filter((e) => e.data).map((e) => JSON.parse(e.data))
      : [JSON.parse(text)];
    const reply = messages.find((m) => m.id === id);
    sent.push({ method: request.method, name: request.params?.name ?? request.params?.taskId, mcpName: headers.get('mcp-name'), status: r.status, at, reply });
    if (!reply) throw new Error(`${request.method}: HTTP ${r.status}, no reply to ${id}: ${text.slice(0, 400)}`);
    return reply.error ? { kind: 'error', error: reply.error } : { kind: 'result', result: reply.result };
  }
  return { dispatch, sent };
}

/** Params with the 2026-07-28 request `_meta` a client sends (for requests sent without the package). */
const framed = (params, caps = WITH_TASKS) => ({
  ...params,
  _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': caps, 'io.modelcontextprotocol/clientInfo': CLIENT_INFO },
});

/** The Error a connect rejected with. */
async function connectError(url, options) {
  try {
    const { client } = await connect(url, options);
    await client.close();
  } catch (e) {
    return e;
  }
  assert.fail(`connect with ${JSON.stringify(options)} succeeded`);
}

/** The task views among an execution's events. */
const taskViews = (events) => events.filter((e) => e.type === 'task').map((e) => e.task);

describe('TypeScript SDK v2 client and ext-tasks, AUTH_MODE=bearer', () => {
  let gh, worker, token, otherToken, url;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-sdk-v2-');
    token = (await createToken('e2e-sdk-v2', persistDir)).token;
    otherToken = (await createToken('e2e-sdk-v2-other', persistDir)).token;
    worker = await startWorker({
      name: 'sdk-v2',
      persistDir,
      vars: workerVars(gh, { authMode: 'bearer', toolsets: 'conformance,github', extra: { TASK_TTL_SECONDS: String(TTL_SECONDS) } }),
    });
    url = worker.mcpUrl;
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  for (const { label, negotiation, era, revision } of MODES) {
    test(`${label}: negotiates ${revision}; tools, a README, a missing repository, prompts and resources`, async () => {
      const initializes = requestLines(worker).filter((l) => l.method === 'initialize').length;
      const { client, transport } = await connect(url, { token, negotiation });
      try {
        assert.equal(client.getProtocolEra(), era);
        assert.equal(client.getNegotiatedProtocolVersion(), revision);
        const caps = client.getServerCapabilities();
        if (era === 'legacy') {
          assert.match(transport.sessionId ?? '', /^[0-9a-f]{64}$/, 'a 2025-11-25 session has an id');
          assert.equal(caps.extensions, undefined, 'no Tasks extension in a 2025-11-25 session');
          assert.equal(caps.tasks, undefined);
          assert.equal(requestLines(worker).filter((l) => l.method === 'initialize').length, initializes + 1);
        } else {
          assert.equal(transport.sessionId, undefined, '2026-07-28 is stateless');
          assert.deepEqual(caps.extensions, { [EXT]: {} });
          assert.equal(requestLines(worker).filter((l) => l.method === 'initialize').length, initializes, 'no initialize was sent');
          assert.equal(client.getDiscoverResult()?.capabilities?.extensions?.[EXT] !== undefined, true, 'the server/discover result is kept');
        }
        assert.equal(client.getServerVersion()?.name, 'github-mcp-worker');

        // whoami says the revision, and so does the worker's log line for that call.
        const me = await withTimeout(client.callTool({ name: 'whoami', arguments: {} }), STEP_MS, 'whoami');
        assert.equal(me.structuredContent.protocolVersion, revision);
        assert.equal(me.structuredContent.authMode, 'bearer');
        assert.match(me.structuredContent.subject, /^bearer:tok_/);
        const lines = await waitForLines(worker, (ls) => ls.some((l) => l.tool === 'whoami' && l.protocol === revision));
        const line = lines.filter((l) => l.tool === 'whoami').at(-1);
        assert.equal(line.protocol, revision, JSON.stringify(line));
        assert.equal(line.transport, era === 'legacy' ? 'streamable_http' : 'streamable_http_stateless');

        const { tools } = await withTimeout(client.listTools(), STEP_MS, 'tools/list');
        const readme = tools.find((t) => t.name === 'getGithubReadme');
        assert.ok(readme, `getGithubReadme listed (got ${tools.map((t) => t.name).join(', ')})`);
        assert.deepEqual(readme.inputSchema.required, ['repositoryUrl']);
        assert.ok(tools.some((t) => t.name === 'slow_compute'), 'the conformance fixtures are listed');

        const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
        const r = await withTimeout(client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'https://github.com/octocat/Hello-World' } }), STEP_MS, 'getGithubReadme');
        assert.notEqual(r.isError, true, JSON.stringify(r).slice(0, 400));
        assert.ok(resultText(r).includes(HELLO_MARKER), resultText(r).slice(0, 300));
        assert.equal(r.structuredContent.path, 'README.md');
        const reqs = readmeRequests(gh, 'octocat/Hello-World');
        assert.equal(reqs.length, n0 + 1, 'one upstream README request');
        assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`, "the deployment's GITHUB_TOKEN");

        const missing = await withTimeout(client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/does-not-exist' } }), STEP_MS, 'missing repo');
        assert.equal(missing.isError, true, JSON.stringify(missing).slice(0, 400));
        assert.match(resultText(missing), /not found/i);

        const { prompts } = await withTimeout(client.listPrompts(), STEP_MS, 'prompts/list');
        assert.ok(prompts.some((p) => p.name === 'summariseRepository'), prompts.map((p) => p.name).join(', '));
        const prompt = await withTimeout(client.getPrompt({ name: 'summariseRepository', arguments: { owner: 'octocat', repo: 'Hello-World' } }), STEP_MS, 'prompts/get');
        assert.match(JSON.stringify(prompt.messages), /octocat\/Hello-World/);
        const { resources } = await withTimeout(client.listResources(), STEP_MS, 'resources/list');
        assert.ok(resources.some((x) => x.uri === 'test://static-text'), resources.map((x) => x.uri).join(', '));
        const { resourceTemplates } = await withTimeout(client.listResourceTemplates(), STEP_MS, 'resources/templates/list');
        assert.ok(resourceTemplates.some((x) => x.uriTemplate === 'github://{owner}/{repo}/readme{?ref}'), resourceTemplates.map((x) => x.uriTemplate).join(', '));
        const read = await withTimeout(client.readResource({ uri: 'github://octocat/Hello-World/readme' }), STEP_MS, 'resources/read');
        assert.ok(read.contents[0].text.includes(HELLO_MARKER), JSON.stringify(read).slice(0, 300));
      } finally {
        await client.close().catch(() => {});
      }
    });
  }

  // /sse speaks only the 2024-11-05 transport. In 'auto' the client's server/discover probe goes
  // to /sse/message before any initialize; the worker refuses it (-32600 on the stream, 202 to
  // the POST) and the client falls back to initialize.
  for (const negotiation of [undefined, { mode: 'auto' }]) {
    test(`HTTP+SSE /sse with the v2 SSEClientTransport (${negotiation ? "mode 'auto'" : 'default'}): ${LEGACY}, whoami and a README`, async () => {
      const discovers = requestLines(worker).filter((l) => l.path === '/sse/message' && l.method === 'server/discover').length;
      const transport = new SSEClientTransport(new URL(worker.sseUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
      const client = new Client(CLIENT_INFO, negotiation ? { versionNegotiation: negotiation } : {});
      await withTimeout(client.connect(transport), STEP_MS, 'connect /sse');
      try {
        assert.equal(client.getProtocolEra(), 'legacy');
        assert.equal(client.getNegotiatedProtocolVersion(), LEGACY);
        const me = await withTimeout(client.callTool({ name: 'whoami', arguments: {} }), STEP_MS, 'whoami');
        assert.equal(me.structuredContent.protocolVersion, LEGACY);
        const r = await withTimeout(client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' } }), STEP_MS, 'README');
        assert.ok(resultText(r).includes(HELLO_MARKER));
        const lines = await waitForLines(worker, (ls) => ls.some((l) => l.path === '/sse/message' && l.tool === 'getGithubReadme'));
        assert.ok(lines.some((l) => l.path === '/sse/message' && l.tool === 'whoami' && l.transport === 'sse'), 'the calls went through /sse/message');
        const probes = lines.filter((l) => l.path === '/sse/message' && l.method === 'server/discover');
        assert.equal(probes.length - discovers, negotiation ? 1 : 0, 'one probe in auto mode, none otherwise');
        if (negotiation) assert.equal(probes.at(-1).rpcError, -32600);
      } finally {
        await client.close().catch(() => {});
      }
    });
  }

  // The SDK's legacy path labels every refused POST CLIENT_HTTP_NOT_IMPLEMENTED, a 401 included
  // (its own classification); the status and the body are ours, and are what is checked.
  test('a wrong or missing token: connect fails with 401 in every mode', async () => {
    for (const { label, negotiation } of MODES) {
      for (const bad of ['mcpw_not-a-real-token', undefined]) {
        const e = await connectError(url, { token: bad, negotiation });
        const what = `${label}, ${bad ? 'wrong' : 'no'} token: ${e.stack}`;
        assert.ok(e instanceof SdkHttpError, what);
        assert.equal(e.data?.status, 401, what);
        if (bad) assert.equal(JSON.parse(e.data.text).error, 'invalid_token', what);
      }
    }
  });

  test(`${MODERN}: input_required results answered by the client's elicitation handler (tools and prompts)`, async () => {
    const { client } = await connect(url, { token, negotiation: { mode: { pin: MODERN } }, capabilities: ELICIT });
    const asked = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params.message);
      const content = {};
      for (const [field, schema] of Object.entries(request.params.requestedSchema.properties)) {
        content[field] = schema.type === 'boolean' ? true : 'Ada';
      }
      return { action: 'accept', content };
    });
    try {
      const hello = await withTimeout(client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} }), STEP_MS, 'elicitation');
      assert.equal(resultText(hello), 'Hello, Ada!');
      const rounds = await withTimeout(client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} }), STEP_MS, 'multi round');
      assert.equal(resultText(rounds), 'Multi-round complete for Ada who likes Ada');
      const state = await withTimeout(client.callTool({ name: 'test_input_required_result_request_state', arguments: {} }), STEP_MS, 'requestState');
      assert.equal(resultText(state), 'state-ok: requestState validated', 'the signed requestState came back unchanged');
      const prompt = await withTimeout(client.getPrompt({ name: 'test_input_required_result_prompt', arguments: {} }), STEP_MS, 'prompt');
      assert.equal(prompt.messages[0].content.text, 'Prompt with context: Ada');
      assert.deepEqual(asked, [
        'What is your name?',
        'Step 1: What is your name?',
        'Step 2: What is your favorite color?',
        'Please confirm',
        'What context should the prompt use?',
      ]);
    } finally {
      await client.close().catch(() => {});
    }
  });

  // What a call sends on its own response stream, and what the client puts in headers: progress
  // to `onprogress` in both eras; log messages only at a level the client asked for
  // (`logging/setLevel` in a 2025-11-25 session; on 2026-07-28, where the client refuses that
  // method, the request's `_meta` log level); on 2026-07-28 the client mirrors `x-mcp-header`
  // arguments into `Mcp-Param-*` (Base64 for non-ASCII and for padded values), which the server
  // checks against the body before it runs the tool.
  for (const { label, negotiation, era } of [MODES[1], MODES[3]]) {
    test(`${label}: progress and log notifications on the call's stream; Mcp-Param-* headers`, async () => {
      const params = [];
      const recordingFetch = async (input, init) => {
        const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
        if (body?.method === 'tools/call' && body.params.name === 'test_param_headers') {
          params.push(Object.fromEntries([...new Headers(init.headers)].filter(([k]) => k.startsWith('mcp-param-'))));
        }
        return fetch(input, init);
      };
      const { client } = await connect(url, { token, negotiation, fetch: recordingFetch });
      const logs = [];
      client.setNotificationHandler('notifications/message', (n) => logs.push(n.params.data));
      try {
        const progress = [];
        const counted = await withTimeout(client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => progress.push(p) }), STEP_MS, 'progress');
        assert.notEqual(counted.isError, true);
        assert.deepEqual(progress.map((p) => [p.progress, p.total]), [[0, 100], [50, 100], [100, 100]]);
        assert.equal(progress[1].message, 'Completed step 50 of 100');

        const expected = ['Tool execution started', 'Tool processing data', 'Tool execution completed'];
        await withTimeout(client.callTool({ name: 'test_tool_with_logging', arguments: {} }), STEP_MS, 'no level');
        assert.deepEqual(logs, [], 'no log level asked for: no log messages');
        if (era === 'legacy') {
          await client.setLoggingLevel('info');
          await withTimeout(client.callTool({ name: 'test_tool_with_logging', arguments: {} }), STEP_MS, 'setLevel info');
        } else {
          await assert.rejects(client.setLoggingLevel('info'), /not supported by the negotiated protocol version/);
          await withTimeout(client.callTool({ name: 'test_tool_with_logging', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'info' } }), STEP_MS, '_meta info');
        }
        assert.deepEqual(logs, expected);
        logs.length = 0;
        const meta = era === 'legacy' ? {} : { _meta: { [LOG_LEVEL_META_KEY]: 'error' } };
        if (era === 'legacy') await client.setLoggingLevel('error');
        await withTimeout(client.callTool({ name: 'test_tool_with_logging', arguments: {}, ...meta }), STEP_MS, 'level error');
        assert.deepEqual(logs, [], 'info messages are below the level error');

        await client.listTools();
        for (const [args, text] of [
          [{ region: 'us-west1' }, 'region=us-west1'],
          [{ region: 'Hello, 世界', count: 3 }, 'region=Hello, 世界, count=3'],
          [{ region: ' padded ', dryRun: true }, 'region= padded , dryRun=true'],
        ]) {
          const r = await withTimeout(client.callTool({ name: 'test_param_headers', arguments: args }), STEP_MS, `params ${JSON.stringify(args)}`);
          assert.equal(resultText(r), text);
        }
        assert.deepEqual(params, era === 'legacy' ? [{}, {}, {}] : [
          { 'mcp-param-region': 'us-west1' },
          { 'mcp-param-region': '=?base64?SGVsbG8sIOS4lueVjA==?=', 'mcp-param-count': '3' },
          { 'mcp-param-region': '=?base64?IHBhZGRlZCA=?=', 'mcp-param-dryrun': 'true' },
        ]);
      } finally {
        await client.close().catch(() => {});
      }
    });
  }

  describe(`ext-tasks (createTaskSessionFromClient) on the Tasks extension, ${MODERN}`, () => {
    /** A pinned 2026-07-28 client and its ext-tasks session, with `as` (default: the suite's token). */
    async function tasksSession({ onInputRequest, capabilities = ELICIT, as = token } = {}) {
      const { client } = await connect(url, { token: as, negotiation: { mode: { pin: MODERN } }, capabilities });
      const dispatcher = taskDispatcher(url, as);
      const errors = [];
      const session = createTaskSessionFromClient(client, {
        endpointId: `mcpw-e2e-${worker.port}`,
        rawDispatch: dispatcher.dispatch,
        v2RequestFraming: { protocolVersion: MODERN, clientInfo: CLIENT_INFO, clientCapabilities: capabilities },
        ...(onInputRequest ? { onInputRequest } : {}),
        onError: (e) => errors.push(e),
      });
      return {
        client,
        session,
        sent: dispatcher.sent,
        errors,
        async close() {
          await session.close().catch(() => {});
          await client.close().catch(() => {});
        },
      };
    }

    test('slow_compute: a task, its progress as status messages, polled at the server\'s interval, completed', async () => {
      const s = await tasksSession();
      try {
        assert.deepEqual(s.session.capabilities, { inventory: 'known-handles', execution: true, cancellation: true, inputResponses: true, requestedRetention: false });
        const execution = await withTimeout(s.session.callTool('slow_compute', { seconds: 3, label: 'v2' }), STEP_MS, 'slow_compute');
        assert.equal(execution.kind, 'task');
        assert.match(execution.handle.taskId, /^[0-9a-f]{64}$/);
        assert.equal(execution.handle.operation, 'tools/call');
        const events = [];
        const { outcome, lastTask } = await withTimeout(execution.settle({ onEvent: (e) => events.push(e) }), STEP_MS, 'settle');
        assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
        assert.equal(resultText(resultFromTaskOutcome(outcome)), 'computed v2 in 3s');
        const tasks = taskViews(events);
        assert.ok(tasks.some((t) => t.status === 'working' && /of 3 seconds/.test(t.statusMessage ?? '')),
          `progress as the status message: ${tasks.map((t) => `${t.status} ${t.statusMessage ?? ''}`).join(' | ')}`);
        assert.equal(tasks.at(-1).status, 'completed');
        assert.equal(events.at(-1).type, 'outcome');
        assert.equal(lastTask.taskId, execution.handle.taskId);
        assert.equal(lastTask.retentionMs, TTL_SECONDS * 1000, 'ttlMs is TASK_TTL_SECONDS');
        assert.equal(lastTask.suggestedPollIntervalMs, 1000);
        // The wire: one tools/call, then tasks/get with Mcp-Name = the task id, at the
        // server's poll interval.
        assert.equal(s.sent[0].method, 'tools/call');
        assert.equal(s.sent[0].reply.result.resultType, 'task');
        const polls = s.sent.filter((r) => r.method === 'tasks/get');
        assert.ok(polls.length >= 2 && polls.length <= 6, `${polls.length} polls for a 3 s task`);
        for (const p of polls) {
          assert.equal(p.status, 200);
          assert.equal(p.mcpName, execution.handle.taskId, 'Mcp-Name is the task id');
        }
        for (let i = 1; i < polls.length; i++) {
          assert.ok(polls[i].at - polls[i - 1].at >= 900, `polls ${polls[i].at - polls[i - 1].at} ms apart`);
        }
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('confirm_delete: input_required answered through onInputRequest (accept, then decline)', async () => {
      const asked = [];
      let answer = { action: 'accept', content: { confirm: true } };
      const s = await tasksSession({
        onInputRequest: async (request, context) => {
          asked.push({ request, context });
          return answer;
        },
      });
      try {
        const accepted = await s.session.callTool('confirm_delete', { filename: 'v2.txt' });
        assert.equal(accepted.kind, 'task');
        const done = await withTimeout(accepted.settle(), STEP_MS, 'settle confirm_delete');
        assert.equal(done.outcome.status, 'completed', JSON.stringify(done.outcome));
        assert.equal(resultText(done.outcome.result), 'Deleted v2.txt (pretend: this fixture deletes nothing)');
        assert.equal(asked.length, 1);
        assert.equal(asked[0].request.kind, 'elicitation');
        assert.equal(asked[0].request.params.message, 'Delete v2.txt?');
        assert.deepEqual(asked[0].request.params.requestedSchema.required, ['confirm']);
        assert.equal(asked[0].context.scope, 'task');
        assert.equal(asked[0].context.delivery, 'task-update');
        assert.equal(asked[0].context.inputId, 'confirm_delete');
        assert.equal(asked[0].context.taskId, accepted.handle.taskId);
        const updates = s.sent.filter((r) => r.method === 'tasks/update');
        assert.equal(updates.length, 1);
        assert.equal(updates[0].status, 200);
        assert.equal(updates[0].reply.result.resultType, 'complete');

        answer = { action: 'decline' };
        const declined = await s.session.callTool('confirm_delete', { filename: 'kept.txt' });
        const kept = await withTimeout(declined.settle(), STEP_MS, 'settle declined');
        assert.equal(kept.outcome.status, 'completed');
        assert.equal(resultText(kept.outcome.result), 'Kept kept.txt');
        assert.equal(asked.length, 2);
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('input through onInputRequest in every place: two at once in a task, before a task exists, and roots, sampling and elicitation in one call', async () => {
      const asked = [];
      const s = await tasksSession({
        capabilities: { elicitation: {}, sampling: {}, roots: {} },
        onInputRequest: async (request, context) => {
          asked.push(`${context.scope}/${context.delivery}/${context.inputId}/${request.kind}`);
          if (request.kind === 'sampling') return { model: 'e2e', role: 'assistant', content: { type: 'text', text: 'forty-two' } };
          if (request.kind === 'roots') return { roots: [{ uri: 'file:///tmp/e2e' }] };
          const content = {};
          for (const [field, schema] of Object.entries(request.params.requestedSchema.properties)) content[field] = schema.type === 'boolean' ? true : 'Ada';
          return { action: 'accept', content };
        },
      });
      try {
        const both = await s.session.callTool('multi_input', {});
        assert.equal(both.kind, 'task');
        const done = await withTimeout(both.settle(), STEP_MS, 'settle multi_input');
        assert.equal(resultText(done.outcome.result), 'name="Ada", confirm=true');
        assert.deepEqual(asked.splice(0).sort(), ['task/task-update/confirm/elicitation', 'task/task-update/name/elicitation']);
        const updates = s.sent.filter((r) => r.method === 'tasks/update');
        assert.equal(updates.length, 1, 'both answers in one tasks/update');

        // test_tool_with_task asks before it creates its task (input_required on tools/call).
        const greeted = await s.session.callTool('test_tool_with_task', {});
        assert.deepEqual(asked.splice(0), ['request/request-retry/user_name/elicitation']);
        assert.equal(greeted.kind, 'task');
        assert.equal(resultText((await withTimeout(greeted.settle(), STEP_MS, 'settle test_tool_with_task')).outcome.result), 'Hello, Ada!');
        const calls = s.sent.filter((r) => r.name === 'test_tool_with_task');
        assert.deepEqual(calls.map((r) => r.reply.result.resultType), ['input_required', 'task']);

        const all = await s.session.callTool('test_input_required_result_multiple_inputs', {});
        assert.equal(all.kind, 'immediate');
        assert.equal(resultText((await all.settle()).outcome.result), 'Name: Ada; Greeting: forty-two; Roots: 1');
        assert.deepEqual(asked.splice(0).sort(), [
          'request/request-retry/client_roots/roots',
          'request/request-retry/greeting/sampling',
          'request/request-retry/user_name/elicitation',
        ]);
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('failing_job completes with isError; protocol_error_job fails with -32603 (TaskFailedError)', async () => {
      const s = await tasksSession();
      try {
        const failing = await s.session.callTool('failing_job', {});
        assert.equal(failing.kind, 'task');
        const failed = await withTimeout(failing.settle(), STEP_MS, 'settle failing_job');
        assert.equal(failed.outcome.status, 'completed', 'a tool error is a completed task');
        assert.equal(failed.outcome.result.isError, true);
        assert.match(resultText(failed.outcome.result), /failed on purpose/);

        const broken = await s.session.callTool('protocol_error_job', {});
        assert.equal(broken.kind, 'task');
        const error = await withTimeout(broken.settle(), STEP_MS, 'settle protocol_error_job');
        assert.equal(error.outcome.status, 'failed');
        assert.ok(error.outcome.error instanceof TaskFailedError);
        assert.equal(error.outcome.error.code, -32603);
        assert.match(error.outcome.error.message, /simulated internal failure/);
        assert.throws(() => resultFromTaskOutcome(error.outcome), TaskFailedError);
      } finally {
        await s.close();
      }
    });

    test('searchGithubIssues with maxPages runs as a task (one GitHub request per page); one page and a README do not', async () => {
      const s = await tasksSession();
      try {
        const n0 = gh.requests.filter((r) => r.path === '/search/issues').length;
        const paged = await s.session.callTool('searchGithubIssues', { query: 'repo:octocat/Hello-World is:issue', perPage: 1, maxPages: 3 });
        assert.equal(paged.kind, 'task');
        const done = await withTimeout(paged.settle(), STEP_MS, 'settle search');
        assert.equal(done.outcome.status, 'completed', JSON.stringify(done.outcome));
        assert.deepEqual(done.outcome.result.structuredContent.items.map((i) => i.number), [1, 2, 4]);
        assert.equal(done.outcome.result.structuredContent.hasMore, false);
        assert.equal(gh.requests.filter((r) => r.path === '/search/issues').length - n0, 3, 'one request per page');

        const one = await s.session.callTool('searchGithubIssues', { query: 'repo:octocat/Hello-World' });
        assert.equal(one.kind, 'immediate', 'one page is not worth a task');
        assert.equal((await one.settle()).outcome.status, 'completed');
        const readme = await s.session.callTool('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
        assert.equal(readme.kind, 'immediate');
        assert.ok(resultText((await readme.settle()).outcome.result).includes(HELLO_MARKER));
      } finally {
        await s.close();
      }
    });

    test('tasks cancelled through the package: execution.cancel() and session.cancelTask(); they stay cancelled', async () => {
      const s = await tasksSession();
      try {
        const first = await s.session.callTool('slow_compute', { seconds: 60, label: 'cancel-me' });
        assert.equal(first.kind, 'task');
        await sleep(1_200);
        await withTimeout(first.cancel(), STEP_MS, 'execution.cancel');
        const settled = await withTimeout(first.settle(), STEP_MS, 'settle cancelled');
        assert.equal(settled.outcome.status, 'cancelled');
        assert.throws(() => resultFromTaskOutcome(settled.outcome), TaskCancelledError);
        const cancels = s.sent.filter((r) => r.method === 'tasks/cancel');
        assert.equal(cancels.length, 1);
        assert.equal(cancels[0].mcpName, first.handle.taskId);
        assert.equal(cancels[0].reply.result.resultType, 'complete');

        const second = await s.session.callTool('slow_compute', { seconds: 60, label: 'cancel-me-too' });
        await withTimeout(s.session.cancelTask(second.handle.taskId), STEP_MS, 'session.cancelTask');
        assert.equal((await withTimeout(second.settle(), STEP_MS, 'settle second')).outcome.status, 'cancelled');

        await sleep(2_000);
        for (const { handle } of [first, second]) {
          const view = await s.session.task(handle.taskId).snapshot();
          assert.equal(view.status, 'cancelled', 'the stopped run changed nothing');
          assert.equal(view.raw.result, undefined);
        }
      } finally {
        await s.close();
      }
    });

    // ext-tasks 0.2.2: `handoff()` detaches the execution, but the session keeps it among its
    // live executions until its local result settles, a few ticks later; a `session.close()`
    // in between cancels the handed-off task (`tasks/cancel` on the wire, seen while writing
    // this test: the resumed task then settled `cancelled`), because the execution's close()
    // cancels whatever has not settled locally. Awaiting the execution's result (the detached
    // execution's local outcome) before closing avoids it, as any user can.
    test('a task handed off by one client and resumed by another (handoff, resumeTask): the second answers its input', async () => {
      const first = await tasksSession();
      let reference;
      let taskId;
      try {
        const execution = await first.session.callTool('confirm_delete', { filename: 'handed.txt' });
        assert.equal(execution.kind, 'task');
        taskId = execution.handle.taskId;
        await execution.handoff((ref) => {
          reference = JSON.parse(JSON.stringify(ref));
        });
        await execution.result().catch(() => {});
      } finally {
        await first.close();
      }
      assert.deepEqual(reference, { endpointId: `mcpw-e2e-${worker.port}`, generation: 'v2', taskId, originalOperation: 'tools/call' });
      assert.deepEqual(first.sent.map((r) => r.method).filter((m) => m === 'tasks/cancel' || m === 'tasks/update'), [], 'the first client neither cancelled nor answered');

      // Another token cannot take it over: its lookup finds no task.
      const stranger = await tasksSession({ as: otherToken });
      try {
        await assert.rejects(stranger.session.resumeTask(reference), (e) => e instanceof JsonRpcResponseError && e.code === -32602);
        assert.equal(stranger.sent.at(-1).reply.error?.code, -32602, JSON.stringify(stranger.sent.at(-1)));
      } finally {
        await stranger.close();
      }

      const asked = [];
      const second = await tasksSession({
        onInputRequest: async (request, context) => {
          asked.push({ message: request.params.message, taskId: context.taskId });
          return { action: 'accept', content: { confirm: true } };
        },
      });
      try {
        const resumed = await second.session.resumeTask(reference);
        assert.equal(resumed.kind, 'task');
        assert.equal(resumed.handle.taskId, taskId);
        const { outcome } = await withTimeout(resumed.settle(), STEP_MS, 'settle resumed');
        assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
        assert.equal(resultText(outcome.result), 'Deleted handed.txt (pretend: this fixture deletes nothing)');
        assert.deepEqual(asked, [{ message: 'Delete handed.txt?', taskId }]);
        assert.equal(second.sent.filter((r) => r.method === 'tasks/update').length, 1);
      } finally {
        await second.close();
      }
    });

    test(`on ${LEGACY} the same package runs the task tools synchronously (no Tasks in a session)`, async () => {
      const { client } = await connect(url, { token, negotiation: { mode: 'legacy' }, capabilities: WITH_TASKS });
      const session = createTaskSessionFromClient(client, { endpointId: `mcpw-e2e-legacy-${worker.port}` });
      try {
        assert.equal(session.capabilities.execution, false, JSON.stringify(session.capabilities));
        const slow = await session.callTool('slow_compute', { seconds: 1, label: 'sync' });
        assert.equal(slow.kind, 'immediate');
        assert.equal(resultText((await slow.settle()).outcome.result), 'computed sync in 1s');
        const failing = await session.callTool('failing_job', {});
        assert.equal(failing.kind, 'immediate');
        assert.equal((await failing.settle()).outcome.result.isError, true);
      } finally {
        await session.close().catch(() => {});
        await client.close().catch(() => {});
      }
    });
  });

  describe(`subscriptions/listen through the v2 client (${MODERN})`, () => {
    test('list changes: the server declares none, so the client opens nothing; an explicit listen honours nothing and ends', async () => {
      const changed = [];
      const handler = (kind) => ({ onChanged: (error, items) => changed.push({ kind, error, items }) });
      const { client } = await connect(url, {
        token,
        negotiation: { mode: { pin: MODERN } },
        listChanged: { tools: handler('tools'), prompts: handler('prompts'), resources: handler('resources') },
      });
      try {
        const caps = client.getServerCapabilities();
        assert.equal(caps.tools.listChanged, false);
        assert.equal(caps.prompts.listChanged, false);
        assert.equal(caps.resources.listChanged, false);
        assert.equal(client.autoOpenedSubscription, undefined, 'nothing to listen for');
        const listens = requestLines(worker).filter((l) => l.method === 'subscriptions/listen').length;
        const sub = await withTimeout(client.listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }), STEP_MS, 'listen');
        assert.deepEqual(sub.honoredFilter, {}, 'no list kind honoured');
        assert.equal(await withTimeout(sub.closed, 10_000, 'the stream ends'), 'graceful');
        const lines = await waitForLines(worker, (ls) => ls.filter((l) => l.method === 'subscriptions/listen').length > listens);
        assert.equal(lines.filter((l) => l.method === 'subscriptions/listen').at(-1).httpStatus, 200);
        assert.deepEqual(changed, []);
      } finally {
        await client.close().catch(() => {});
      }
    });

    // The SDK's SubscriptionFilter knows only the core list kinds: `taskIds` (the Tasks
    // extension's) goes out as given, but `honoredFilter` drops it from the server's
    // acknowledgement. The wire is read here through the transport's `fetch`.
    test('task notifications for a task the ext-tasks session drives, then a listen the client closes', async () => {
      const acks = [];
      const recordingFetch = async (input, init) => {
        const response = await fetch(input, init);
        if (typeof init?.body === 'string' && init.body.includes('"subscriptions/listen"')) {
          const reader = response.clone().body.getReader();
          let text = '';
          for (let i = 0; i < 50 && !text.includes('\n\n'); i++) {
            const { value, done } = await reader.read();
            if (done) break;
            text += new TextDecoder().decode(value);
          }
          reader.cancel().catch(() => {});
          acks.push(JSON.parse(parseSseText(text).find((e) => e.data).data));
        }
        return response;
      };
      const notes = [];
      const { client } = await connect(url, { token, negotiation: { mode: { pin: MODERN } }, capabilities: WITH_TASKS, fetch: recordingFetch });
      client.fallbackNotificationHandler = async (n) => notes.push(n);
      const dispatcher = taskDispatcher(url, token);
      // The session parses each notifications/tasks with the package's V2 schema and reports
      // one it cannot read to onError.
      const errors = [];
      const session = createTaskSessionFromClient(client, {
        endpointId: `mcpw-e2e-listen-${worker.port}`,
        rawDispatch: dispatcher.dispatch,
        v2RequestFraming: { protocolVersion: MODERN, clientInfo: CLIENT_INFO, clientCapabilities: WITH_TASKS },
        onError: (e) => errors.push(e),
      });
      try {
        const execution = await session.callTool('slow_compute', { seconds: 3, label: 'listened' });
        const taskId = execution.handle.taskId;
        const sub = await withTimeout(client.listen({ taskIds: [taskId] }), STEP_MS, 'listen taskIds');
        assert.deepEqual(acks[0]?.params?.notifications, { taskIds: [taskId] }, `the server honours the task: ${JSON.stringify(acks[0])}`);
        const { outcome } = await withTimeout(execution.settle(), STEP_MS, 'settle');
        assert.equal(resultText(outcome.result), 'computed listened in 3s');
        assert.equal(await withTimeout(sub.closed, 10_000, 'the stream ends with its last task'), 'graceful');
        const mine = notes.filter((n) => n.method === 'notifications/tasks' && n.params.taskId === taskId);
        assert.ok(mine.length >= 2, `notifications: ${notes.map((n) => n.method).join(', ')}`);
        assert.equal(mine[0].params.status, 'working');
        assert.equal(mine.at(-1).params.status, 'completed');
        assert.equal(mine.at(-1).params.result.content[0].text, 'computed listened in 3s');
        for (const n of mine) assert.ok(n.params._meta?.[SUB] !== undefined, `each carries its subscription id: ${JSON.stringify(n.params._meta)}`);
        assert.ok(mine.some((n) => n.params.status === 'working' && /of 3 seconds/.test(n.params.statusMessage ?? '')),
          mine.map((n) => `${n.params.status} ${n.params.statusMessage ?? ''}`).join(' | '));
        assert.deepEqual(errors, [], 'every notification matched the package\'s schema');

        // A task waiting for input keeps its stream open until the client closes it; the
        // client's close reaches the worker as notifications/cancelled.
        const waiting = await dispatcher.dispatch({
          method: 'tools/call',
          params: framed({ name: 'confirm_delete', arguments: { filename: 'w.txt' } }),
        });
        const waitingId = waiting.result.taskId;
        assert.match(waitingId, /^[0-9a-f]{64}$/, JSON.stringify(waiting));
        const seen = notes.length;
        const open = await withTimeout(client.listen({ taskIds: [waitingId] }), STEP_MS, 'listen waiting');
        const deadline = Date.now() + 10_000;
        while (!notes.slice(seen).some((n) => n.params?.taskId === waitingId && n.params.status === 'input_required') && Date.now() < deadline) await sleep(100);
        assert.ok(notes.slice(seen).some((n) => n.params?.taskId === waitingId && n.params.status === 'input_required'), 'the waiting task is reported');
        const cancelled = requestLines(worker).filter((l) => l.method === 'notifications/cancelled').length;
        await open.close();
        assert.equal(await withTimeout(open.closed, 5_000, 'closed'), 'local');
        const lines = await waitForLines(worker, (ls) => ls.filter((l) => l.method === 'notifications/cancelled').length > cancelled);
        assert.equal(lines.filter((l) => l.method === 'notifications/cancelled').at(-1)?.httpStatus, 202);
        const cancel = await dispatcher.dispatch({ method: 'tasks/cancel', params: framed({ taskId: waitingId }) }, { context: { headers: { 'Mcp-Name': waitingId } } });
        assert.equal(cancel.kind, 'result', JSON.stringify(cancel));
      } finally {
        await session.close().catch(() => {});
        await client.close().catch(() => {});
      }
    });
  });
});

/**
 * The suites' in-memory provider, keeping the discovery state too: the v2 client then checks,
 * when the code comes back, that it is redeemed at the authorization server it was sent to
 * (SEP-2352), and warns when it cannot.
 */
class V2Provider extends MemoryProvider {
  saveDiscoveryState(state) {
    this.saved.discovery = state;
  }
  discoveryState() {
    return this.saved.discovery;
  }
}

describe('TypeScript SDK v2 client, AUTH_MODE=oauth: its own sign-in (OAuthClientProvider)', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'sdk-v2-oauth', vars: oauthVars(gh, { MCP_TOOLSETS: 'conformance,github' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  const tokenRequests = () => requestLines(worker).filter((l) => l.path === '/token');

  for (const { label, negotiation, era, revision } of MODES.filter((m) => m.negotiation)) {
    test(`${label}: sign-in through the consent page, tools with the user's GitHub token, a refresh after a refused token`, async () => {
      const provider = new V2Provider();
      const make = () => new StreamableHTTPClientTransport(new URL(worker.mcpUrl), { authProvider: provider });
      const first = new Client(CLIENT_INFO, { versionNegotiation: negotiation });
      await assert.rejects(withTimeout(first.connect(make()), STEP_MS, 'first connect'), UnauthorizedError);
      assert.ok(provider.authorizationUrl, 'the client asked for the browser');
      const authorize = new URL(provider.authorizationUrl);
      assert.equal(authorize.origin + authorize.pathname, `${worker.url}/authorize`);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('resource'), worker.mcpUrl);
      assert.match(provider.saved.client?.client_id ?? '', /./, 'the client registered itself');
      const exchanges = gh.oauth.stats.exchanges;
      const signed = await signIn(provider.authorizationUrl);
      assert.equal(signed.consentShown, true, 'a new client sees the consent page');
      const back = new URL(signed.url);
      assert.equal(back.origin + back.pathname, REDIRECT, `sign-in ended at ${signed.url}`);
      assert.equal(back.searchParams.get('iss'), worker.url, 'the callback names the issuer');
      assert.equal(gh.oauth.stats.exchanges, exchanges + 1, 'the sign-in went through GitHub');
      // The callback's parameters, as the v2 client prefers them: it checks `iss` (RFC 9207).
      await withTimeout(make().finishAuth(back.searchParams), STEP_MS, 'finishAuth');
      const tokens = provider.saved.tokens;
      assert.ok(tokens?.access_token && tokens.refresh_token, 'an access and a refresh token');
      recordSecret(tokens.access_token, 'v2 client access token');
      recordSecret(tokens.refresh_token, 'v2 client refresh token');

      const exercise = async () => {
        const client = new Client(CLIENT_INFO, { versionNegotiation: negotiation });
        await withTimeout(client.connect(make()), STEP_MS, 'connect with tokens');
        try {
          assert.equal(client.getProtocolEra(), era);
          const me = await client.callTool({ name: 'whoami', arguments: {} });
          assert.equal(me.structuredContent.authMode, 'oauth');
          assert.equal(me.structuredContent.name, 'octocat');
          assert.equal(me.structuredContent.protocolVersion, revision);
          const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
          const r = await client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' } });
          assert.ok(resultText(r).includes(HELLO_MARKER), resultText(r).slice(0, 300));
          assert.equal(readmeRequests(gh, 'octocat/Hello-World').length, n0 + 1);
          assert.equal(readmeRequests(gh, 'octocat/Hello-World').at(-1).headers.authorization, `Bearer ${gh.token}`, "the signed-in user's GitHub token");
        } finally {
          await client.close().catch(() => {});
        }
      };
      await exercise();

      // The access token refused (as after its hour): the client refreshes once, without the browser.
      const refreshes = tokenRequests().length;
      provider.authorizationUrl = undefined;
      provider.saved.tokens = { ...tokens, access_token: `${tokens.access_token.slice(0, -4)}XXXX` };
      await exercise();
      assert.equal(provider.authorizationUrl, undefined, 'no new sign-in');
      assert.equal(tokenRequests().length, refreshes + 1, 'one request to /token');
      const renewed = provider.saved.tokens;
      assert.notEqual(renewed.access_token, tokens.access_token, 'a new access token');
      assert.notEqual(renewed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
      recordSecret(renewed.access_token, 'v2 client access token (refreshed)');
      recordSecret(renewed.refresh_token, 'v2 client refresh token (refreshed)');
    });
  }
});
