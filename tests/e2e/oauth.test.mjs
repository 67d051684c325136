// Sign in with GitHub (AUTH_MODE=oauth), run by real clients against the fake GitHub, and
// a negative test for each rule the authorization server enforces.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { HELLO_MARKER, initializeRequest, kvBlobs, mcpPost, oauthVars, rawSession, startFakeGitHub, startWorker } from './harness.mjs';
import { CookieJar, parseForm, signIn } from './browser.mjs';
import { MemoryProvider, REDIRECT, connectWithSignIn } from './sdk-oauth.mjs';

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'oauth', vars: oauthVars(gh) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

describe('discovery', () => {
  test('authorization server metadata (RFC 8414) with S256 and our endpoints', async () => {
    const r = await fetch(`${worker.url}/.well-known/oauth-authorization-server`, { headers: { origin: 'http://localhost:6274' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:6274');
    const meta = await r.json();
    assert.equal(meta.issuer, worker.url);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.token_endpoint_auth_methods_supported.includes('none'));
    assert.equal(meta.registration_endpoint, `${worker.url}/register`);
    assert.equal(meta.revocation_endpoint, `${worker.url}/revoke`);
    assert.equal(meta.client_id_metadata_document_supported, true);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(meta.grant_types_supported, ['authorization_code', 'refresh_token']);
  });

  test('protected resource metadata (RFC 9728), also for /mcp and /sse', async () => {
    for (const suffix of ['', '/mcp', '/sse']) {
      const meta = await (await fetch(`${worker.url}/.well-known/oauth-protected-resource${suffix}`)).json();
      assert.equal(meta.resource, `${worker.url}${suffix}`);
      assert.deepEqual(meta.authorization_servers, [worker.url]);
    }
  });

  test('405 names the methods each endpoint takes; discovery answers HEAD', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/.well-known/oauth-authorization-server', 'GET, HEAD, OPTIONS'],
      ['GET', '/token', 'POST, OPTIONS'],
      ['GET', '/register', 'POST, OPTIONS'],
      ['GET', '/revoke', 'POST, OPTIONS'],
      ['PUT', '/authorize', 'GET, POST, OPTIONS'],
      ['POST', '/callback', 'GET, OPTIONS'],
    ]) {
      const r = await fetch(`${worker.url}${path}`, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
      assert.equal((await r.json()).error, 'invalid_request');
    }
    const head = await fetch(`${worker.url}/.well-known/oauth-authorization-server`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type'), /application\/json/);
  });

  test('every 401 from an MCP endpoint points at the resource metadata', async () => {
    for (const [path, suffix] of [['/mcp', '/mcp'], ['/sse', '/sse'], ['/sse/message', '']]) {
      const r = await mcpPost(`${worker.url}${path}`, initializeRequest());
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate'), new RegExp(`resource_metadata="${worker.url}/.well-known/oauth-protected-resource${suffix}"`));
      assert.equal(r.json.error, 'invalid_token');
    }
  });
});

describe('sign-in by real clients', () => {
  test('TypeScript SDK over Streamable HTTP: sign in, then getGithubReadme with the user\'s token', async () => {
    const provider = new MemoryProvider();
    const make = () => new StreamableHTTPClientTransport(new URL(worker.mcpUrl), { authProvider: provider });
    const { client, result } = await connectWithSignIn(make, provider);
    assert.ok(result.consentShown, 'a new client sees the consent page');
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'getGithubReadme'));
    const call = await client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' } });
    assert.ok(call.content[0].text.includes(HELLO_MARKER));
    const readme = gh.find('/repos/octocat/Hello-World/readme').at(-1);
    assert.equal(readme.headers.authorization, `Bearer ${gh.token}`, 'GitHub is called with the signed-in user\'s token');
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(who.structuredContent.authMode, 'oauth');
    assert.equal(who.structuredContent.name, 'octocat');
    await client.close();
  });

  test('TypeScript SDK over SSE: the same token works on /sse', async () => {
    const provider = new MemoryProvider();
    const make = () => new SSEClientTransport(new URL(worker.sseUrl), { authProvider: provider });
    const { client } = await connectWithSignIn(make, provider);
    const call = await client.callTool({ name: 'getGithubReadme', arguments: { repositoryUrl: 'https://github.com/octocat/Hello-World' } });
    assert.ok(call.content[0].text.includes(HELLO_MARKER));
    await client.close();
    // And a token from this sign-in also works on /mcp.
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), { authorization: `Bearer ${provider.saved.tokens.access_token}` });
    assert.equal(r.status, 200);
  });

  test('a returning client skips consent thanks to the approved-clients cookie', async () => {
    const jar = new CookieJar();
    const provider = new MemoryProvider();
    const make = () => new StreamableHTTPClientTransport(new URL(worker.mcpUrl), { authProvider: provider });
    const first = await connectWithSignIn(make, provider, jar);
    assert.ok(first.result.consentShown);
    assert.ok(jar.get(worker.url, '__Host-mcpw-approved'), 'the approved-clients cookie was set');
    await first.client.close();
    provider.saved.tokens = undefined;
    provider.authorizationUrl = undefined;
    const second = await connectWithSignIn(make, provider, jar);
    assert.equal(second.result.consentShown, false, 'consent is skipped for an approved client');
    await second.client.close();
  });
});

