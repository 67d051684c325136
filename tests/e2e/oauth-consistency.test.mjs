// OAuth state under concurrency and change (issue 7), against `wrangler dev` and the fake
// GitHub: codes and refresh tokens are decided by each grant's Durable Object, so racing
// requests cannot both win; a retried refresh gets the same answer within the grace window
// (REFRESH_RETRY_WINDOW_SECONDS, 30 s) and revokes the grant after it; removing someone
// from ALLOWED_GITHUB_USERS ends their access; a session belongs to one (user, client)
// pair; a registration is carried by its client_id and writes nothing; tokens are kept by
// their grant's object, so sign-in, refresh and revocation write nothing to KV.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { initializeRequest, kvBlobs, mcpPost, oauthVars, rawSession, sleep, startFakeGitHub, startWorker } from './harness.mjs';
import { CookieJar, parseForm, signIn } from './browser.mjs';
import { runWrangler } from '../../scripts/lib/token.mjs';

const REDIRECT = 'http://127.0.0.1:53999/callback';
/** The grace window of src/auth/oauth/grant_state.rs, in seconds. */
const RETRY_WINDOW_SECONDS = 30;
const DAY = 24 * 3600;

let gh;
let worker;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'oauth-consistency', vars: oauthVars(gh) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

// ---------------------------------------------------------------- raw OAuth helpers

/**
 * /register allows 10 a minute per address and /token 60: each registration and each
 * test's token requests come "from" their own address (wrangler dev passes
 * CF-Connecting-IP through, where Cloudflare's edge sets it).
 */
let addresses = 0;
const nextAddress = () => `198.51.100.${(addresses++ % 250) + 1}`;

async function register(w) {
  const r = await fetch(`${w.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextAddress() },
    body: JSON.stringify({ client_name: 'consistency client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
  });
  assert.equal(r.status, 201);
  return r.json();
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(w, clientId, challenge, redirect = REDIRECT) {
  const u = new URL(`${w.url}/authorize`);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: redirect, state: 's', code_challenge: challenge, code_challenge_method: 'S256', resource: `${w.url}/mcp` };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

async function token(w, form, address) {
  const r = await fetch(`${w.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': address },
    body: new URLSearchParams(form).toString(),
  });
  return { status: r.status, json: await r.json() };
}

/** Registers (or reuses `clientId`), signs in and returns {clientId, form}: the code's /token form. */
async function codeFor(w, clientId) {
  clientId ??= (await register(w)).client_id;
  const { verifier, challenge } = pkce();
  const result = await signIn(authorizeUrl(w, clientId, challenge));
  const code = new URL(result.url).searchParams.get('code');
  assert.ok(code, `sign-in ended at ${result.url}`);
  return { clientId, form: { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId } };
}

async function tokensFor(w, address, clientId) {
  const { clientId: id, form } = await codeFor(w, clientId);
  const r = await token(w, form, address);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { clientId: id, ...r.json };
}

const refresh = (w, tokens, refreshToken, address) => token(w, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: tokens.clientId }, address);
const bearer = (t) => ({ authorization: `Bearer ${t}` });
/** The status /mcp answers an initialize carrying this access token with. */
const mcpStatus = async (w, accessToken) => (await mcpPost(w.mcpUrl, initializeRequest(), bearer(accessToken))).status;

// ---------------------------------------------------------------- tests

