// Suite 2: a web client on a foreign origin, the way the Workers AI Playground connects. The
// page is served from https://playground.test:<port> (Chromium maps the name to 127.0.0.1;
// throwaway certificate), so every request to the worker is cross-origin, with a CORS
// preflight. It uses use-mcp's React hook useMcp: in AUTH_MODE=oauth it signs in through
// use-mcp's popup (the test presses Approve in the popup, as a person would); in
// AUTH_MODE=bearer it sends an Authorization header. ALLOWED_ORIGINS is not set.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { createToken, oauthVars, startFakeGitHub, startWorker, tempDir, workerVars, HELLO_MARKER } from '../e2e/harness.mjs';
import { PLAYGROUND_HOST, launchChromium, startServer, watchConsole } from './chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MCP web client</title></head><body><div id="root"></div><script src="/app.js"></script></body></html>';

let site; // https://playground.test:<port>
let origin;

before(async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(HERE, 'web-client', 'app.mjs')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    minify: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const bundle = built.outputFiles[0].contents;
  site = await startServer({
    tls: true,
    handler(req, res) {
      const p = new URL(req.url, 'https://x').pathname;
      if (p === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        return res.end(bundle);
      }
      if (p === '/favicon.ico') {
        res.writeHead(204);
        return res.end();
      }
      if (p === '/' || p === '/oauth/callback') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(PAGE);
      }
      res.writeHead(404);
      res.end();
    },
  });
  origin = `https://${PLAYGROUND_HOST}:${site.port}`;
});

after(() => site?.close());

/** Polls fn() until it returns something truthy, up to ms. → its value, or undefined. */
async function until(fn, ms, everyMs = 200) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const appState = (page) => page.evaluate(() => window.__mcp ?? null).catch(() => null);

async function report(page, watch, what) {
  const s = await appState(page);
  return [
    what,
    `page ${page.url()}: state=${s?.state} error=${s?.error}`,
    `use-mcp log (last lines):\n  ${(s?.log ?? []).slice(-12).join('\n  ')}`,
    watch.report(),
  ].join('\n');
}

/**
 * Records the Origin and Authorization of every request the pages send to the worker.
 * The popup sends `/token` and closes itself; when it has closed before its request's
 * headers could be read (seen once, on a busy machine), only the headers Chromium knew
 * before sending are left, without Origin, and the origin is that of the document that
 * sent the request.
 */
function recordWorkerRequests(context, worker) {
  const seen = [];
  context.on('request', async (r) => {
    if (!r.url().startsWith(`${worker.url}/`)) return;
    let sender;
    try {
      sender = new URL(r.frame().url()).origin;
    } catch {}
    const sent = await r.allHeaders().catch(() => null);
    const headers = sent ?? r.headers();
    const origin = headers.origin ?? (sent ? undefined : sender);
    seen.push({ method: r.method(), url: r.url(), origin, authorization: headers.authorization });
  });
  return seen;
}

/**
 * Opens the app and waits until it has called getGithubReadme (or failed). `onPopup(popup)`
 * handles use-mcp's sign-in popup. Returns the app's final state.
 */
