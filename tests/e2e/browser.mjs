// A scripted browser for the sign-in flow: it follows redirects with a cookie jar, and on
// the consent page it submits the form the way a person would (reading the form's action
// and fields from the page, then pressing Approve or Deny). There is no shortcut past
// consent in the server; this is how the tests get through it.
import crypto from 'node:crypto';

/** Cookies per host, set from Set-Cookie and sent back on later requests. */
export class CookieJar {
  constructor() {
    this.byHost = new Map();
  }
  store(url, response) {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map();
    for (const header of response.headers.getSetCookie?.() ?? []) {
      const [pair, ...attributes] = header.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (maxAge === 'max-age=0') jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }
  header(url) {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
  get(url, name) {
    return this.byHost.get(new URL(url).host)?.get(name);
  }
  set(url, name, value) {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map();
    jar.set(name, value);
    this.byHost.set(host, jar);
  }
}

const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The first form of a page: its action and hidden fields. */
export function parseForm(html) {
  const form = html.match(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i);
  if (!form) return null;
  const fields = {};
  for (const input of form[2].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/gi)) fields[decode(input[1])] = decode(input[2]);
  return { action: decode(form[1]), fields };
}

/**
 * Opens `url` and walks the sign-in until a redirect goes back to the client (a URL with
 * the `iss` our server adds to its answers), or until a page that is not the consent page.
 * Returns {url, status, html, consentShown}: url is where the flow ended.
 */
export async function signIn(url, { jar = new CookieJar(), decision = 'approve', maxSteps = 12, onConsent } = {}) {
  const backToClient = (u) => new URL(u).searchParams.has('iss');
  let next = { url, method: 'GET', body: undefined };
  let consentShown = false;
  for (let step = 0; step < maxSteps; step++) {
    if (step > 0 && backToClient(next.url)) return { url: next.url, consentShown };
    const headers = { cookie: jar.header(next.url) };
    if (next.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const r = await fetch(next.url, { method: next.method, headers, body: next.body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    jar.store(next.url, r);
    if (r.status >= 300 && r.status < 400) {
      next = { url: new URL(r.headers.get('location'), next.url).toString(), method: 'GET' };
      continue;
    }
    const html = await r.text();
    const form = r.status === 200 ? parseForm(html) : null;
    if (!form || consentShown) return { url: next.url, status: r.status, html, consentShown };
    consentShown = true;
    onConsent?.(html, form);
    const body = new URLSearchParams({ ...form.fields, decision }).toString();
    next = { url: new URL(form.action, next.url).toString(), method: 'POST', body };
  }
  throw new Error(`sign-in did not finish within ${maxSteps} steps (at ${next.url})`);
}

/**
 * A public client's whole sign-in at the server `base`: registers (with `headers`, e.g. a
 * CF-Connecting-IP of its own), signs in through the consent page with PKCE, and exchanges
 * the code. Returns {clientId, tokens}; throws on any unexpected answer.
 */
export async function oauthSignIn(base, { headers = {}, redirect = 'http://127.0.0.1:53999/callback' } = {}) {
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ client_name: 'mcpw sign-in', redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
  });
  if (reg.status !== 201) throw new Error(`oauth /register: HTTP ${reg.status}`);
  const clientId = (await reg.json()).client_id;
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const u = new URL(`${base}/authorize`);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: redirect, state: 's', code_challenge: challenge, code_challenge_method: 'S256', resource: `${base}/mcp` };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const code = new URL((await signIn(u.toString())).url).searchParams.get('code');
  if (!code) throw new Error('oauth sign-in gave no code');
  const tr = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect, client_id: clientId }).toString(),
  });
  if (tr.status !== 200) throw new Error(`oauth /token: HTTP ${tr.status}`);
  return { clientId, tokens: await tr.json() };
}