describe('codes and refresh tokens under concurrency', () => {
  test('20 concurrent redemptions of one code: exactly one token is issued, and the replays revoke it', async () => {
    const address = nextAddress();
    const { form } = await codeFor(worker);
    const answers = await Promise.all(Array.from({ length: 20 }, () => token(worker, form, address)));
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status !== 200);
    assert.equal(won.length, 1, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.equal(lost.length, 19);
    for (const a of lost) {
      assert.equal(a.status, 400, JSON.stringify(a.json));
      assert.equal(a.json.error, 'invalid_grant');
    }
    // The grant object took them one at a time: the first loser was a replay of a used
    // code, which revoked the grant (RFC 6749 §4.1.2); the others found it revoked.
    assert.equal(lost.filter((a) => /already used/.test(a.json.error_description)).length, 1, lost.map((a) => a.json.error_description).join('\n'));
    const [{ json: issued }] = won;
    assert.ok(issued.access_token && issued.refresh_token);
    assert.equal(await mcpStatus(worker, issued.access_token), 401, 'the one token issued was revoked by the replays');
    const after = await refresh(worker, { clientId: form.client_id }, issued.refresh_token, address);
    assert.equal(after.json.error, 'invalid_grant');
  });

  test('10 concurrent refreshes with one token: one rotation, the same pair for all, the grant lives', async () => {
    const address = nextAddress();
    const tokens = await tokensFor(worker, address);
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(worker, tokens, tokens.refresh_token, address)));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.json));
    const pairs = new Set(answers.map((a) => `${a.json.access_token} ${a.json.refresh_token}`));
    assert.equal(pairs.size, 1, 'every racing refresh got the same token pair');
    const [{ json: pair }] = answers;
    assert.notEqual(pair.refresh_token, tokens.refresh_token);
    assert.notEqual(pair.access_token, tokens.access_token);
    assert.equal(await mcpStatus(worker, pair.access_token), 200, 'the grant was not revoked');
    const next = await refresh(worker, tokens, pair.refresh_token, address);
    assert.equal(next.status, 200, 'the new refresh token rotates normally');
    assert.equal(await mcpStatus(worker, next.json.access_token), 200);
  });

  test(`reusing a rotated refresh token after the ${RETRY_WINDOW_SECONDS} s window revokes the grant`, { timeout: 120_000 }, async () => {
    const address = nextAddress();
    const tokens = await tokensFor(worker, address);
    const rotated = await refresh(worker, tokens, tokens.refresh_token, address);
    assert.equal(rotated.status, 200);
    const retry = await refresh(worker, tokens, tokens.refresh_token, address);
    assert.deepEqual(retry.json, { ...rotated.json, expires_in: retry.json.expires_in }, 'within the window: the same answer');
    assert.equal(await mcpStatus(worker, rotated.json.access_token), 200);
    await sleep((RETRY_WINDOW_SECONDS + 2) * 1000);
    const reuse = await refresh(worker, tokens, tokens.refresh_token, address);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, 'invalid_grant');
    assert.match(reuse.json.error_description, /already used/);
    assert.equal(await mcpStatus(worker, rotated.json.access_token), 401, 'the grant was revoked');
    const after = await refresh(worker, tokens, rotated.json.refresh_token, address);
    assert.equal(after.json.error, 'invalid_grant');
  });
});

describe('sessions belong to a user and a client', () => {
  test("another client of the same user gets 404 on the first client's session", async () => {
    const address = nextAddress();
    const first = await tokensFor(worker, address);
    const second = await tokensFor(worker, address);
    assert.notEqual(first.clientId, second.clientId);
    const session = await rawSession(worker.mcpUrl, bearer(first.access_token));
    const list = { jsonrpc: '2.0', id: 9, method: 'tools/list' };
    assert.equal((await mcpPost(worker.mcpUrl, list, session.headers)).status, 200);
    const other = { ...session.headers, ...bearer(second.access_token) };
    const r = await mcpPost(worker.mcpUrl, list, other);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, -32001);
    // Nor can it answer a server-to-client request (an elicitation) of that session.
    const reply = { jsonrpc: '2.0', id: 'elicitation-1', result: { action: 'accept', content: {} } };
    assert.equal((await mcpPost(worker.mcpUrl, reply, other)).status, 404);
  });
});

