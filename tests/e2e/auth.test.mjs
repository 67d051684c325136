// AUTH_MODE behaviour at the HTTP edge: bearer (tokens from scripts/token), none (loopback Host
// only, Origin validation, ALLOWED_ORIGINS), oauth (401, and its secrets: missing or wrong). Raw HTTP.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, mcpPost, initializeRequest, rawSession, rawHttp,
  resultText, ACCEPT_BOTH, freshRateWindow, oauthVars, REPO_ROOT,
} from './harness.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { signIn } from './browser.mjs';
import crypto from 'node:crypto';

const initBody = JSON.stringify(initializeRequest());
const postHeaders = (extra) => ({ 'content-type': 'application/json', accept: ACCEPT_BOTH, ...extra });

describe('AUTH_MODE=bearer', () => {
  let gh, worker, token;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-auth-');
    token = await createToken('e2e-auth-alice', persistDir);
    worker = await startWorker({ name: 'auth-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('GET /healthz needs no credentials', async () => {
    const r = await fetch(`${worker.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).ok, true);
  });

  // Each unknown token costs a KV read: past 60 a minute from one address (SIGN_IN_LIMITER),
  // the isolate refuses that address's unverified tokens with 429, without a lookup.
  test('unknown tokens from one address: past 60 a minute, 429 with Retry-After; other addresses are not refused', async () => {
    await freshRateWindow(20_000);
    const from = (address, bearer) => mcpPost(worker.mcpUrl, initializeRequest(), { authorization: `Bearer ${bearer}`, 'cf-connecting-ip': address });
    const address = '198.51.100.77';
    let refused;
    let unauthorized = 0;
    for (let i = 0; i < 80 && !refused; i++) {
      const r = await from(address, `unknown-${crypto.randomBytes(16).toString('hex')}`);
      if (r.status === 429) refused = r;
      else {
        assert.equal(r.status, 401, r.text);
        unauthorized++;
      }
    }
    assert.ok(refused, `${unauthorized} unknown tokens were all looked up`);
    assert.ok(unauthorized >= 60 && unauthorized <= 62, `${unauthorized} answered 401 before the first 429`);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.equal(refused.json.error, 'too_many_requests');
    assert.match(refused.json.error_description, /tokens this server does not know came from your address\. Retry after \d+ seconds/);
    // An unverified token from that address waits too (it would cost the same lookup); the
    // same token from another address is looked up and accepted.
    assert.equal((await from(address, token.token)).status, 429);
    assert.equal((await from('198.51.100.78', token.token)).status, 200);

    // A burst sent at once (before, 200 at once were all looked up): at most 20 lookups of
    // one address run together, so at most the minute's 60 and the 20 running are.
    await freshRateWindow(15_000);
    const burst = await Promise.all(Array.from({ length: 200 }, () => from('198.51.100.79', `unknown-${crypto.randomBytes(16).toString('hex')}`)));
    const looked = burst.filter((r) => r.status === 401).length;
    const waited = burst.filter((r) => r.status === 429);
    assert.ok(looked >= 1 && looked <= 80, `${looked} of 200 looked up`);
    assert.equal(looked + waited.length, 200);
    assert.ok(waited.every((r) => Number(r.headers.get('retry-after')) >= 1));
    // The same token sent sixty times at once is one of those twenty: a valid token is never
    // refused as unknown (before, forty of the sixty got 429).
    const same = await Promise.all(Array.from({ length: 60 }, () => from('198.51.100.80', token.token)));
    assert.deepEqual(same.map((r) => r.status), same.map(() => 200));
    // Past the 100 lookups an address may have running, calls whose token is being looked up
    // already wait for that lookup (before, 26 to 38 of 150 got 429).
    const burst150 = await Promise.all(Array.from({ length: 150 }, () => from('198.51.100.82', token.token)));
    assert.deepEqual(burst150.map((r) => r.status), burst150.map(() => 200));
    // But one unknown token sent 200 times at once is not all looked up: at most 100 lookups
    // of an address run at once, and past the minute's 60 the address is refused (155 of 200
    // were, against all 200 with only the twenty different tokens counted).
    await freshRateWindow(15_000);
    const flood = await Promise.all(Array.from({ length: 200 }, () => from('198.51.100.81', 'unknown-same-token')));
    const floodLooked = flood.filter((r) => r.status === 401).length;
    assert.ok(floodLooked >= 1 && floodLooked <= 180, `${floodLooked} of 200 looked up (155 seen)`);
    assert.equal(floodLooked + flood.filter((r) => r.status === 429).length, 200);
    // An IPv6 client is counted by its /64: a refused /64 is refused at any address in it.
    await freshRateWindow(15_000);
    for (let i = 0; i < 70; i++) await from(`2001:db8:7:7::${(i + 1).toString(16)}`, `unknown-${i}`);
    assert.equal((await from('2001:db8:7:7:ffff::1', 'unknown-x')).status, 429);
    assert.equal((await from('2001:db8:7:8::1', token.token)).status, 200);
  });

  test('401 on /mcp and /sse without a token, with WWW-Authenticate: Bearer', async () => {
    const r1 = await mcpPost(worker.mcpUrl, initializeRequest());
    assert.equal(r1.status, 401, r1.text);
    assert.match(r1.headers.get('www-authenticate') ?? '', /^Bearer\b/i);
    const r2 = await fetch(worker.sseUrl, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
    await r2.text();
    assert.equal(r2.status, 401);
    assert.match(r2.headers.get('www-authenticate') ?? '', /^Bearer\b/i);
  });

  test('malformed Authorization headers are rejected', async () => {
    for (const authorization of [`Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer', `Bearer  ${token.token}x`, token.token]) {
      const r = await mcpPost(worker.mcpUrl, initializeRequest(), { authorization });
      assert.equal(r.status, 401, `${authorization.slice(0, 20)}… -> ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  test('whoami names the token', async () => {
    const s = await rawSession(worker.mcpUrl, { authorization: `Bearer ${token.token}` });
    const r = await s.call('whoami');
    assert.ok(!r.isError, JSON.stringify(r));
    const all = resultText(r) + JSON.stringify(r.structuredContent ?? {});
    assert.match(all, /bearer/i);
    assert.ok(all.includes('e2e-auth-alice'), all);
  });

  test('a session is bound to its token (beyond the written contract: session hijack guard)', async () => {
    const other = await createToken('e2e-auth-bob', worker.persistDir).catch((e) => ({ error: e }));
    if (other.error) throw other.error;
    const s = await rawSession(worker.mcpUrl, { authorization: `Bearer ${token.token}` });
    const r = await mcpPost(worker.mcpUrl, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} },
      { ...s.headers, authorization: `Bearer ${other.token}` });
    assert.ok(r.status === 403 || r.status === 404 || r.status === 401,
      `another valid token must not use alice's session: ${r.status} ${r.text.slice(0, 200)}`);
  });
});

describe('AUTH_MODE=none', () => {
  let gh, worker;
  const allowed = 'https://playground.example.test';
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'auth-none', vars: workerVars(gh, { authMode: 'none', extra: { ALLOWED_ORIGINS: allowed } }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('loopback Host is served without credentials', async () => {
    for (const host of [`127.0.0.1:${worker.port}`, `localhost:${worker.port}`]) {
      const r = await rawHttp(worker.mcpUrl, { method: 'POST', headers: postHeaders({ host }), body: initBody });
      assert.equal(r.status, 200, `Host ${host}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  test('a non-loopback Host is refused (DNS rebinding)', async () => {
    for (const path of ['/mcp', '/sse']) {
      const r = await rawHttp(worker.url + path, {
        method: path === '/mcp' ? 'POST' : 'GET',
        headers: path === '/mcp' ? postHeaders({ host: 'evil.example.com' }) : { host: 'evil.example.com', accept: 'text/event-stream' },
        body: path === '/mcp' ? initBody : undefined,
        timeoutMs: 10_000,
      });
      assert.ok(r.status >= 400 && r.status < 500, `${path} with Host evil.example.com -> ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  test('foreign Origin -> 403; same origin and ALLOWED_ORIGINS are accepted', async () => {
    const evil = await mcpPost(worker.mcpUrl, initializeRequest(), { origin: 'http://evil.example.com' });
    assert.equal(evil.status, 403, `Origin evil: ${evil.status} ${evil.text.slice(0, 200)}`);
    const same = await mcpPost(worker.mcpUrl, initializeRequest(), { origin: worker.url });
    assert.equal(same.status, 200, `same origin: ${same.status} ${same.text.slice(0, 200)}`);
    const extra = await mcpPost(worker.mcpUrl, initializeRequest(), { origin: allowed });
    assert.equal(extra.status, 200, `ALLOWED_ORIGINS origin: ${extra.status} ${extra.text.slice(0, 200)}`);
    assert.ok(extra.headers.get('access-control-allow-origin'), 'CORS allow-origin on an allowed cross-origin response');
  });

  test('CORS preflight for an allowed origin', async () => {
    const r = await fetch(worker.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: allowed,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization, mcp-session-id, mcp-protocol-version',
      },
      signal: AbortSignal.timeout(10_000),
    });
    await r.text();
    assert.ok(r.status === 204 || r.status === 200, `preflight -> ${r.status}`);
    assert.ok([allowed, '*'].includes(r.headers.get('access-control-allow-origin')), `ACAO ${r.headers.get('access-control-allow-origin')}`);
    assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(r.headers.get('access-control-allow-headers') ?? '', /mcp-session-id/i);
  });
});

describe('AUTH_MODE=oauth without a token: 401', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'auth-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('POST /mcp -> 401', async () => {
    const r = await mcpPost(worker.mcpUrl, initializeRequest());
    assert.equal(r.status, 401, `${r.status} ${r.text.slice(0, 200)}`);
  });
});

// A deployment that forgot a secret must not look healthy until someone's sign-in fails.
describe('AUTH_MODE=oauth missing a secret: 503 everywhere, naming it', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    const { GITHUB_CLIENT_SECRET: _dropped, ...without } = oauthVars(gh);
    worker = await startWorker({ name: 'auth-oauth-no-secret', healthyStatus: 503, vars: without });
    worker.key = without.COOKIE_ENCRYPTION_KEY;
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('/healthz, /mcp and /register answer 503 with the secret to set; the log line says why', async () => {
    for (const [path, init] of [
      ['/healthz', {}],
      ['/mcp', { method: 'POST', headers: postHeaders(), body: initBody }],
      ['/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":["http://localhost:3334/oauth/callback"]}' }],
    ]) {
      const r = await fetch(`${worker.url}${path}`, init);
      const body = await r.json();
      assert.equal(r.status, 503, path);
      assert.equal(body.error, 'server_misconfigured', path);
      assert.match(body.error_description, /needs the secret GITHUB_CLIENT_SECRET, which is not set/, path);
      assert.match(body.error_description, /npx wrangler secret put/, path);
      assert.ok(!body.error_description.includes(worker.key), 'the key is never echoed');
    }
    let line;
    for (let i = 0; i < 40 && !line; i++) {
      line = worker.logs().split('\n').find((l) => l.includes('"path":"/register"') && l.includes('"httpStatus":503'));
      if (!line) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(line, 'a log line for the refused /register');
    assert.match(JSON.parse(line).error ?? '', /GITHUB_CLIENT_SECRET/);
  });

  // A browser page is told the same, not a 403 sending the operator to ALLOWED_ORIGINS; without
  // CORS headers, so the page itself cannot read it.
  test('a foreign Origin gets the 503 naming the secret too, preflight included', async () => {
    const origin = 'https://playground.ai.cloudflare.com';
    for (const [method, headers, body] of [
      ['OPTIONS', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }],
      ['POST', { ...postHeaders(), origin }, initBody],
    ]) {
      const r = await fetch(worker.mcpUrl, { method, headers, body });
      const text = await r.text();
      assert.equal(r.status, 503, `${method} ${text}`);
      assert.equal(JSON.parse(text).error, 'server_misconfigured', method);
      assert.match(text, /GITHUB_CLIENT_SECRET/, method);
      assert.doesNotMatch(text, /ALLOWED_ORIGINS/, method);
      assert.equal(r.headers.get('access-control-allow-origin'), null, method);
    }
  });
});

