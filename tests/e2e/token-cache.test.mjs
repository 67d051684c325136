// The isolate's token cache (TOKEN_CACHE_SECONDS, src/auth/token_cache.rs): with it on, a
// bearer or OAuth access token keeps working across calls, and once revoked it stops within
// the cache's lifetime (docs/security.md, "Revocation delay"). Run with a 3 s cache, so the
// test waits seconds, not the default 30.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createToken, initializeRequest, mcpPost, oauthVars, revokeToken, startFakeGitHub, startWorker, tempDir, workerVars,
} from './harness.mjs';
import { oauthSignIn } from './browser.mjs';
import { REDIRECT } from './sdk-oauth.mjs';

const CACHE_SECONDS = 3;
/** Slack on top of the cache's lifetime: the polling interval and a loaded machine. */
const MARGIN_MS = 4_000;

let gh;
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const status = async (w, token) => (await mcpPost(w.mcpUrl, initializeRequest(), bearer(token))).status;

/** Polls until the token revoked at `since` is refused; fails if that takes longer than the cache's lifetime (+ margin). */
async function refusedInTime(w, token, since) {
  const limit = CACHE_SECONDS * 1000 + MARGIN_MS;
  for (;;) {
    const s = await status(w, token);
    if (s === 401) return;
    assert.equal(s, 200, `a live token answered ${s}`);
    assert.ok(Date.now() - since <= limit, `still accepted ${limit} ms after revocation`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  gh = await startFakeGitHub();
});

after(async () => {
  await gh?.close();
});

describe(`TOKEN_CACHE_SECONDS=${CACHE_SECONDS}`, () => {
  test('a revoked bearer token stops working within the cache lifetime', { timeout: 120_000 }, async () => {
    const persistDir = tempDir('mcpw-persist-');
    const w = await startWorker({ name: 'token-cache-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer', extra: { TOKEN_CACHE_SECONDS: String(CACHE_SECONDS) } }) });
    try {
      const t = await createToken('e2e-token-cache', persistDir);
      for (let i = 0; i < 5; i++) assert.equal(await status(w, t.token), 200, 'the token works, call after call');
      assert.equal(await status(w, 'mcpw_not_a_real_token'), 401, 'an unknown token is refused');
      await revokeToken(t.id, persistDir);
      await refusedInTime(w, t.token, Date.now());
    } finally {
      await w.stop();
    }
  });

  test('with a 60 s cache, the isolate that verified a token keeps accepting it for a while after its revocation: the documented delay', { timeout: 120_000 }, async () => {
    const persistDir = tempDir('mcpw-persist-');
    const w = await startWorker({ name: 'token-cache-60', persistDir, vars: workerVars(gh, { authMode: 'bearer', extra: { TOKEN_CACHE_SECONDS: '60' } }) });
    try {
      const t = await createToken('e2e-token-cache-60', persistDir);
      assert.equal(await status(w, t.token), 200);
      const verifiedAt = Date.now();
      await revokeToken(t.id, persistDir);
      const s = await status(w, t.token);
      if (Date.now() - verifiedAt < 50_000) assert.equal(s, 200, 'served from the cache, without a KV read');
    } finally {
      await w.stop();
    }
  });

  test('a revoked OAuth access token stops working within the cache lifetime', { timeout: 120_000 }, async () => {
    const w = await startWorker({ name: 'token-cache-oauth', vars: oauthVars(gh, { TOKEN_CACHE_SECONDS: String(CACHE_SECONDS) }) });
    try {
      const { clientId, tokens } = await oauthSignIn(w.url, { headers: { 'cf-connecting-ip': '192.0.2.201' }, redirect: REDIRECT });
      for (let i = 0; i < 5; i++) assert.equal(await status(w, tokens.access_token), 200, 'the token works, call after call');
      const revoke = await fetch(`${w.url}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.access_token, client_id: clientId }) });
      assert.equal(revoke.status, 200);
      await refusedInTime(w, tokens.access_token, Date.now());
    } finally {
      await w.stop();
    }
  });
});
