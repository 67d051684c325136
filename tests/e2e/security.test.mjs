// The security suite of issue 7: each finding of the review, as the request that showed it,
// now answered correctly. (Findings about OAuth state consistency, the allowlist and session
// binding are in oauth-consistency.test.mjs.) Runs against `wrangler dev` with the fake GitHub.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { freshRateWindow, initializeRequest, mcpPost, oauthVars, startFakeGitHub, startWorker, workerVars } from './harness.mjs';
import { CookieJar, signIn } from './browser.mjs';

const REDIRECT = 'http://127.0.0.1:53999/callback';

let gh;
let worker;
/** Each test speaks from its own address, so the per-address rate limits of one do not touch another. */
let addressCounter = 0;
const newAddress = () => `198.51.100.${++addressCounter}`;

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'security', vars: oauthVars(gh) });
});

after(async () => {
  await worker?.stop();
  await gh?.close();
});

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(clientId, extra = {}) {
  const u = new URL(`${worker.url}/authorize`);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 's1', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...extra };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

async function register(redirectUris = [REDIRECT], address = newAddress()) {
  const r = await fetch(`${worker.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': address },
    body: JSON.stringify({ client_name: 'security client', redirect_uris: redirectUris, token_endpoint_auth_method: 'none' }),
  });
  return { status: r.status, json: await r.json(), headers: r.headers };
}

/** Sends raw bytes as one HTTP/1.1 request and returns the status line and the rest. */
function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.setTimeout(15_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (d) => {
      data = Buffer.concat([data, d]);
      if (data.includes('\r\n\r\n')) socket.end();
    });
    socket.on('end', () => resolve(data.toString('latin1')));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

/** A local server for Client ID Metadata Documents; each test sets how it answers. */
function documentServer() {
  const server = { hits: [], handler: null };
  server.http = http.createServer((req, res) => {
    server.hits.push(req.url);
    server.handler(req, res);
  });
  return new Promise((resolve) =>
    server.http.listen(0, '127.0.0.1', () => {
      server.base = `http://127.0.0.1:${server.http.address().port}`;
      resolve(server);
    }),
  );
}

describe('1. no input can crash the Worker', () => {
  test('an Origin of http://[::1] followed by a non-ASCII byte gets a 403, not a panic, and the worker keeps serving', async () => {
    const local = await startWorker({ name: 'security-none', vars: workerVars(gh, { authMode: 'none' }) });
    try {
      for (const target of [local, worker]) {
        for (const origin of [Buffer.from('http://[::1]\xc3\xa9', 'latin1'), Buffer.from('http://[::1]:\xc3\xa9', 'latin1'), Buffer.from('http://[::1]\xe9', 'latin1')]) {
          const request = Buffer.concat([Buffer.from(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nOrigin: `), origin, Buffer.from('\r\nConnection: close\r\n\r\n')]);
          const answer = await rawRequest(target.port, request);
          assert.match(answer, /^HTTP\/1\.1 403 /, `${target.vars.AUTH_MODE}: ${answer.slice(0, 200)}`);
        }
        const healthy = await fetch(`${target.url}/healthz`);
        assert.equal(healthy.status, 200);
        assert.doesNotMatch(fs.readFileSync(target.logFile, 'utf8'), /panicked|Rust panic|RuntimeError: unreachable/);
      }
    } finally {
      await local.stop();
    }
  });

  test('a registration serde_json does not read is refused saying why, not that it is no object', async () => {
    const bodies = [
      `{"redirect_uris":["${REDIRECT}"],"x":"\\ud800"}`,
      `{"redirect_uris":["${REDIRECT}"],"x":${'['.repeat(3000)}${']'.repeat(3000)}}`,
      'not json',
    ];
    const said = [];
    for (const body of bodies) {
      const r = await fetch(`${worker.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': newAddress() }, body });
      const json = await r.json();
      assert.equal(r.status, 400);
      assert.equal(json.error, 'invalid_client_metadata');
      said.push(json.error_description);
    }
    assert.match(said[0], /hex escape|surrogate/);
    assert.match(said[1], /recursion limit/);
    assert.match(said[2], /expected/);
  });
});

describe('2. one consent cannot approve another client', () => {
  let docs;
  before(async () => {
    docs = await documentServer();
  });
  after(() => new Promise((resolve) => docs.http.close(resolve)));

  test('a client_id with a space (which a URL parser would encode) is refused without a fetch', async () => {
    const { json: victim } = await register();
    const crafted = `${docs.base}/c.json ${victim.client_id}`;
    docs.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: `${docs.base}/c.json%20${victim.client_id}`, client_name: 'Crafted', redirect_uris: [REDIRECT] }));
    };
    const r = await fetch(authorizeUrl(crafted), { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /not registered/);
    assert.equal(docs.hits.length, 0, 'the crafted document is never fetched');
  });

  test('approving one client leaves consent in place for every other client', async () => {
    docs.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: `${docs.base}${req.url}`, client_name: 'Approved one', redirect_uris: [REDIRECT] }));
    };
    const jar = new CookieJar();
    const first = await signIn(authorizeUrl(`${docs.base}/approved.json`), { jar });
    assert.ok(first.consentShown);
    const { json: other } = await register();
    const second = await signIn(authorizeUrl(other.client_id), { jar });
    assert.ok(second.consentShown, 'another client still needs consent');
    const again = await signIn(authorizeUrl(`${docs.base}/approved.json`), { jar });
    assert.equal(again.consentShown, false, 'the approved client itself skips it');
  });
});

