// Interoperability: requests that real MCP and OAuth clients send, or that a strict reading
// of the specs allows, and what the server must answer them. The tests under "fixed after
// review 31" were refused or mishandled before that review (each names the client or the
// spec clause); the rest pin down what already worked, so that it keeps working.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import {
  ACCEPT_BOTH,
  initializeRequest,
  mcpPost,
  notification,
  oauthVars,
  openSse,
  rawHttp,
  rawSession,
  rpc,
  startFakeGitHub,
  startWorker,
  workerVars,
} from './harness.mjs';
import { signIn } from './browser.mjs';

const INIT = JSON.stringify(initializeRequest(1));

/** A POST to `url` with JSON and both Accept types unless `headers` says otherwise. */
function post(url, headers = {}, body = INIT) {
  const h = { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  return rawHttp(url, { method: 'POST', headers: h, body });
}

/**
 * Opens a GET with exactly `headers` (fetch would add `accept: *\/*`) and resolves with its
 * status and Content-Type as soon as the head arrives; the stream is then dropped.
 */
function rawOpen(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET', headers, timeout: 15_000 }, (res) => {
      resolve({ status: res.statusCode, type: res.headers['content-type'] ?? '' });
      res.destroy();
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

function json(r) {
  try {
    return JSON.parse(r.text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
describe('MCP endpoints (AUTH_MODE=none)', () => {
  let gh;
  let worker;

  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'interop-none', vars: workerVars(gh, { toolsets: 'github,conformance' }) });
  });

  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  describe('fixed after review 31', () => {
    // F1. A URL with a trailing slash. Nothing in MCP says `/mcp/` is another endpoint, and
    // people paste server URLs with one (Python SDK servers answer /mcp with a redirect to
    // /mcp/, so the slash is habitual). A dual-transport client (mcp-remote) gets 404 on
    // POST, falls back to GET /mcp/, gets 404 again and gives up. The fix:
    // transport/mcp_path.rs `parse` takes one trailing '/' after /mcp, /sse and their
    // narrowed forms (and the OAuth discovery suffix the same way).
    test('F1: POST /mcp/ (trailing slash) serves initialize like /mcp', async () => {
      const r = await post(`${worker.url}/mcp/`);
      assert.equal(r.status, 200, r.text);
      assert.equal(json(r)?.result?.protocolVersion, '2025-11-25');
    });

    test('F1: GET /sse/ (trailing slash) opens the HTTP+SSE stream like /sse', async () => {
      const s = await openSse(`${worker.url}/sse/`, {}, { timeoutMs: 10_000 });
      try {
        assert.equal(s.status, 200);
        const endpoint = await s.next((e) => e.event === 'endpoint', 5_000);
        assert.match(endpoint.data, /^\/sse\/message\?sessionId=/);
      } finally {
        s.close();
      }
    });

    // F2. GET /mcp with no Accept header at all. RFC 9110 §12.5.1: "A request without any
    // Accept header field implies that the user agent will accept any media type". This is
    // the defect fixed on GET /sse (agents' MCP client, the Workers AI Playground,
    // sends none when given headers of its own); GET /mcp answered 406 too. A present
    // Accept that excludes text/event-stream must still get 406. The fix:
    // transport/streamable.rs `handle`, Method::Get: refuse only when the header is present
    // and does not admit text/event-stream, as legacy_sse.rs `open` does.
    test('F2: GET /mcp with no Accept opens the session stream (RFC 9110 §12.5.1)', async () => {
      const s = await rawSession(worker.mcpUrl);
      const raw = await rawOpen(worker.mcpUrl, s.headers);
      assert.equal(raw.status, 200, 'with no Accept header at all');
      assert.match(raw.type, /text\/event-stream/);
      // A present Accept that rules event streams out is still refused.
      const refused = await rawHttp(worker.mcpUrl, { headers: { ...s.headers, accept: 'application/json' } });
      assert.equal(refused.status, 406);
    });

    // F3. A JSON text with a UTF-8 byte order mark. RFC 8259 §8.1: senders MUST NOT add one,
    // but "implementations that parse JSON texts MAY ignore the presence of a byte order
    // mark rather than treating it as an error", "in the interests of interoperability".
    // Bodies written by .NET/PowerShell text writers with Encoding.UTF8 carry one. The
    // fix: strip a leading EF BB BF before serde_json in transport/streamable.rs `post` (and
    // the session object's parse for /sse/message; auth/oauth/mod.rs `register`).
    test('F3: POST /mcp whose JSON body starts with a UTF-8 BOM is read (RFC 8259 §8.1)', async () => {
      const r = await post(worker.mcpUrl, {}, '\uFEFF' + INIT);
      assert.equal(r.status, 200, r.text);
      assert.equal(json(r)?.id, 1);
    });
  });

  describe('already right (keep it so)', () => {
    // MCP transports: the client MUST send `Accept: application/json, text/event-stream`.
    // RFC 9110 §12.5.1 ranges, parameters, case and list forms must all be understood.
    test('POST /mcp: Accept written any way RFC 9110 allows that admits both types', async () => {
      for (const accept of [
        '*/*',
        'application/*, text/*',
        'APPLICATION/JSON, TEXT/EVENT-STREAM',
        'application/json,text/event-stream',
        'application/json;q=0.9, text/event-stream;q=0.8',
        'application/json ; q=1.0 , text/event-stream ; q=1',
        'application/json;foo="a,b", text/event-stream',
        ['application/json', 'text/event-stream'], // two Accept header lines
      ]) {
        const r = await post(worker.mcpUrl, { accept });
        assert.equal(r.status, 200, `Accept: ${JSON.stringify(accept)} → ${r.status} ${r.text.slice(0, 200)}`);
      }
    });

    test('POST /mcp: Accept that rules a type out is 406 with a JSON-RPC error', async () => {
      for (const accept of [undefined, 'application/json', 'text/event-stream', 'application/json;q=0, text/event-stream']) {
        const r = await post(worker.mcpUrl, { accept });
        assert.equal(r.status, 406, `Accept: ${accept}`);
        assert.equal(json(r)?.error?.code, -32600);
      }
    });

    test('POST /mcp: Content-Type with parameters, case and quotes (RFC 9110 §8.3.1)', async () => {
      for (const ct of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/json;charset=UTF-8']) {
        const r = await post(worker.mcpUrl, { 'content-type': ct });
        assert.equal(r.status, 200, `Content-Type: ${ct}`);
      }
      const none = await post(worker.mcpUrl, { 'content-type': undefined });
      assert.equal(none.status, 415);
      assert.equal(json(none)?.error?.code, -32600);
    });

    test('POST /mcp?query, chunked bodies, header names in any case', async () => {
      assert.equal((await post(`${worker.mcpUrl}?client=x`)).status, 200);
      assert.equal((await post(worker.mcpUrl, { 'transfer-encoding': 'chunked' })).status, 200);
      const s = await rawSession(worker.mcpUrl);
      const r = await post(worker.mcpUrl, { 'MCP-SESSION-ID': s.sid, 'MCP-PROTOCOL-VERSION': s.protocolVersion, 'Content-Type': 'application/json', Accept: ACCEPT_BOTH }, JSON.stringify(rpc(2, 'ping')));
      assert.equal(r.status, 200);
    });

    // 2025-06-18+ transports: absent MCP-Protocol-Version → assume 2025-03-26; clients that
    // pinned an older revision still send it after negotiating a newer one.
    test('MCP-Protocol-Version: absent, older or equal to the session are served', async () => {
      const s = await rawSession(worker.mcpUrl);
      for (const version of [undefined, '2025-03-26', '2025-06-18', '2025-11-25']) {
        const r = await post(worker.mcpUrl, { 'mcp-session-id': s.sid, 'mcp-protocol-version': version }, JSON.stringify(rpc(3, 'ping')));
        assert.equal(r.status, 200, `MCP-Protocol-Version: ${version}`);
      }
      // initialize itself may carry the header (the TS SDK client sends it on a re-initialize).
      assert.equal((await post(worker.mcpUrl, { 'mcp-protocol-version': '2025-06-18' })).status, 200);
    });

    test('initialize: 2024-11-05 over Streamable HTTP, string ids, extra capabilities', async () => {
      assert.equal(json(await post(worker.mcpUrl, {}, JSON.stringify(initializeRequest(1, '2024-11-05'))))?.result?.protocolVersion, '2024-11-05');
      assert.equal(json(await post(worker.mcpUrl, {}, JSON.stringify({ ...initializeRequest(1), id: 'init-1' })))?.id, 'init-1');
      const rich = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {}, tasks: {}, experimental: { x: {} } },
          clientInfo: { name: 'x', version: '1', title: 'X', icons: [] },
          _meta: { trace: 1 },
        },
      };
      assert.equal((await post(worker.mcpUrl, {}, JSON.stringify(rich))).status, 200);
    });

    // Notifications and responses posted alone: 202, no body (2025-03-26+ transports).
    test('notifications and responses alone get 202 with no body, whatever their kind', async () => {
      const s = await rawSession(worker.mcpUrl);
      for (const message of [
        notification('notifications/initialized'),
        notification('notifications/roots/list_changed'),
        notification('notifications/cancelled', { requestId: 42 }),
        notification('notifications/vendor/unknown', {}),
        { jsonrpc: '2.0', id: 'x', result: {} },
        { jsonrpc: '2.0', id: 9, error: { code: -1, message: 'declined' } },
      ]) {
        const r = await mcpPost(worker.mcpUrl, message, s.headers);
        assert.equal(r.status, 202, JSON.stringify(message));
        assert.equal(r.text, '');
      }
      const old = await rawSession(worker.mcpUrl, {}, '2025-03-26');
      const batch = await mcpPost(worker.mcpUrl, [notification('notifications/roots/list_changed'), { jsonrpc: '2.0', id: 'y', result: {} }], old.headers);
      assert.equal(batch.status, 202, '2025-03-26 batch of notifications and responses');
    });

    test('GET /mcp: Accept */* and an unknown Last-Event-ID still open the stream', async () => {
      const s = await rawSession(worker.mcpUrl);
      for (const extra of [{ accept: '*/*' }, { 'last-event-id': 'not-one-of-ours' }]) {
        const stream = await openSse(worker.mcpUrl, { ...s.headers, ...extra }, { timeoutMs: 10_000 });
        assert.equal(stream.status, 200, JSON.stringify(extra));
        assert.match(stream.headers.get('content-type'), /text\/event-stream/);
        stream.close();
      }
    });

    // HTTP+SSE (2024-11-05): the transport names no Accept. agents' MCP client sends none.
    test('GET /sse with no Accept, */*, or text/event-stream with parameters', async () => {
      for (const accept of [undefined, '*/*', 'text/*', 'text/event-stream; charset=utf-8']) {
        const r = await rawOpen(worker.sseUrl, accept === undefined ? {} : { accept });
        assert.equal(r.status, 200, `Accept: ${accept}`);
        assert.match(r.type ?? '', /text\/event-stream/);
      }
    });

    test('POST /sse/message: charset parameter, no Accept, answered on the stream', async () => {
      const s = await openSse(worker.sseUrl, {}, { timeoutMs: 10_000 });
      try {
        const endpoint = await s.next((e) => e.event === 'endpoint');
        const url = new URL(endpoint.data, worker.url).toString();
        const send = (message, ct = 'application/json; charset=utf-8') => rawHttp(url, { method: 'POST', headers: { 'content-type': ct }, body: JSON.stringify(message) });
        assert.equal((await send(initializeRequest(1, '2024-11-05'))).status, 202);
        await s.next((e) => e.event === 'message' && JSON.parse(e.data).id === 1);
        assert.equal((await send(notification('notifications/initialized'), 'application/json')).status, 202);
        assert.equal((await send(rpc(2, 'ping'), 'Application/JSON')).status, 202);
        const pong = await s.next((e) => e.event === 'message' && JSON.parse(e.data).id === 2);
        assert.deepEqual(JSON.parse(pong.data).result, {});
      } finally {
        s.close();
      }
    });

    test('CORS preflight from a loopback tool (MCP Inspector) allows the MCP headers', async () => {
      const r = await rawHttp(worker.mcpUrl, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,mcp-protocol-version,mcp-session-id,authorization,last-event-id' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:6274');
      for (const h of ['content-type', 'mcp-protocol-version', 'mcp-session-id', 'authorization', 'last-event-id']) {
        assert.ok(r.headers['access-control-allow-headers'].toLowerCase().includes(h), h);
      }
      assert.match(r.headers['access-control-expose-headers'], /Mcp-Session-Id/);
    });
  });
});