describe('registrations', () => {
  /** The expiration (epoch seconds) of `client:<id>` in the worker's local KV. */
  async function clientExpiration(clientId) {
    const r = await runWrangler(['kv', 'key', 'list', '--binding', 'KV', '--prefix', `client:${clientId}`, '--local', '--persist-to', worker.persistDir]);
    assert.equal(r.code, 0, r.stderr);
    const keys = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    assert.equal(keys.length, 1, r.stdout);
    return keys[0].expiration;
  }

  test('a registration writes nothing: the client_id carries it, signed, and signs in', { timeout: 180_000 }, async () => {
    const before = kvBlobs(worker.persistDir);
    const client = await register(worker);
    const confidential = await fetch(`${worker.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextAddress() },
      body: JSON.stringify({ client_name: 'confidential', redirect_uris: [REDIRECT] }),
    }).then((r) => r.json());
    assert.deepEqual(kvBlobs(worker.persistDir), before, 'no KV value was written');
    assert.match(client.client_id, /^mcpcr_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.ok(client.client_id.length < 300, `${client.client_id.length} characters`);
    assert.ok(confidential.client_secret, 'a confidential client gets its secret once');
    assert.equal(confidential.client_secret_expires_at, 0, 'it works as long as the grants do');
    await tokensFor(worker, nextAddress(), client.client_id);

    // One character of the signed part changed: not a client of this server.
    const i = client.client_id.indexOf('.') - 3;
    const forged = client.client_id.slice(0, i) + (client.client_id[i] === 'A' ? 'B' : 'A') + client.client_id.slice(i + 1);
    const page = await fetch(authorizeUrl(worker, forged, pkce().challenge), { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /not registered with this server/);
  });

  test('a registration too long to carry in a client_id is refused with invalid_client_metadata', async () => {
    const uris = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${53000 + i}/callback/${'p'.repeat(60)}`);
    const r = await fetch(`${worker.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextAddress() },
      body: JSON.stringify({ client_name: 'long', redirect_uris: uris, token_endpoint_auth_method: 'none' }),
    });
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.error, 'invalid_client_metadata');
    assert.match(body.error_description, /over the 1000 this server issues/);
  });

  test('a client registered in KV before ids carried registrations still signs in; its first code keeps it 180 days', { timeout: 180_000 }, async () => {
    const clientId = `mcpcl_${crypto.randomBytes(18).toString('base64url')}`.slice(0, 30);
    const record = { client_id: clientId, secret_hash: null, redirect_uris: [REDIRECT], client_name: 'registered before', client_uri: null, auth_method: 'none', created_at: Math.floor(Date.now() / 1000) };
    const put = await runWrangler(['kv', 'key', 'put', `client:${clientId}`, JSON.stringify(record), '--binding', 'KV', '--local', '--persist-to', worker.persistDir, '--ttl', String(DAY)]);
    assert.equal(put.code, 0, put.stderr);
    const now = () => Date.now() / 1000;
    await tokensFor(worker, nextAddress(), clientId);
    const used = await clientExpiration(clientId);
    assert.ok(Math.abs(used - (now() + 180 * DAY)) < 300, `expires in ${((used - now()) / DAY).toFixed(2)} days`);
  });
});

describe('tokens are kept by their grant\'s object, not in KV', () => {
  async function revoke(w, tokens, tokenToRevoke, address) {
    const r = await fetch(`${w.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': address },
      body: new URLSearchParams({ token: tokenToRevoke, client_id: tokens.clientId }).toString(),
    });
    return r.status;
  }

  test('signing in, refreshing, calling and revoking write nothing to KV; a revoked token is refused at once', { timeout: 180_000 }, async () => {
    const address = nextAddress();
    const { client_id: clientId } = await register(worker);
    const before = kvBlobs(worker.persistDir);
    const tokens = await tokensFor(worker, address, clientId);
    const grant = tokens.refresh_token.match(/^mcprt_(g[0-9a-f]{32})\./)?.[1];
    assert.ok(grant, tokens.refresh_token);
    assert.match(tokens.access_token, new RegExp(`^mcpat_${grant}\\.[A-Za-z0-9_-]{43}$`), 'the access token names its grant');
    assert.equal(await mcpStatus(worker, tokens.access_token), 200);

    const renewal = await refresh(worker, tokens, tokens.refresh_token, address);
    assert.equal(renewal.status, 200, JSON.stringify(renewal.json));
    const second = renewal.json.access_token;
    assert.equal(await mcpStatus(worker, tokens.access_token), 200, 'a refresh leaves the first access token its hour');
    assert.equal(await mcpStatus(worker, second), 200);

    // Revoking one access token ends that token alone.
    assert.equal(await revoke(worker, tokens, tokens.access_token, address), 200);
    assert.equal(await mcpStatus(worker, tokens.access_token), 401);
    assert.equal(await mcpStatus(worker, second), 200);
    // Another client cannot revoke it (and is answered 200 all the same, RFC 7009).
    const other = { clientId: (await register(worker)).client_id };
    assert.equal(await revoke(worker, other, second, address), 200);
    assert.equal(await mcpStatus(worker, second), 200);
    // Revoking the refresh token ends the grant: its live access token too, at once.
    assert.equal(await revoke(worker, tokens, renewal.json.refresh_token, address), 200);
    assert.equal(await mcpStatus(worker, second), 401);
    assert.equal((await refresh(worker, tokens, renewal.json.refresh_token, address)).json.error, 'invalid_grant');

    assert.deepEqual(kvBlobs(worker.persistDir), before, 'no KV value was written');
  });

  test('a code or token this server did not sign is refused without a request to any grant\'s object; unsigned refresh tokens are limited', async () => {
    const { persistDir } = worker;
    const objects = () => {
      const root = path.join(persistDir, 'v3', 'do', 'github-mcp-worker-OAuthGrant');
      return fs.existsSync(root) ? fs.readdirSync(root).filter((f) => f.endsWith('.sqlite')).sort() : [];
    };
    const tokens = await tokensFor(worker, nextAddress());
    const grant = tokens.access_token.slice('mcpat_'.length, tokens.access_token.indexOf('.'));
    const secret = () => crypto.randomBytes(32).toString('base64url');
    const before = objects();
    const forged = [
      `mcpat_${secret()}`, // the shape of access tokens before they named their grant
      `mcpat_g${crypto.randomBytes(16).toString('hex')}.${secret()}`, // a grant that does not exist
      `mcpat_${grant}.${secret()}`, // a real grant, an unsigned secret
      tokens.access_token.replace(grant, `g${crypto.randomBytes(16).toString('hex')}`), // a real secret moved
    ];
    for (const token of forged) {
      const r = await mcpPost(worker.mcpUrl, initializeRequest(), bearer(token));
      assert.equal(r.status, 401, token);
      assert.equal(r.json.error, 'invalid_token');
    }
    assert.deepEqual(objects(), before, 'no grant object was created');
    assert.equal(await mcpStatus(worker, tokens.access_token), 200);

    // A code this server did not sign costs nothing either.
    const address = nextAddress();
    for (const code of [`mcpc_g${crypto.randomBytes(16).toString('hex')}.${secret()}`, `mcpc_${grant}.${secret()}`]) {
      const r = await token(worker, { grant_type: 'authorization_code', code, code_verifier: 'v'.repeat(43), redirect_uri: REDIRECT, client_id: tokens.clientId }, address);
      assert.equal(r.status, 400);
      assert.equal(r.json.error, 'invalid_grant');
    }
    assert.deepEqual(objects(), before, 'no grant object was created for a code');
    // An unsigned refresh token may be one minted before tokens were signed, so its grant's
    // object is asked, by the rules of unknown tokens: once 60 from one address were refused
    // (at /token and /revoke together), the address gets 429 without asking.
    const made = () => `mcprt_g${crypto.randomBytes(16).toString('hex')}.${secret()}`;
    const statuses = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await token(worker, { grant_type: 'refresh_token', refresh_token: made(), client_id: tokens.clientId }, address)).status);
    }
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${worker.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': address },
        body: new URLSearchParams({ token: made(), client_id: tokens.clientId }).toString(),
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [...Array(31).fill(400), ...Array(30).fill(200)]);
    const past = await token(worker, { grant_type: 'refresh_token', refresh_token: made(), client_id: tokens.clientId }, address);
    assert.equal(past.status, 429);
    assert.equal(past.json.error, 'temporarily_unavailable');
    assert.equal(objects().length - before.length, 61, 'one object asked per unsigned token let through');
    // Our own tokens are not unknown tokens: a signed refresh from that address still works.
    assert.equal((await refresh(worker, tokens, tokens.refresh_token, address)).status, 200);
  });
});