describe('3. the metadata document limit is counted while reading', () => {
  let docs;
  before(async () => {
    docs = await documentServer();
  });
  after(() => new Promise((resolve) => docs.http.close(resolve)));

  /** Writes `next()` every 10 ms until the worker hangs up (or 20 s pass): a body with no end. */
  function endless(res, next, finish) {
    const timer = setInterval(() => res.write(next()), 10);
    const stop = () => clearInterval(timer);
    res.on('close', stop);
    setTimeout(() => {
      stop();
      finish();
    }, 20_000).unref();
  }

  for (const [label, send] of [
    [
      'chunked, no Content-Length',
      (id, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.write(`{"client_id":${JSON.stringify(id)},"client_name":"Big","redirect_uris":[${JSON.stringify(REDIRECT)}],"pad":"`);
        endless(res, () => 'x'.repeat(1024), () => res.end('"}'));
      },
    ],
    [
      'gzip, small on the wire',
      (id, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' });
        const gzip = zlib.createGzip();
        gzip.pipe(res);
        gzip.write(`{"client_id":${JSON.stringify(id)},"client_name":"Bomb","redirect_uris":[${JSON.stringify(REDIRECT)}],"pad":"`);
        endless({ write: (b) => gzip.write(b), on: (e, f) => res.on(e, f) }, () => ' '.repeat(256 * 1024), () => gzip.end('"}'));
      },
    ],
  ]) {
    test(`a document with no end (${label}) is refused once it passes 16 KiB`, async () => {
      const id = `${docs.base}/${label.split(',')[0]}.json`;
      docs.handler = (req, res) => send(id, res);
      const r = await fetch(authorizeUrl(id), { redirect: 'manual', headers: { 'cf-connecting-ip': newAddress() } });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /not registered/);
      assert.ok(docs.hits.length > 0, 'the document was fetched');
      const log = fs.readFileSync(worker.logFile, 'utf8');
      assert.ok(log.includes(`${JSON.stringify(id)} not used: larger than 16384 bytes`), 'refused for its size, not after the 5 s timeout');
    });
  }
});