// ---------------------------------------------------------------------------------------
describe('OAuth endpoints (AUTH_MODE=oauth)', () => {
  let gh;
  let worker;
  const REDIRECT = 'http://127.0.0.1:53999/callback';
  let n = 0;
  // Each registration from its own address: /register allows 10 a minute per address.
  const address = () => `10.77.${Math.floor(++n / 250)}.${n % 250}`;

  async function register(body, contentType = 'application/json') {
    const r = await rawHttp(`${worker.url}/register`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'cf-connecting-ip': address() },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { ...r, json: json(r) };
  }

  const publicClient = async (redirect_uris = [REDIRECT]) => (await register({ client_name: 'interop', redirect_uris, token_endpoint_auth_method: 'none' })).json;

  /** Signs in through consent and returns {code, verifier}. */
  async function authorize(clientId, redirect = REDIRECT, extra = []) {
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const u = new URL(`${worker.url}/authorize`);
    const params = [
      ['response_type', 'code'],
      ['client_id', clientId],
      ['redirect_uri', redirect],
      ['state', 'st'],
      ['code_challenge', challenge],
      ['code_challenge_method', 'S256'],
      ['resource', `${worker.url}/mcp`],
      ...extra,
    ];
    for (const [k, v] of params) u.searchParams.append(k, v);
    const end = await signIn(u.toString());
    const code = new URL(end.url).searchParams.get('code');
    assert.ok(code, `no code: ${end.url} ${end.status ?? ''} ${(end.html ?? '').slice(0, 300)}`);
    return { code, verifier };
  }

  function token(fields, headers = {}) {
    const body = new URLSearchParams(fields).toString();
    return rawHttp(`${worker.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }).then((r) => ({ ...r, json: json(r) }));
  }

  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'interop-oauth', vars: oauthVars(gh) });
  });

  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  describe('fixed after review 31', () => {
    // F4. A public client (registered with token_endpoint_auth_method "none") that sends an
    // empty secret: `client_secret=` in the form, or HTTP Basic with the id and an empty
    // password. golang.org/x/oauth2 sends `Basic base64(id:)` for a client without a secret
    // under AuthStyleInHeader (and on AutoDetect's first try); generic form builders send
    // `client_secret=` for an unset field. The TS SDK's authorization server
    // (authenticateClient) ignores a secret from a client that has none. An empty secret
    // authenticates nothing, and PKCE still binds the code. The fix:
    // auth/oauth/token.rs `read`: treat an empty secret (form or Basic) as no secret.
    test('F4: a public client sending client_secret= (empty) gets its tokens', async () => {
      const client = await publicClient();
      const { code, verifier } = await authorize(client.client_id);
      const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: client.client_id, client_secret: '' });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.access_token);
    });

    test('F4: a public client sending HTTP Basic with an empty password gets its tokens (RFC 6749 §2.3.1)', async () => {
      const client = await publicClient();
      const { code, verifier } = await authorize(client.client_id);
      const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(client.client_id)}:`).toString('base64');
      const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, { authorization: basic });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.access_token);
    });

    // Not changed (review 31, F5): a public client refreshing without client_id gets 401.
    // OAuth 2.1 (3.2.2), which MCP's authorization follows, makes client_id "REQUIRED, if
    // the client is not authenticating with the authorization server"; every client tested
    // here sends it.

    // F6. RFC 6750 §3.1: "If the request lacks any authentication information ..., the
    // resource server SHOULD NOT include an error code or other error information." Our 401
    // to a request with no Authorization at all says error="invalid_token", which tells a
    // client its (non-existent) token was rejected. The fix: auth/mod.rs
    // `AuthFailure::into_response`: leave error/error_description out of the challenge
    // when no credentials were presented (a flag set by the callers in `authenticate`).
    test('F6: 401 to a request with no credentials has no error= in its challenge (RFC 6750 §3.1)', async () => {
      const r = await post(worker.mcpUrl);
      assert.equal(r.status, 401);
      const challenge = r.headers['www-authenticate'];
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
      assert.doesNotMatch(challenge, /error=/);
    });

    // F1 for OAuth: a client given https://host/mcp/ must be able to start discovery.
    test('F1: /mcp/ without a token is a 401 pointing at protected resource metadata that exists', async () => {
      const r = await post(`${worker.url}/mcp/`);
      assert.equal(r.status, 401, r.text);
      const url = r.headers['www-authenticate']?.match(/resource_metadata="([^"]+)"/)?.[1];
      assert.ok(url, r.headers['www-authenticate']);
      const meta = await rawHttp(url);
      assert.equal(meta.status, 200, `${url}: ${meta.text}`);
      assert.deepEqual(json(meta).authorization_servers, [worker.url]);
    });

    // F7. /authorize takes a request without redirect_uri when the client registered one
    // URI (RFC 6749 3.1.2.3) and sends the code there; /token then insisted on it, though
    // RFC 6749 4.1.3 (and OAuth 2.1) asks for it only "if the redirect_uri parameter was
    // included in the authorization request". The sign-in now records whether it was given
    // (`redirect_uri_omitted`, docs/storage.md), and the grant asks for it only then.
    test('F7: authorize without redirect_uri, then /token without it (RFC 6749 §4.1.3); given once, it is required', async () => {
      const client = await publicClient();
      const codeFor = async (withRedirect) => {
        const verifier = crypto.randomBytes(32).toString('base64url');
        const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
        const u = new URL(`${worker.url}/authorize`);
        const params = { response_type: 'code', client_id: client.client_id, state: 'st', code_challenge: challenge, code_challenge_method: 'S256', resource: `${worker.url}/mcp` };
        if (withRedirect) params.redirect_uri = REDIRECT;
        for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
        const end = await signIn(u.toString());
        assert.ok(end.url.startsWith(`${REDIRECT}?`), end.url);
        return { code: new URL(end.url).searchParams.get('code'), verifier };
      };
      const omitted = await codeFor(false);
      const r = await token({ grant_type: 'authorization_code', code: omitted.code, code_verifier: omitted.verifier, client_id: client.client_id });
      assert.equal(r.status, 200, r.text);
      const given = await codeFor(true);
      const refused = await token({ grant_type: 'authorization_code', code: given.code, code_verifier: given.verifier, client_id: client.client_id });
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error, 'invalid_grant');
      assert.match(refused.json.error_description, /redirect_uri is required/);
    });

    // Not changed (F8): Chromium sends `Origin: null`, not `file://`, from a page read from
    // disk (checked in Debian's Chromium 148), and `null` is served as any other origin is.

    // F9 (the other direction: accepted where it must refuse). RFC 6749 §3.1: parameters
    // "MUST NOT be included more than once", and §4.1.2.1 names that invalid_request.
    // /authorize refuses a repeated client_id, redirect_uri, response_type or PKCE field,
    // but a repeated `state` or `scope` is silently dropped: the sign-in goes on and the
    // client gets its code back without any state, which its CSRF check then rejects with
    // no hint why. The fix: auth/oauth/authorize.rs `validate`: `one("state")` and
    // `one("scope")` returning Err → back("invalid_request", "… appears more than once").
    test('F9: /authorize with state (or scope) given twice is refused, not run without it', async () => {
      const client = await publicClient();
      for (const name of ['state', 'scope']) {
        const u = new URL(`${worker.url}/authorize`);
        for (const [k, v] of [
          ['response_type', 'code'],
          ['client_id', client.client_id],
          ['redirect_uri', REDIRECT],
          ['code_challenge', crypto.createHash('sha256').update('x'.repeat(43)).digest('base64url')],
          ['code_challenge_method', 'S256'],
          [name, 'one'],
          [name, 'two'],
        ]) u.searchParams.append(k, v);
        const r = await rawHttp(u.toString());
        // Not yet approved in this browser: the refusal is a page, not a redirect.
        assert.equal(r.status, 400, `${name} twice → ${r.status} ${r.text.slice(0, 200)}`);
      }
    });

    // F3 for registration: RFC 8259 §8.1 as above.
    test('F3: /register reads a JSON body that starts with a UTF-8 BOM (RFC 8259 §8.1)', async () => {
      const r = await register('\uFEFF' + JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }));
      assert.equal(r.status, 201, r.text);
    });
  });

  describe('already right (keep it so)', () => {
    // RFC 7591 §2: unknown metadata is ignored; real clients send many optional fields.
    test('/register: extra metadata, charset, application_type, and the redirect URIs real clients use', async () => {
      const extras = await register(
        {
          client_name: 'X',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          logo_uri: 'https://x.example/l.png',
          scope: 'repo',
          software_id: 'a',
          software_version: '1',
          contacts: ['a@b.example'],
          tos_uri: 'https://x.example/t',
          policy_uri: 'https://x.example/p',
          application_type: 'native',
          jwks_uri: null,
          client_uri: null,
        },
        'application/json; charset=utf-8',
      );
      assert.equal(extras.status, 201, extras.text);
      for (const uri of [
        'cursor://anysphere.cursor-retrieval/oauth/user-github/callback', // Cursor
        'vscode://vscode.github-authentication/did-authenticate', // VS Code private-use scheme
        'https://claude.ai/api/mcp/auth_callback', // claude.ai
        'http://localhost/callback', // loopback without a port (RFC 8252 §7.3)
        'http://[::1]:8080/cb',
        'http://127.0.0.1', // loopback, no path
        'https://raycast.com/redirect?packageName=Extension', // https with a query
      ]) {
        const r = await register({ redirect_uris: [uri], token_endpoint_auth_method: 'none' });
        assert.equal(r.status, 201, `${uri}: ${r.text}`);
      }
    });

    // VS Code's dynamic registration (it keeps only the grant types our metadata lists),
    // then a sign-in on a loopback port it picks at run time (RFC 8252 §7.3).
    test("VS Code's registration, and a loopback redirect on another port", async () => {
      const vscode = await register({
        client_name: 'Visual Studio Code',
        client_uri: 'https://code.visualstudio.com',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['https://insiders.vscode.dev/redirect', 'https://vscode.dev/redirect', 'http://localhost/', 'http://127.0.0.1/', 'http://localhost:33418/', 'http://127.0.0.1:33418/'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      });
      assert.equal(vscode.status, 201, vscode.text);
      const redirect = 'http://127.0.0.1:41999/';
      const { code, verifier } = await authorize(vscode.json.client_id, redirect);
      const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect, client_id: vscode.json.client_id });
      assert.equal(r.status, 200, r.text);
    });

    test('/token: form Content-Type with charset, resource repeated, Cache-Control: no-store', async () => {
      const client = await publicClient();
      const { code, verifier } = await authorize(client.client_id, REDIRECT, [['scope', 'repo'], ['prompt', 'consent']]);
      const r = await token(
        [
          ['grant_type', 'authorization_code'],
          ['code', code],
          ['code_verifier', verifier],
          ['redirect_uri', REDIRECT],
          ['client_id', client.client_id],
          ['resource', `${worker.url}/mcp`],
          ['resource', `${worker.url}/mcp`],
        ],
        { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      );
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.json.token_type, 'Bearer');
      // A refresh may carry scope and resource (the TS SDK sends resource).
      const again = await token({ grant_type: 'refresh_token', refresh_token: r.json.refresh_token, client_id: client.client_id, scope: 'repo', resource: `${worker.url}/mcp` });
      assert.equal(again.status, 200, again.text);
      // RFC 7009 §2.1: token_type_hint is only a hint, even a wrong one.
      const revoked = await rawHttp(`${worker.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams({ token: again.json.access_token, token_type_hint: 'refresh_token', client_id: client.client_id }).toString(),
      });
      assert.equal(revoked.status, 200, revoked.text);
    });

    // RFC 6749 §2.3.1: client_secret_basic with form-urlencoded id and secret, a form
    // client_id naming the same client beside it, and client_secret_post.
    test('/token: a confidential client by Basic (with client_id in the form too) and by client_secret_post', async () => {
      const reg = await register({ client_name: 'claudeai', redirect_uris: ['https://claude.ai/api/mcp/auth_callback', REDIRECT], token_endpoint_auth_method: 'client_secret_post' });
      assert.equal(reg.status, 201, reg.text);
      const { client_id, client_secret } = reg.json;
      const a = await authorize(client_id);
      const post1 = await token({ grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id, client_secret });
      assert.equal(post1.status, 200, post1.text);
      const b = await authorize(client_id);
      const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64');
      const post2 = await token({ grant_type: 'authorization_code', code: b.code, code_verifier: b.verifier, redirect_uri: REDIRECT, client_id }, { authorization: basic });
      assert.equal(post2.status, 200, post2.text);
    });

    test('discovery: path-suffixed protected resource metadata; other well-known paths are JSON 404s', async () => {
      for (const suffix of ['/mcp', '/sse']) {
        const r = await rawHttp(`${worker.url}/.well-known/oauth-protected-resource${suffix}`);
        assert.equal(r.status, 200);
        assert.equal(json(r).resource, `${worker.url}${suffix}`);
      }
      // Clients try these in turn (RFC 8414 path insertion, OIDC discovery) and go on at a 404.
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/mcp', '/.well-known/openid-configuration/mcp', '/mcp/.well-known/openid-configuration']) {
        const r = await rawHttp(`${worker.url}${path}`);
        assert.equal(r.status, 404, path);
        assert.match(r.headers['content-type'], /application\/json/, path);
      }
      const meta = json(await rawHttp(`${worker.url}/.well-known/oauth-authorization-server?x=1`));
      assert.equal(meta.issuer, worker.url);
    });

    // Browser-based clients (MCP Inspector's direct mode) need CORS on discovery, /token,
    // and on the 401 whose WWW-Authenticate they must read.
    test('CORS: /token preflight, and the 401 exposes WWW-Authenticate to the page', async () => {
      const pre = await rawHttp(`${worker.url}/token`, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:6274');
      const r = await post(worker.mcpUrl, { origin: 'http://localhost:6274' });
      assert.equal(r.status, 401);
      assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:6274');
      assert.match(r.headers['access-control-expose-headers'], /WWW-Authenticate/i);
    });
  });
});