async function runApp({ worker, mcpUrl, transport, token, signIn }) {
  const context = await launchChromium();
  const watch = watchConsole(context);
  const requests = recordWorkerRequests(context, worker);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let popup;
    context.on('page', (p) => (popup ??= p));
    const q = new URLSearchParams({ server: mcpUrl, transport, ...(token ? { token } : {}) });
    await page.goto(`${origin}/?${q}`);

    if (signIn) {
      // use-mcp opens the authorization URL in a popup; a CORS failure means it never does.
      const opened = await until(async () => popup ?? ((await appState(page))?.state === 'failed' ? 'failed' : undefined), 30_000);
      assert.ok(opened && opened !== 'failed', await report(page, watch, 'use-mcp did not open the sign-in popup'));
      // use-mcp (0.0.21) starts its authorization twice on a 401: once inside the SDK's
      // transport and again in useMcp's own handler. Each start makes a new PKCE pair, keeps
      // only the newest verifier, and sends the same popup to a new /authorize. A code from the
      // first consent page can then never be redeemed (its verifier is gone). A person takes
      // longer than that to press Approve; the test waits for the same thing explicitly: for
      // useMcp to report its redirect, then for the popup to show the consent page of the
      // authorization URL use-mcp kept (its `last_auth_url`).
      const redirected = await until(async () => {
        const s = await appState(page);
        if (s?.state === 'failed') return 'failed';
        return s?.log.some((l) => l.includes('Redirecting for authentication'));
      }, 30_000);
      assert.equal(redirected, true, await report(page, watch, 'useMcp reported its redirect for authentication'));
      // The second start may store its URL after the first redirect was reported, so the kept
      // URL is read again on every check, and the popup must show that newest one.
      const keptUrl = () =>
        page
          .evaluate(() => {
            const key = Object.keys(localStorage).find((k) => k.endsWith('_last_auth_url'));
            return key ? localStorage.getItem(key) : null;
          })
          .catch(() => null);
      const stateOf = (url) => (url ? new URL(url).searchParams.get('state') : null);
      let kept = null;
      const showsKept = (p) => p.url().startsWith(`${worker.url}/authorize`) && stateOf(p.url()) === stateOf(kept);
      // The second start's `window.open` into the same named popup can also be lost in
      // Chromium while the popup is still on its first navigation (seen: one /authorize
      // request, for the first URL, and the second URL kept). The popup then stays on a consent
      // page whose PKCE verifier use-mcp has already replaced. After 3 s the test does what
      // use-mcp asked for and that navigation would have done: it opens the kept URL in the
      // popup.
      const started = Date.now();
      let reopened = false;
      const consent = await until(async () => {
        kept = await keptUrl();
        const shown = kept && context.pages().find(showsKept);
        if (shown) return (await shown.getByRole('button', { name: 'Approve' }).count()) === 1 ? shown : undefined;
        if (kept && !reopened && Date.now() - started > 3_000) {
          reopened = true;
          await popup.goto(kept).catch(() => {});
        }
        return undefined;
      }, 15_000, 100);
      const popups = context.pages().filter((p) => p !== page).map((p) => p.url());
      const asked = requests.filter((r) => r.url.includes('/authorize') || r.url.includes('/register')).map((r) => `${r.method} ${r.url.replace(/\?.*state=/, ' state=')}`);
      assert.ok(consent, await report(popup, watch, `an open page shows the consent page of the authorization URL use-mcp kept (state ${stateOf(kept)}; open popups: ${popups.join(', ')}; sign-in requests: ${asked.join(' | ')})`));
      popup = consent;
      await consent.getByRole('button', { name: 'Approve' }).click();
    }

    const done = await until(async () => {
      const s = await appState(page);
      return s && (s.call || s.state === 'failed') ? s : undefined;
    }, 45_000);
    assert.ok(done, await report(page, watch, 'the app neither called the tool nor failed within 45 s'));
    assert.equal(done.state, 'ready', await report(page, watch, 'the app is connected'));
    assert.ok(done.call?.ok, await report(page, watch, `getGithubReadme: ${JSON.stringify(done.call)}`));
    assert.deepEqual(watch.cspViolations(), [], `Content-Security-Policy violations:\n${watch.report()}`);
    return { state: done, requests, popup };
  } finally {
    await context.close();
  }
}

function assertReadme(state) {
  assert.ok(state.tools.includes('getGithubReadme'), `tools/list: ${state.tools.join(', ')}`);
  const text = (state.call.result?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  assert.ok(text.includes(HELLO_MARKER), `the README marker in ${text.slice(0, 200)}`);
}

function assertCrossOrigin(requests, path, extra = () => true) {
  const mine = requests.filter((r) => new URL(r.url).pathname === path && extra(r));
  assert.ok(mine.length > 0, `the page sent requests to ${path}: ${JSON.stringify(requests.map((r) => `${r.method} ${r.url}`))}`);
  for (const r of mine) assert.equal(r.origin, origin, `${r.method} ${r.url} came from the page's origin`);
}

describe('web client on a foreign origin (use-mcp useMcp), AUTH_MODE=oauth: sign-in through the popup', () => {
  let gh;
  let worker;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'browser-web-oauth', vars: oauthVars(gh) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  for (const [transport, endpoint] of [['http', '/mcp'], ['sse', '/sse']]) {
    test(`oauth, ${transport === 'http' ? 'Streamable HTTP' : 'HTTP+SSE'} on ${endpoint}: Approve in the popup, list tools, getGithubReadme with the user's token`, async () => {
      const { state, requests } = await runApp({ worker, mcpUrl: `${worker.url}${endpoint}`, transport, signIn: true });
      assertReadme(state);
      assert.equal(gh.find('/repos/octocat/Hello-World/readme').at(-1).headers.authorization, `Bearer ${gh.token}`, 'GitHub is called with the signed-in user\'s token');
      assertCrossOrigin(requests, '/register');
      assertCrossOrigin(requests, '/token');
      assertCrossOrigin(requests, endpoint, (r) => r.authorization?.startsWith('Bearer '));
    });
  }
});

describe('web client on a foreign origin (use-mcp useMcp), AUTH_MODE=bearer: a custom Authorization header', () => {
  let gh;
  let worker;
  let token;
  before(async () => {
    gh = await startFakeGitHub();
    const persistDir = tempDir('mcpw-persist-browser-');
    token = (await createToken('browser-web-client', persistDir)).token;
    worker = await startWorker({ name: 'browser-web-bearer', persistDir, vars: workerVars(gh, { authMode: 'bearer' }) });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  for (const [transport, endpoint] of [['http', '/mcp'], ['sse', '/sse']]) {
    test(`bearer, ${transport === 'http' ? 'Streamable HTTP' : 'HTTP+SSE'} on ${endpoint}: list tools, getGithubReadme`, async () => {
      const { state, requests } = await runApp({ worker, mcpUrl: `${worker.url}${endpoint}`, transport, token });
      assertReadme(state);
      assertCrossOrigin(requests, endpoint, (r) => r.authorization === `Bearer ${token}`);
    });
  }
});
