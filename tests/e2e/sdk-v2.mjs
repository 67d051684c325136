// What the suites of the TypeScript SDK v2 client (`@modelcontextprotocol/client`) share:
// sdk-v2.test.mjs (the client itself) and ext-tasks.test.mjs (the official Tasks client,
// `@modelcontextprotocol/ext-tasks`, and `subscriptions/listen`). Both run against a worker with
// AUTH_MODE=bearer, the conformance fixtures and the GitHub tools (`startBearerWorker`).
//
// The package's 2026-07-28 path needs a `rawDispatch` from the host ("the host coordinator that
// owns request IDs and response matching", its docs): the SDK client's codecs do not take the
// Tasks wire shapes. `taskDispatcher` below is that coordinator, as a user would write it: one
// POST per request with the 2026-07-28 headers (the package itself supplies `Mcp-Name` for
// `tasks/*`), reading a JSON or an SSE answer.
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startFakeGitHub, startWorker, workerVars, createToken, tempDir, withTimeout, parseSseText } from './harness.mjs';

export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';
export const EXT = 'io.modelcontextprotocol/tasks';
export const SUB = 'io.modelcontextprotocol/subscriptionId';
export const TTL_SECONDS = 120;
export const STEP_MS = 30_000;
export const CLIENT_INFO = { name: 'mcpw-e2e-sdk-v2', version: '0.0.0' };
export const ELICIT = { elicitation: {} };
export const WITH_TASKS = { elicitation: {}, extensions: { [EXT]: {} } };

/** The client's `versionNegotiation` settings, and what each must negotiate with this server. */
export const MODES = [
  { label: 'default (no versionNegotiation)', negotiation: undefined, era: 'legacy', revision: LEGACY },
  { label: "mode 'legacy'", negotiation: { mode: 'legacy' }, era: 'legacy', revision: LEGACY },
  { label: "mode 'auto' (server/discover probe)", negotiation: { mode: 'auto' }, era: 'modern', revision: MODERN },
  { label: `pinned to ${MODERN}`, negotiation: { mode: { pin: MODERN } }, era: 'modern', revision: MODERN },
];

/**
 * A connected v2 client. `fetch` (optional) is handed to the transport; `listChanged` to the
 * client. Returns {client, transport}.
 */
export async function connect(url, { token, negotiation, capabilities, listChanged, fetch } = {}) {
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
export function taskDispatcher(url, token) {
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
export const framed = (params, caps = WITH_TASKS) => ({
  ...params,
  _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': caps, 'io.modelcontextprotocol/clientInfo': CLIENT_INFO },
});

/** The Error a connect rejected with. */
export async function connectError(url, options) {
  try {
    const { client } = await connect(url, options);
    await client.close();
  } catch (e) {
    return e;
  }
  assert.fail(`connect with ${JSON.stringify(options)} succeeded`);
}

/** The task views among an execution's events. */
export const taskViews = (events) => events.filter((e) => e.type === 'task').map((e) => e.task);

/**
 * A fake GitHub and a worker with AUTH_MODE=bearer, the conformance fixtures and the GitHub tools,
 * tasks kept TTL_SECONDS, and two tokens (`token`, `otherToken`). `stop()` ends both.
 */
export async function startBearerWorker(name) {
  const gh = await startFakeGitHub();
  const persistDir = tempDir(`mcpw-persist-${name}-`);
  const token = (await createToken(`e2e-${name}`, persistDir)).token;
  const otherToken = (await createToken(`e2e-${name}-other`, persistDir)).token;
  const worker = await startWorker({
    name,
    persistDir,
    vars: workerVars(gh, { authMode: 'bearer', toolsets: 'conformance,github', extra: { TASK_TTL_SECONDS: String(TTL_SECONDS) } }),
  });
  return {
    gh, worker, token, otherToken, url: worker.mcpUrl,
    async stop() {
      await worker.stop();
      await gh.close();
    },
  };
}