describe('ALLOWED_GITHUB_USERS by numeric id', () => {
  let vars;
  let privateWorker;

  before(() => {
    vars = oauthVars(gh, { ALLOWED_GITHUB_USERS: 'octocat:1' });
  });

  after(() => privateWorker?.stop());

  /** Restarts the private worker on the same port and state, with another allowlist. */
  async function restart(allowed) {
    const { port, persistDir } = privateWorker;
    await privateWorker.stop();
    privateWorker = await startWorker({ name: 'oauth-allowlist', port, persistDir, vars: { ...vars, ALLOWED_GITHUB_USERS: allowed } });
  }

  test('a bare login is a configuration error that says where to find the id', async () => {
    const misconfigured = await startWorker({ name: 'oauth-allowlist-login', healthyStatus: 503, vars: oauthVars(gh, { ALLOWED_GITHUB_USERS: 'octocat:1, hubot' }) });
    try {
      const r = await fetch(`${misconfigured.url}/mcp`, { method: 'POST' });
      const text = await r.text();
      assert.equal(r.status, 503);
      assert.match(text, /ALLOWED_GITHUB_USERS names 'hubot'/);
      assert.match(text, /https:\/\/api\.github\.com\/users\/hubot/);
    } finally {
      await misconfigured.stop();
    }
  });

  test('removing a user ends their access: the access token is refused, the refresh revokes the grant', { timeout: 180_000 }, async () => {
    privateWorker = await startWorker({ name: 'oauth-allowlist', vars });
    const address = nextAddress();
    const tokens = await tokensFor(privateWorker, address);
    assert.equal(await mcpStatus(privateWorker, tokens.access_token), 200);

    await restart('hubot:2');
    const refused = await mcpPost(privateWorker.mcpUrl, initializeRequest(), bearer(tokens.access_token));
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error, 'access_denied');
    assert.match(refused.json.error_description, /octocat \(id 1\) is not allowed.*ALLOWED_GITHUB_USERS/);
    const renewal = await refresh(privateWorker, tokens, tokens.refresh_token, address);
    assert.equal(renewal.status, 400);
    assert.equal(renewal.json.error, 'invalid_grant');
    assert.match(renewal.json.error_description, /no longer allowed/);

    // Allowed again, the grant stays revoked: its access token and its refresh token are dead.
    await restart('1');
    assert.equal(await mcpStatus(privateWorker, tokens.access_token), 401);
    assert.equal((await refresh(privateWorker, tokens, tokens.refresh_token, address)).json.error, 'invalid_grant');
  });
});

