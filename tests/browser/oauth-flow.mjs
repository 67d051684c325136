// The client's side of a sign-in, for tests that put a person in front of Chromium: register
// a public client, build the /authorize URL (PKCE S256, state, resource), wait until the
// browser goes to the redirect URI, and spend the code at /token.
import crypto from 'node:crypto';
import { HELLO_MARKER, rawSession, resultText } from '../e2e/harness.mjs';
import { describePage } from './chromium.mjs';

export function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * Registrations are rate limited per client address (10 a minute), and a suite registers
 * more than that. As in tests/e2e/oauth.test.mjs, each one comes "from" its own address:
 * `wrangler dev` passes a client's CF-Connecting-IP through, where Cloudflare's edge sets it.
 */
let registrations = 0;

/** POST /register for a public client. → {status, json} */
export async function registerClient(worker, redirectUris, extra = {}) {
  registrations += 1;
  const r = await fetch(`${worker.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': `198.51.100.${registrations % 250}` },
    body: JSON.stringify({ client_name: 'Browser suite client', redirect_uris: redirectUris, token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...extra }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsable: text.slice(0, 300) };
  }
  return { status: r.status, json };
}

/** Registers, and throws a clear error when the server refuses. → client_id */
export async function registeredClientId(worker, redirectUri) {
  const r = await registerClient(worker, [redirectUri]);
  if (r.status !== 201 || !r.json.client_id) {
    throw new Error(`POST /register refused the redirect URI ${redirectUri}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  }
  return r.json.client_id;
}

/** A new authorization request. → {url, state, verifier} */
export function authorization(worker, clientId, redirectUri) {
  const { verifier, challenge } = pkce();
  const state = crypto.randomBytes(12).toString('base64url');
  const u = new URL(`${worker.url}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: `${worker.url}/mcp`,
  })) {
    u.searchParams.set(k, v);
  }
  return { url: u.toString(), state, verifier };
}

export const isRedirectTo = (redirectUri, url) => url === redirectUri || url.startsWith(`${redirectUri}?`);

/**
 * Starts watching the context and resolves when the browser requests the redirect URI (any
 * scheme: Chromium reports the attempt even for a scheme it cannot load), or when the
 * navigation settles elsewhere: a document answered >= 400, or a navigation failed (a CSP
 * block aborts it), plus a short grace; or after `ms`. Call it before the click.
 * → {landed: URL | undefined, navigations: [{method, url, status?, failure?}], why}
 */
export function watchForRedirect(context, redirectUri, { ms = 20_000, graceMs = 1_500 } = {}) {
  const navigations = [];
  return new Promise((resolve) => {
    let grace;
    const finish = (landed, why) => {
      clearTimeout(timer);
      clearTimeout(grace);
      context.off('request', onRequest);
      context.off('response', onResponse);
      context.off('requestfailed', onFailed);
      resolve({ landed: landed ? new URL(landed) : undefined, navigations, why });
    };
    const trouble = (why) => {
      grace ??= setTimeout(() => finish(undefined, why), graceMs);
    };
    const onRequest = (r) => {
      if (r.isNavigationRequest() && isRedirectTo(redirectUri, r.url())) finish(r.url(), 'landed');
    };
    const onResponse = (resp) => {
      const r = resp.request();
      if (!r.isNavigationRequest()) return;
      navigations.push({ method: r.method(), url: resp.url(), status: resp.status() });
      if (resp.status() >= 400) trouble(`${r.method()} ${resp.url()} answered ${resp.status()}`);
    };
    const onFailed = (r) => {
      if (!r.isNavigationRequest() || isRedirectTo(redirectUri, r.url())) return;
      navigations.push({ method: r.method(), url: r.url(), failure: r.failure()?.errorText });
      trouble(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`);
    };
    const timer = setTimeout(() => finish(undefined, `nothing happened within ${ms} ms`), ms);
    context.on('request', onRequest);
    context.on('response', onResponse);
    context.on('requestfailed', onFailed);
  });
}

/** Why the browser did not land, for assertion messages. */
export async function notLanded(outcome, redirectUri, page, watch) {
  return [
    `the browser never went to the redirect URI ${redirectUri} (${outcome.why})`,
    await describePage(page),
    `navigations: ${outcome.navigations.map((n) => `${n.method} ${n.url} -> ${n.status ?? n.failure}`).join(' | ') || '(none)'}`,
    watch.report(),
  ].join('\n');
}

/**
 * Counts consent pages shown in a context: documents from the worker that offer the
 * Approve button. → {count()}
 */
export function countConsentPages(context, worker) {
  let count = 0;
  context.on('response', async (resp) => {
    if (!resp.request().isNavigationRequest() || !resp.url().startsWith(`${worker.url}/`) || resp.status() !== 200) return;
    try {
      if (/<button[^>]*value="?approve/i.test(await resp.text())) count += 1;
    } catch {}
  });
  return { count: () => count };
}

/** POST /token with the authorization code. → {status, json} */
export async function exchangeCode(worker, { clientId, code, verifier, redirectUri }) {
  const r = await fetch(`${worker.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, client_id: clientId, resource: `${worker.url}/mcp` }).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: r.status, json: await r.json() };
}

/** getGithubReadme on octocat/Hello-World over /mcp with an access token. → the README text */
export async function readmeWith(worker, accessToken) {
  const session = await rawSession(worker.mcpUrl, { authorization: `Bearer ${accessToken}` });
  const result = await session.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
  if (result.isError) throw new Error(`getGithubReadme failed: ${resultText(result)}`);
  return resultText(result);
}

export { HELLO_MARKER };