describe('AUTH_MODE=oauth with a wrong GITHUB_CLIENT_SECRET', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'auth-oauth-wrong-secret', vars: oauthVars(gh, { GITHUB_CLIENT_SECRET: 'not-the-oauth-apps-secret' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('the sign-in returns to the client saying the operator must fix it; the log names the secrets to check', async () => {
    const reg = await fetch(`${worker.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'x', redirect_uris: ['http://127.0.0.1:53999/callback'], token_endpoint_auth_method: 'none' }),
    });
    const clientId = (await reg.json()).client_id;
    const u = new URL(`${worker.url}/authorize`);
    const challenge = crypto.createHash('sha256').update('v'.repeat(43)).digest('base64url');
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:53999/callback', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })) u.searchParams.set(k, v);
    const back = new URL((await signIn(u.toString())).url).searchParams;
    assert.equal(back.get('error'), 'server_error');
    assert.match(back.get('error_description'), /operator must fix/);
    // wrangler relays the Worker's console to its log a moment later.
    let logs = worker.logs();
    for (let i = 0; i < 40 && !logs.includes('incorrect_client_credentials'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      logs = worker.logs();
    }
    assert.match(logs, /incorrect_client_credentials/);
    assert.match(logs, /Check the secrets GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET/);
    assert.ok(!logs.includes('not-the-oauth-apps-secret'), 'the secret is not logged');
  });
});

// A wrangler.toml that lost a binding must not look healthy until the first session or sign-in.
describe('a Durable Object binding missing from wrangler.toml', () => {
  let gh, worker;
  before(async () => {
    gh = await startFakeGitHub();
    const dir = tempDir('mcpw-config-');
    const toml = fs.readFileSync(path.join(REPO_ROOT, 'wrangler.toml'), 'utf8')
      .replace(/^\[build\]\n(?:.*\n)*?command = .*\n/m, '')
      .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(REPO_ROOT, 'build/index.js'))}`)
      .replace(/^ *\{ name = "MCP_SESSION".*\n/m, '');
    assert.ok(!toml.includes('"MCP_SESSION"') && !toml.includes('[build]'));
    const config = path.join(dir, 'wrangler.toml');
    fs.writeFileSync(config, toml);
    worker = await startWorker({ name: 'auth-no-session-binding', config, healthyStatus: 503, vars: workerVars(gh, { authMode: 'none' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('/healthz names it; a session request says it is not worth a retry', async () => {
    const health = await fetch(`${worker.url}/healthz`);
    const body = await health.json();
    assert.equal(health.status, 503);
    assert.equal(body.error, 'server_misconfigured');
    assert.match(body.error_description, /needs the binding MCP_SESSION, missing from wrangler\.toml/);
    const r = await mcpPost(worker.mcpUrl, initializeRequest());
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, -32603);
    assert.match(r.json.error.message, /binding is missing from its wrangler\.toml/);
    assert.doesNotMatch(r.json.error.message, /Try again/);
  });
});