describe('BLOCKED_CLIENTS and BLOCKED_REDIRECT_HOSTS', () => {
  let blockWorker;
  after(() => blockWorker?.stop());

  test('blocking a client, by id or by a redirect host, ends its tokens at once and leaves the others', { timeout: 180_000 }, async () => {
    const vars = oauthVars(gh);
    blockWorker = await startWorker({ name: 'oauth-blocked', vars });
    const address = nextAddress();
    const leaked = await tokensFor(blockWorker, address);
    // A client that also registered a redirect URI on a host the operator will block.
    const r = await fetch(`${blockWorker.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': nextAddress() },
      body: JSON.stringify({ client_name: 'Claude Desktop', redirect_uris: [REDIRECT, 'https://login.evil.example/cb'], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(r.status, 201);
    const phishing = await tokensFor(blockWorker, address, (await r.json()).client_id);
    const other = await tokensFor(blockWorker, address);
    for (const t of [leaked, phishing, other]) assert.equal(await mcpStatus(blockWorker, t.access_token), 200);

    const { port, persistDir } = blockWorker;
    await blockWorker.stop();
    blockWorker = await startWorker({ name: 'oauth-blocked', port, persistDir, vars: { ...vars, BLOCKED_CLIENTS: `unrelated-id, ${leaked.clientId}`, BLOCKED_REDIRECT_HOSTS: 'Evil.Example' } });

    for (const [t, variable] of [[leaked, 'BLOCKED_CLIENTS'], [phishing, 'BLOCKED_REDIRECT_HOSTS']]) {
      const refused = await mcpPost(blockWorker.mcpUrl, initializeRequest(), bearer(t.access_token));
      assert.equal(refused.status, 401, variable);
      assert.equal(refused.json.error, 'invalid_token');
      assert.match(refused.json.error_description, new RegExp(`application is refused: the server's operator has blocked .*\\(${variable}\\)`));
      const renewal = await refresh(blockWorker, t, t.refresh_token, address);
      assert.equal(renewal.status, 400, variable);
      assert.equal(renewal.json.error, 'unauthorized_client');
      const { challenge } = pkce();
      const page = await fetch(authorizeUrl(blockWorker, t.clientId, challenge), { redirect: 'manual' });
      assert.equal(page.status, 403, 'a page, not a redirect to the client');
      assert.match(await page.text(), /This application is blocked on this server/);
    }
    assert.equal(await mcpStatus(blockWorker, other.access_token), 200, 'other clients go on');
    const renewed = await refresh(blockWorker, other, other.refresh_token, address);
    assert.equal(renewed.status, 200, JSON.stringify(renewed.json));
    assert.equal(await mcpStatus(blockWorker, renewed.json.access_token), 200);
  });

  test('a grant made through a blocked host is cut off even when its client no longer lists it; a sign-in under way ends on the blocked page', { timeout: 180_000 }, async () => {
    const EVIL = 'https://login.evil.example/cb';
    // A metadata-document client (its id is its document's URL) that lists the host to be blocked.
    let listed = [EVIL];
    const documents = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: documentUrl, client_name: 'Metadata client', redirect_uris: listed }));
    });
    await new Promise((resolve) => documents.listen(0, '127.0.0.1', resolve));
    const documentUrl = `http://127.0.0.1:${documents.address().port}/client.json`;
    try {
      const vars = oauthVars(gh);
      await blockWorker?.stop();
      blockWorker = await startWorker({ name: 'oauth-blocked-grant', vars });
      const address = nextAddress();
      const first = pkce();
      const done = await signIn(authorizeUrl(blockWorker, documentUrl, first.challenge, EVIL));
      const code = new URL(done.url).searchParams.get('code');
      const issued = await token(blockWorker, { grant_type: 'authorization_code', code, code_verifier: first.verifier, redirect_uri: EVIL, client_id: documentUrl }, address);
      assert.equal(issued.status, 200, JSON.stringify(issued.json));
      // Another sign-in through that host, left at GitHub's return to our /callback.
      const second = pkce();
      const jar = new CookieJar();
      let next = { url: authorizeUrl(blockWorker, documentUrl, second.challenge, EVIL), method: 'GET' };
      while (!next.url.startsWith(`${blockWorker.url}/callback`)) {
        const headers = { cookie: jar.header(next.url), ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
        const r = await fetch(next.url, { method: next.method, headers, body: next.body, redirect: 'manual' });
        jar.store(next.url, r);
        if (r.status >= 300 && r.status < 400) {
          next = { url: new URL(r.headers.get('location'), next.url).toString(), method: 'GET' };
        } else {
          const form = parseForm(await r.text());
          assert.ok(form, `the consent form at ${next.url}`);
          next = { url: new URL(form.action, next.url).toString(), method: 'POST', body: new URLSearchParams({ ...form.fields, decision: 'approve' }).toString() };
        }
      }

      const { port, persistDir } = blockWorker;
      await blockWorker.stop();
      blockWorker = await startWorker({ name: 'oauth-blocked-grant', port, persistDir, vars: { ...vars, BLOCKED_REDIRECT_HOSTS: 'evil.example' } });
      listed = ['https://other.example/cb'];
      const refused = await mcpPost(blockWorker.mcpUrl, initializeRequest(), bearer(issued.json.access_token));
      assert.equal(refused.status, 401, 'the grant was made through the blocked host');
      assert.match(refused.json.error_description, /through evil\.example \(BLOCKED_REDIRECT_HOSTS\)/);
      const renewal = await token(blockWorker, { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, client_id: documentUrl }, address);
      assert.equal(renewal.status, 400, 'its document no longer lists the host, its grant still was made through it');
      assert.equal(renewal.json.error, 'unauthorized_client');
      const callback = await fetch(next.url, { headers: { cookie: jar.header(next.url) }, redirect: 'manual' });
      assert.equal(callback.status, 403, 'no one is sent to the blocked host');
      assert.equal(callback.headers.get('location'), null);
      assert.match(await callback.text(), /This application is blocked on this server/);
    } finally {
      await new Promise((resolve) => documents.close(resolve));
    }
  });
});
