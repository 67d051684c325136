// The official TypeScript SDK v2 client (`@modelcontextprotocol/client`, the split-package SDK)
// against the worker, over Streamable HTTP on /mcp with a bearer token (AUTH_MODE=bearer):
// - the client in each of its version-negotiation modes: the default and 'legacy' (the
//   2025-11-25 `initialize` handshake, a session), 'auto' (a `server/discover` probe) and a pin
//   to 2026-07-28 (stateless); the revision negotiated is read from the client, from `whoami` and
//   from the worker's log line; tools, a README, a missing repository, prompts and resources; a
//   wrong or missing token refused with 401 in every mode; input asked for with an
//   `input_required` result (2026-07-28) answered by the client's own elicitation handler;
//   progress and log notifications, and `Mcp-Param-*` headers; HTTP+SSE on /sse;
// - AUTH_MODE=oauth: the client's own OAuth (discovery, registration, PKCE) through the consent
//   page and the fake GitHub (the scripted browser), on 2025-11-25 and 2026-07-28, then a
//   refresh when its access token is refused.
// The official Tasks client on the same worker is ext-tasks.test.mjs; what both share, sdk-v2.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport, SSEClientTransport, SdkHttpError, UnauthorizedError, LOG_LEVEL_META_KEY } from '@modelcontextprotocol/client';
import { startFakeGitHub, startWorker, oauthVars, withTimeout, resultText, readmeRequests, requestLines, waitForLines, recordSecret, HELLO_MARKER } from './harness.mjs';
import { signIn } from './browser.mjs';
import { MemoryProvider, REDIRECT } from './sdk-oauth.mjs';
import { MODERN, LEGACY, EXT, STEP_MS, CLIENT_INFO, ELICIT, MODES, connect, connectError, startBearerWorker } from './sdk-v2.mjs';

describe('TypeScript SDK v2 client, AUTH_MODE=bearer', () => {
  let gh, worker, token, url, started;
  before(async () => {
    started = await startBearerWorker('sdk-v2');
    ({ gh, worker, token, url } = started);
  });
  after(async () => {
    await started?.stop();
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