// ---------------------------------------------------------------- raw OAuth helpers

/**
 * Registrations are rate limited per client address (REGISTER_LIMITER, 10 a minute), and
 * this file registers more than that. Each raw registration comes "from" its own address:
 * `wrangler dev` passes a client's CF-Connecting-IP through, where Cloudflare's edge sets it.
 */
let registrations = 0;
async function register(body = {}) {
  registrations += 1;
  const r = await fetch(`${worker.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': `192.0.2.${registrations % 250}` },
    body: JSON.stringify({ client_name: 'raw client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...body }),
  });
  return { status: r.status, json: await r.json(), headers: r.headers };
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(clientId, challenge, extra = {}) {
  const u = new URL(`${worker.url}/authorize`);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 'client-state-1', code_challenge: challenge, code_challenge_method: 'S256', resource: `${worker.url}/mcp`, ...extra };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

async function token(form, headers = {}) {
  const r = await fetch(`${worker.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  return { status: r.status, json: await r.json(), headers: r.headers };
}

/** Registers, signs in and returns {clientId, code, verifier}. */
async function codeFor(jar = new CookieJar()) {
  const { json: client } = await register();
  const { verifier, challenge } = pkce();
  const result = await signIn(authorizeUrl(client.client_id, challenge), { jar });
  const back = new URL(result.url);
  assert.equal(back.searchParams.get('state'), 'client-state-1');
  assert.equal(back.searchParams.get('iss'), worker.url);
  return { clientId: client.client_id, code: back.searchParams.get('code'), verifier };
}

async function tokensFor() {
  const { clientId, code, verifier } = await codeFor();
  const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId, resource: `${worker.url}/mcp` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { clientId, ...r.json };
}

const bearer = (t) => ({ authorization: `Bearer ${t}` });

describe('the rules, each with a negative test', () => {
  test('token responses are no-store and carry a refresh token', async () => {
    const { clientId, code, verifier } = await codeFor();
    const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.json.token_type, 'Bearer');
    assert.ok(r.json.access_token && r.json.refresh_token && r.json.expires_in > 0);
  });

  test('a wrong PKCE verifier is refused', async () => {
    const { clientId, code } = await codeFor();
    const r = await token({ grant_type: 'authorization_code', code, code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: clientId });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
    assert.match(r.json.error_description, /PKCE/);
  });

  test('a replayed code is refused and revokes the tokens it gave', async () => {
    const { clientId, code, verifier } = await codeFor();
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId };
    const first = await token(form);
    assert.equal(first.status, 200);
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer(first.json.access_token))).status, 200);
    const replay = await token(form);
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error, 'invalid_grant');
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer(first.json.access_token))).status, 401);
  });

  test('a mismatched redirect URI is refused at /token, and never redirected to at /authorize', async () => {
    const { clientId, code, verifier } = await codeFor();
    const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:53999/other', client_id: clientId });
    assert.equal(r.json.error, 'invalid_grant');
    const { json: client } = await register();
    const page = await fetch(authorizeUrl(client.client_id, pkce().challenge, { redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.equal(page.headers.get('location'), null);
    assert.match(await page.text(), /redirect URI is not registered/);
  });

  test('loopback redirect URIs may use another port (RFC 8252)', async () => {
    const { json: client } = await register();
    const { challenge } = pkce();
    const result = await signIn(authorizeUrl(client.client_id, challenge, { redirect_uri: 'http://127.0.0.1:41000/callback' }));
    assert.ok(result.url.startsWith('http://127.0.0.1:41000/callback?code='));
  });

  test('an unknown client gets an error page at /authorize and invalid_client at /token', async () => {
    const page = await fetch(authorizeUrl('mcpcl_unknownclient', pkce().challenge), { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.equal(page.headers.get('location'), null);
    assert.match(page.headers.get('content-type'), /text\/html/);
    const r = await token({ grant_type: 'authorization_code', code: 'x', code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: 'mcpcl_unknownclient' });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
  });

  test('PKCE is required, and only S256: an error page, and a redirect only once the person approved the client', async () => {
    const { json: client } = await register();
    const bad = [{ code_challenge: undefined, code_challenge_method: undefined }, { code_challenge_method: 'plain' }];
    for (const extra of bad) {
      const r = await fetch(authorizeUrl(client.client_id, pkce().challenge, extra), { redirect: 'manual' });
      assert.equal(r.status, 400, 'not approved in this browser: no redirect (RFC 9700 §4.11.2)');
      assert.equal(r.headers.get('location'), null);
      assert.match(await r.text(), /invalid_request/);
    }
    const jar = new CookieJar();
    await signIn(authorizeUrl(client.client_id, pkce().challenge), { jar });
    for (const extra of bad) {
      const url = authorizeUrl(client.client_id, pkce().challenge, extra);
      const r = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
      assert.equal(r.status, 302);
      const back = new URL(r.headers.get('location'));
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.equal(back.searchParams.get('state'), 'client-state-1');
      assert.equal(back.searchParams.get('iss'), worker.url);
    }
  });

  test('an expired or revoked access token gets 401', async () => {
    const tokens = await tokensFor();
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer(tokens.access_token))).status, 200);
    const revoke = await fetch(`${worker.url}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.access_token, client_id: tokens.clientId }) });
    assert.equal(revoke.status, 200);
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), bearer(tokens.access_token));
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /error="invalid_token"/);
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer('mcpat_made_up'))).status, 401);
  });

  test('refresh tokens rotate, a retry gets the same pair, and reusing an older one revokes the grant', async () => {
    const tokens = await tokensFor();
    const refresh = (refreshToken) => token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: tokens.clientId });
    const refreshed = await refresh(tokens.refresh_token);
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.json.refresh_token, tokens.refresh_token);
    // A retry of the latest rotation within the grace window (oauth-consistency.test.mjs
    // covers the window itself) gets the same answer, not a revocation.
    const retry = await refresh(tokens.refresh_token);
    assert.equal(retry.status, 200);
    assert.equal(retry.json.refresh_token, refreshed.json.refresh_token);
    assert.equal(retry.json.access_token, refreshed.json.access_token);
    const again = await refresh(refreshed.json.refresh_token);
    assert.equal(again.status, 200);
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer(again.json.access_token))).status, 200);
    // The first token is no longer the latest rotation's: presenting it is reuse.
    const reuse = await refresh(tokens.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, 'invalid_grant');
    assert.equal((await mcpPost(worker.mcpUrl, initializeRequest(), bearer(again.json.access_token))).status, 401, 'the whole grant is revoked');
    const after = await refresh(again.json.refresh_token);
    assert.equal(after.json.error, 'invalid_grant');
  });

  test('a token is for this server only (RFC 8707 resource)', async () => {
    const { json: client } = await register();
    const r = await fetch(authorizeUrl(client.client_id, pkce().challenge, { resource: 'https://other.example/mcp' }), { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /invalid_target/);
    const { clientId, code, verifier } = await codeFor();
    const t = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId, resource: 'https://other.example/' });
    assert.equal(t.json.error, 'invalid_target');
  });

  test('another user\'s session is not found', async () => {
    const alice = await tokensFor();
    const session = await rawSession(worker.mcpUrl, bearer(alice.access_token));
    gh.oauth.signInAs('hubot', 2);
    try {
      const bob = await tokensFor();
      const r = await mcpPost(worker.mcpUrl, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { ...session.headers, ...bearer(bob.access_token) });
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, -32001);
    } finally {
      gh.oauth.signInAs('octocat', 1);
    }
  });

  test('a forged approved-clients cookie does not skip consent; a forged CSRF token is refused', async () => {
    const { json: client } = await register();
    const jar = new CookieJar();
    jar.set(worker.url, '__Host-mcpw-approved', `${Buffer.from(client.client_id).toString('base64url')}.forgedsignature`);
    let shown = false;
    const result = await signIn(authorizeUrl(client.client_id, pkce().challenge), { jar, onConsent: () => (shown = true) });
    assert.ok(shown && result.consentShown);
    const page = await fetch(authorizeUrl(client.client_id, pkce().challenge));
    const form = parseForm(await page.text());
    const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('__Host-mcpw-csrf='));
    assert.ok(form && csrfCookie);
    const post = await fetch(`${worker.url}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: '__Host-mcpw-csrf=forged' },
      body: new URLSearchParams({ ...form.fields, decision: 'approve' }).toString(),
    });
    assert.equal(post.status, 403);
    assert.equal(post.headers.get('location'), null);
    // With the right CSRF cookie, a decision given twice is no answer.
    const cookie = csrfCookie.split(';')[0];
    const body = new URLSearchParams({ ...form.fields, decision: 'approve' });
    body.append('decision', 'deny');
    const twice = await fetch(`${worker.url}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: body.toString(),
    });
    assert.equal(twice.status, 400);
    assert.equal(twice.headers.get('location'), null);
    assert.match(await twice.text(), /gave a field twice/);
  });

  test('the consent page cannot be framed and names the client and its redirect URI', async () => {
    const { json: client } = await register({ client_name: 'Friendly <b>App</b>' });
    const page = await fetch(authorizeUrl(client.client_id, pkce().challenge));
    const html = await page.text();
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.ok(html.includes('Friendly &lt;b&gt;App&lt;/b&gt;'));
    assert.ok(html.includes(REDIRECT));
  });

  test('denying consent sends access_denied back to the client', async () => {
    const { json: client } = await register();
    const result = await signIn(authorizeUrl(client.client_id, pkce().challenge), { decision: 'deny' });
    const back = new URL(result.url);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'client-state-1');
  });

  test('the sign-in waits in a sealed cookie: bound to the browser, single-use, no storage write', async () => {
    const { json: client } = await register();
    const jar = new CookieJar();
    const page = await fetch(authorizeUrl(client.client_id, pkce().challenge));
    jar.store(worker.url, page);
    const form = parseForm(await page.text());
    const kvBefore = kvBlobs(worker.persistDir);
    const post = await fetch(`${worker.url}/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(worker.url) }, body: new URLSearchParams({ ...form.fields, decision: 'approve' }).toString() });
    assert.equal(post.status, 302);
    jar.store(worker.url, post);
    const login = jar.get(worker.url, '__Host-mcpw-login');
    assert.ok(login && login.length < 3900, `the login cookie holds the sign-in (${login?.length} bytes)`);
    assert.ok(!login.includes('client-state-1') && !Buffer.from(login, 'base64url').toString('latin1').includes(client.client_id), 'sealed, not readable');
    assert.deepEqual(kvBlobs(worker.persistDir), kvBefore, 'starting a sign-in writes no KV value');
    const github = await fetch(post.headers.get('location'), { redirect: 'manual' });
    const callback = github.headers.get('location');
    const otherBrowser = await fetch(callback, { redirect: 'manual' });
    assert.equal(otherBrowser.status, 400, 'a callback without the login cookie is refused');
    assert.match(await otherBrowser.text(), /started in another browser/);
    const otherState = new URL(callback);
    otherState.searchParams.set('state', 'a'.repeat(43));
    const wrongState = await fetch(otherState, { redirect: 'manual', headers: { cookie: jar.header(worker.url) } });
    assert.equal(wrongState.status, 400, 'the cookie opens only for the state GitHub was sent');
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header(worker.url) } });
    assert.equal(done.status, 302);
    assert.ok(new URL(done.headers.get('location')).searchParams.get('code'), 'the browser that started it finishes it');
    jar.store(worker.url, done);
    assert.equal(jar.get(worker.url, '__Host-mcpw-login'), undefined, '/callback clears the login cookie');
    const again = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header(worker.url) } });
    assert.equal(again.status, 400, 'and the sign-in is used up');
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `__Host-mcpw-login=${login}` } });
    assert.equal(replay.status, 302);
    const replayed = new URL(replay.headers.get('location')).searchParams;
    assert.equal(replayed.get('code'), null, 'a replay with the old cookie gets no code: GitHub\'s code is single-use');
    assert.equal(replayed.get('error'), 'server_error');
    // A copied cookie with a fresh GitHub code for the same state (GitHub approves an
    // authorized app again at once) names the grant the sign-in created: refused.
    const fresh = await fetch(post.headers.get('location'), { redirect: 'manual' });
    const freshCallback = fresh.headers.get('location');
    assert.notEqual(new URL(freshCallback).searchParams.get('code'), new URL(callback).searchParams.get('code'));
    const copied = await fetch(freshCallback, { redirect: 'manual', headers: { cookie: `__Host-mcpw-login=${login}` } });
    assert.equal(copied.status, 400, 'a sign-in finishes once');
    assert.match(await copied.text(), /already used/);
  });

  test('a sign-in request too long for the login cookie is refused before consent', async () => {
    const { json: client } = await register();
    const page = await fetch(authorizeUrl(client.client_id, pkce().challenge, { state: 's'.repeat(2400) }), { redirect: 'manual' });
    assert.equal(page.status, 400);
    const html = await page.text();
    assert.match(html, /invalid_request/);
    assert.match(html, /over the 2400 this server allows/);
    const fits = await fetch(authorizeUrl(client.client_id, pkce().challenge, { state: 's'.repeat(2000) }), { redirect: 'manual' });
    assert.equal(fits.status, 200, 'a long state that fits still gets the consent page');
  });

  test('registration validates redirect URIs and stores secrets only as hashes', async () => {
    assert.equal((await register({ redirect_uris: ['javascript:alert(1)'] })).json.error, 'invalid_redirect_uri');
    assert.equal((await register({ redirect_uris: ['http://evil.example/cb'] })).status, 400);
    assert.equal((await register({ redirect_uris: [] })).status, 400);
    const confidential = await register({ token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(confidential.status, 201);
    assert.ok(confidential.json.client_secret);
    const { verifier, challenge } = pkce();
    const result = await signIn(authorizeUrl(confidential.json.client_id, challenge));
    const code = new URL(result.url).searchParams.get('code');
    const basic = Buffer.from(`${confidential.json.client_id}:wrong`).toString('base64');
    const wrong = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, { authorization: `Basic ${basic}` });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate'), /^Basic/);
    // Basic credentials that do not decode (not UTF-8 here) are named as such.
    const undecodable = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, { authorization: 'Basic /zr/' });
    assert.equal(undecodable.status, 401);
    assert.equal(undecodable.json.error, 'invalid_client');
    assert.match(undecodable.json.error_description, /Basic credentials do not decode/);
    assert.match(undecodable.headers.get('www-authenticate'), /^Basic/);
    // A form's client_id must name the client the Basic credentials authenticate.
    const good = Buffer.from(`${confidential.json.client_id}:${confidential.json.client_secret}`).toString('base64');
    const exchange = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT };
    const other = await token({ ...exchange, client_id: 'another-client' }, { authorization: `Basic ${good}` });
    assert.equal(other.status, 400);
    assert.equal(other.json.error, 'invalid_request');
    assert.match(other.json.error_description, /another client/);
    const same = await token({ ...exchange, client_id: confidential.json.client_id }, { authorization: `Basic ${good}` });
    assert.equal(same.status, 200, JSON.stringify(same.json));
    assert.ok(same.json.access_token);
  });
});