describe('4. no open redirector', () => {
  test('an error for a client nobody approved in this browser is a page, not a redirect to its URI', async () => {
    const { json: client } = await register(['https://phish.example/']);
    const r = await fetch(authorizeUrl(client.client_id, { redirect_uri: 'https://phish.example/', response_type: undefined }), { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    assert.match(await r.text(), /unsupported_response_type/);
  });
});

describe('5. unauthenticated writes are bounded', () => {
  test('registrations are rate limited per address: 429, Retry-After and an OAuth error body', async () => {
    const address = newAddress();
    const statuses = [];
    let limited;
    await freshRateWindow(20_000);
    for (let i = 0; i < 12; i++) {
      const r = await register([REDIRECT], address);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(201), statuses.join(','));
    assert.ok(limited, `no 429 in ${statuses.join(',')}`);
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal(limited.json.error, 'temporarily_unavailable');
    assert.equal((await register([REDIRECT], newAddress())).status, 201, 'another address is not affected');
  });

  test('replaying the consent form is rate limited per address', async () => {
    const { json: client } = await register();
    const address = newAddress();
    const page = await fetch(authorizeUrl(client.client_id), { headers: { 'cf-connecting-ip': address } });
    const html = await page.text();
    const csrf = page.headers.getSetCookie().find((c) => c.startsWith('__Host-mcpw-csrf=')).split(';')[0];
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const body = new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'approve' }).toString();
    const statuses = [];
    await freshRateWindow(30_000);
    for (let i = 0; i < 61; i++) {
      const r = await fetch(`${worker.url}/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf, 'cf-connecting-ip': address }, body });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    assert.equal(statuses[0], 302);
    assert.equal(statuses.at(-1), 429, `the last of 61 (with the page itself, 62) is over the 60-a-minute limit: ${statuses.slice(-3)}`);
  });
});

describe('6. every body cap holds while reading', () => {
  const CHUNK = 64 * 1024;
  /**
   * POSTs a chunked body of `total` bytes over a raw socket, one 64 KiB chunk every 20 ms,
   * reading the answer as soon as it comes and sending no more after it. Says how many bytes
   * had been sent when the status line arrived. A server that reads the whole body first
   * answers only after the last chunk; one that enforces its cap while reading answers long
   * before. (A raw socket, because a server that answers early and closes may reset the
   * connection under a client still writing, and fetch then loses the answer it had.)
   */
  function post(url, contentType, total, extraHeaders = '') {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(u.port), u.hostname);
      let sent = 0;
      let answered = null;
      let response = '';
      let timer;
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        const [head, ...rest] = response.split('\r\n\r\n');
        const status = Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
        resolve({ status, sentWhenAnswered: answered ?? sent, text: rest.join('\r\n\r\n'), total });
      };
      const chunk = Buffer.concat([Buffer.from(`${CHUNK.toString(16)}\r\n`), Buffer.alloc(CHUNK, 0x20), Buffer.from('\r\n')]);
      const pump = () => {
        if (answered !== null || socket.destroyed) return;
        if (sent >= total) return socket.write('0\r\n\r\n');
        socket.write(chunk);
        sent += CHUNK;
        timer = setTimeout(pump, 20);
      };
      socket.setTimeout(90_000, () => socket.destroy(new Error('no answer within 90 s')));
      socket.on('connect', () => {
        socket.write(
          `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: ${contentType}\r\nAccept: application/json, text/event-stream\r\n` +
            `CF-Connecting-IP: ${newAddress()}\r\nTransfer-Encoding: chunked\r\n${extraHeaders}Connection: close\r\n\r\n`,
        );
        pump();
      });
      socket.on('data', (d) => {
        if (answered === null) answered = sent;
        response += d.toString('latin1');
      });
      socket.on('end', finish);
      // A reset after the answer arrived loses nothing: the answer is already read.
      socket.on('error', (e) => (answered === null ? reject(e) : finish()));
    });
  }

  for (const [path, type, cap] of [
    ['/register', 'application/json', 64 * 1024],
    ['/token', 'application/x-www-form-urlencoded', 16 * 1024],
    ['/revoke', 'application/x-www-form-urlencoded', 16 * 1024],
    ['/authorize', 'application/x-www-form-urlencoded', 8 * 1024],
  ]) {
    test(`${path}: a chunked body past ${cap / 1024} KiB gets 413 before the client has sent it all`, async () => {
      const r = await post(`${worker.url}${path}`, type, 16 * 1024 * 1024);
      assert.equal(r.status, 413, r.text.slice(0, 200));
      assert.ok(r.sentWhenAnswered < r.total / 2, `answered after ${r.sentWhenAnswered} of ${r.total} bytes`);
    });
  }

  test('/mcp: a chunked body past 1 MiB gets 413 before the client has sent it all', async () => {
    const local = await startWorker({ name: 'security-mcp-body', vars: workerVars(gh, { authMode: 'none' }) });
    try {
      const r = await post(local.mcpUrl, 'application/json', 32 * 1024 * 1024);
      assert.equal(r.status, 413, r.text.slice(0, 200));
      assert.equal(JSON.parse(r.text).error.code, -32600);
      assert.ok(r.sentWhenAnswered < r.total / 2, `answered after ${r.sentWhenAnswered} of ${r.total} bytes`);
      // A body that claims a small Content-Length and is sent chunked anyway: a body within a
      // declared length is read in one piece, so the claim must not let this one through
      // unbounded. It is refused (400 for the contradiction, or 413) before it is all sent.
      const smuggled = await post(local.mcpUrl, 'application/json', 32 * 1024 * 1024, 'Content-Length: 100\r\n');
      assert.ok([400, 413].includes(smuggled.status), `HTTP ${smuggled.status} ${smuggled.text.slice(0, 200)}`);
      assert.ok(smuggled.sentWhenAnswered < smuggled.total / 2, `answered after ${smuggled.sentWhenAnswered} of ${smuggled.total} bytes`);
      // A gzip body whose Content-Length (its compressed size, 16 KiB or so) is within the cap
      // but which would inflate to a 16 MiB initialize: the body is never inflated past the
      // cap. 400 (the compressed bytes are not JSON) or 413 both show that; 200 would mean it
      // was inflated and read whole.
      const init = initializeRequest();
      const bomb = zlib.gzipSync(JSON.stringify({ ...init, params: { ...init.params, pad: ' '.repeat(16 * 1024 * 1024) } }));
      const gz = await fetch(local.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', accept: 'application/json, text/event-stream' },
        body: bomb,
      });
      const gzText = await gz.text();
      assert.ok(bomb.length < 64 * 1024, `the compressed body is ${bomb.length} bytes`);
      assert.ok([400, 413].includes(gz.status), `HTTP ${gz.status} ${gzText.slice(0, 200)}`);
    } finally {
      await local.stop();
    }
  });
});

describe('8. the SSRF filter for metadata documents', () => {
  /** Waits (bounded) for the worker's log to say what it did with `clientId`. */
  async function verdict(clientId) {
    const needle = JSON.stringify(clientId);
    for (let i = 0; i < 40; i++) {
      const line = fs.readFileSync(worker.logFile, 'utf8').split('\n').find((l) => l.includes(`client metadata document ${needle}`));
      if (line) return line;
      await new Promise((r) => setTimeout(r, 100));
    }
    return '(nothing logged)';
  }

  for (const id of [
    'https://[::127.0.0.1]/c.json',
    'https://[::7f00:1]/c.json',
    'https://[::ffff:7f00:1]/c.json',
    'https://[64:ff9b::7f00:1]/c.json',
    'https://[2002:7f00:1::1]/c.json',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/c.json',
    'https://198.18.0.1/c.json',
    'https://240.0.0.1/c.json',
  ]) {
    test(`${id} is refused before any fetch`, async () => {
      const r = await fetch(authorizeUrl(id), { redirect: 'manual', headers: { 'cf-connecting-ip': newAddress() } });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get('location'), null);
      assert.match(await verdict(id), / refused: /);
    });
  }
});

describe('10. smaller faults', () => {
  test('a weak COOKIE_ENCRYPTION_KEY makes the server refuse with a message that names the fix, not the key', async () => {
    const weak = await startWorker({ name: 'security-weak-key', healthyStatus: 503, vars: oauthVars(gh, { COOKIE_ENCRYPTION_KEY: 'passwordpasswordpasswordpassword' }) });
    try {
      for (const path of ['/mcp', '/authorize?client_id=x', '/.well-known/oauth-authorization-server']) {
        const r = await fetch(`${weak.url}${path}`, { method: path === '/mcp' ? 'POST' : 'GET' });
        const text = await r.text();
        assert.equal(r.status, 503, path);
        assert.match(text, /COOKIE_ENCRYPTION_KEY is too weak/);
        assert.match(text, /openssl rand -hex 32/);
        assert.doesNotMatch(text, /passwordpassword/);
      }
    } finally {
      await weak.stop();
    }
  });

  test('the approved-clients cookie carries its expiry inside the signature and stays small', async () => {
    const jar = new CookieJar();
    for (let i = 0; i < 22; i++) {
      const { json: client } = await register();
      await signIn(authorizeUrl(client.client_id), { jar });
    }
    const cookie = jar.get(worker.url, '__Host-mcpw-approved');
    const [payload] = cookie.split('.');
    const approved = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(approved.clients.length, 20, 'only the 20 most recent clients');
    assert.ok(approved.clients.every((d) => /^[A-Za-z0-9_-]{22}$/.test(d)), 'each a 22-character digest of its client id, however long the id');
    const thirtyDays = 30 * 24 * 3600;
    assert.ok(Math.abs(approved.expires_at - (Date.now() / 1000 + thirtyDays)) < 300, `expires_at ${approved.expires_at}`);
    assert.ok(cookie.length < 2048, `cookie is ${cookie.length} bytes`);
  });
});

describe('a foreign origin may use the token-authenticated API but not the sign-in pages', () => {
  test('preflight and 401 on /mcp carry CORS for any origin; a cross-site consent POST is refused', async () => {
    const origin = 'https://playground.example';
    const pre = await fetch(worker.mcpUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
    const r = await mcpPost(worker.mcpUrl, initializeRequest(), { origin });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('access-control-allow-origin'), origin);
    assert.match(r.headers.get('access-control-expose-headers'), /WWW-Authenticate/);
    const post = await fetch(`${worker.url}/authorize`, { method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
    assert.equal(post.status, 403);
    const crossSite = await fetch(`${worker.url}/authorize`, { method: 'POST', redirect: 'manual', headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
    assert.equal(crossSite.status, 403);
    assert.match(await crossSite.text(), /not sent from this server/);
  });
});