describe('Client ID Metadata Documents', () => {
  let docServer;
  let docUrl;

  before(async () => {
    docServer = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: docUrl, client_name: 'Metadata Document Client', redirect_uris: [REDIRECT] }));
    });
    await new Promise((resolve) => docServer.listen(0, '127.0.0.1', resolve));
    docUrl = `http://127.0.0.1:${docServer.address().port}/client.json`;
  });

  after(() => new Promise((resolve) => docServer.close(resolve)));

  test('a URL client_id is fetched and used (loopback allowed only by the test switch)', async () => {
    const { verifier, challenge } = pkce();
    let consent = '';
    const result = await signIn(authorizeUrl(docUrl, challenge), { onConsent: (html) => (consent = html) });
    assert.match(consent, /Metadata Document Client/);
    const code = new URL(result.url).searchParams.get('code');
    const r = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: docUrl });
    assert.equal(r.status, 200);
  });

  test('a metadata document at a private address is never fetched', async () => {
    for (const id of ['https://10.0.0.1/client.json', 'https://169.254.169.254/latest/meta-data', 'https://192.168.0.1/c.json']) {
      const r = await fetch(authorizeUrl(id, pkce().challenge), { redirect: 'manual' });
      assert.equal(r.status, 400, id);
      assert.equal(r.headers.get('location'), null);
    }
  });
});

describe('ALLOWED_GITHUB_USERS', () => {
  let privateWorker;

  before(async () => {
    privateWorker = await startWorker({ name: 'oauth-private', vars: oauthVars(gh, { ALLOWED_GITHUB_USERS: 'octocat:1' }) });
  });

  after(() => privateWorker?.stop());

  test('a user who is not on the allowlist gets a clear refusal page', async () => {
    const reg = await fetch(`${privateWorker.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }) });
    const client = await reg.json();
    const url = authorizeUrl(client.client_id, pkce().challenge).replace(worker.url, privateWorker.url).replace(encodeURIComponent(worker.url), encodeURIComponent(privateWorker.url));
    gh.oauth.signInAs('mallory', 666);
    try {
      const result = await signIn(url);
      assert.equal(result.status, 403);
      assert.match(result.html, /mallory is not allowed/);
    } finally {
      gh.oauth.signInAs('octocat', 1);
    }
  });
});
