// Suite 1: sign-in in Chromium (AUTH_MODE=oauth, against the fake GitHub, which like GitHub
// for a returning user redirects straight back). A person opens /authorize, presses Approve
// or Deny on the consent page, and the browser must arrive at the client's redirect URI, for
// each kind of redirect URI the server accepts: loopback, https, and a private-use scheme for
// native apps (RFC 8252 §7.1), which Chromium cannot load but does ask for, so the test sees it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { oauthVars, startFakeGitHub, startWorker } from '../e2e/harness.mjs';
import { APP_HOST, launchChromium, startServer, watchConsole } from './chromium.mjs';
import {
  HELLO_MARKER, authorization, countConsentPages, exchangeCode, isRedirectTo, notLanded, readmeWith,
  registerClient, registeredClientId, watchForRedirect,
} from './oauth-flow.mjs';

let gh;
let worker;
let loopback; // the native app's loopback listener (RFC 8252 §7.3)
let web; // https://app.test:<port>, a web client's callback page

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'browser-signin', vars: oauthVars(gh) });
  loopback = await startServer();
  web = await startServer({ tls: true });
});

after(async () => {
  await loopback?.close();
  await web?.close();
  await worker?.stop();
  await gh?.close();
});

const KINDS = [
  { kind: 'loopback', redirectUri: () => `http://127.0.0.1:${loopback.port}/callback`, server: () => loopback },
  { kind: 'https', redirectUri: () => `https://${APP_HOST}:${web.port}/callback`, server: () => web },
  { kind: 'private-use scheme', redirectUri: () => 'com.example.app:/oauth/callback', server: () => undefined },
];

/** One Chromium with a fresh profile for the test; closed at the end. */
async function withBrowser(fn) {
  const context = await launchChromium();
  const watch = watchConsole(context);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    return await fn({ context, page, watch });
  } finally {
    await context.close();
  }
}

function assertNoCspViolation(watch) {
  assert.deepEqual(watch.cspViolations(), [], `Content-Security-Policy violations in the console:\n${watch.report()}`);
}

/**
 * Opens /authorize, checks it is the consent page, and presses `button` ('Approve' or 'Deny')
 * as a person would. `before(page)` may tamper with the page first.
 * → {outcome (watchForRedirect), auth ({url, state, verifier})}
 */
async function answerConsent({ context, page, watch }, clientId, redirectUri, button, { beforeClick } = {}) {
  const auth = authorization(worker, clientId, redirectUri);
  await page.goto(auth.url);
  const approve = page.getByRole('button', { name: 'Approve' });
  assert.equal(await approve.count(), 1, `the consent page offers Approve; ${watch.report()}`);
  await beforeClick?.(page);
  const outcome = watchForRedirect(context, redirectUri);
  await page.getByRole('button', { name: button }).click();
  return { outcome: await outcome, auth };
}

/** The landing URL carries the answer for this request: state and iss (RFC 9207). */
function assertAnswer(landed, auth) {
  assert.equal(landed.searchParams.get('state'), auth.state, `state comes back unchanged: ${landed}`);
  assert.equal(landed.searchParams.get('iss'), worker.url, `iss is the issuer: ${landed}`);
}

/** For http(s) redirect URIs: the client's server really received the answer, and the page shows it. */
async function assertDelivered(kind, landed, page) {
  const server = kind.server();
  if (!server) return;
  const pathAndQuery = landed.pathname + landed.search;
  const got = await server.waitFor((r) => r.url === pathAndQuery, 10_000);
  assert.ok(got, `the client's server received GET ${pathAndQuery} (it saw: ${server.requests.map((r) => r.url).join(', ') || 'nothing'})`);
  await page.waitForURL((u) => u.toString() === landed.toString(), { timeout: 10_000 });
}

for (const kind of KINDS) {
  describe(`sign-in in Chromium, ${kind.kind} redirect URI`, () => {
    test(`${kind.kind}: Approve lands on the redirect URI with code, state and iss; the code buys a token that calls getGithubReadme`, async () => {
      const redirectUri = kind.redirectUri();
      const clientId = await registeredClientId(worker, redirectUri);
      await withBrowser(async (b) => {
        const { outcome, auth } = await answerConsent(b, clientId, redirectUri, 'Approve');
        assert.ok(outcome.landed, await notLanded(outcome, redirectUri, b.page, b.watch));
        const landed = outcome.landed;
        assert.ok(isRedirectTo(redirectUri, landed.toString()));
        assert.ok(landed.searchParams.get('code'), `a code: ${landed}`);
        assert.equal(landed.searchParams.get('error'), null, `no error: ${landed}`);
        assertAnswer(landed, auth);
        await assertDelivered(kind, landed, b.page);
        assertNoCspViolation(b.watch);

        const tokens = await exchangeCode(worker, { clientId, code: landed.searchParams.get('code'), verifier: auth.verifier, redirectUri });
        assert.equal(tokens.status, 200, `POST /token: ${JSON.stringify(tokens.json)}`);
        assert.ok(tokens.json.access_token);
        assert.ok((await readmeWith(worker, tokens.json.access_token)).includes(HELLO_MARKER), 'the README marker');
      });
    });

    test(`${kind.kind}: Deny lands on the redirect URI with error=access_denied, state and iss`, async () => {
      const redirectUri = kind.redirectUri();
      const clientId = await registeredClientId(worker, redirectUri);
      await withBrowser(async (b) => {
        const { outcome, auth } = await answerConsent(b, clientId, redirectUri, 'Deny');
        assert.ok(outcome.landed, await notLanded(outcome, redirectUri, b.page, b.watch));
        const landed = outcome.landed;
        assert.equal(landed.searchParams.get('error'), 'access_denied', `error: ${landed}`);
        assert.equal(landed.searchParams.get('code'), null, `no code: ${landed}`);
        assertAnswer(landed, auth);
        await assertDelivered(kind, landed, b.page);
        assertNoCspViolation(b.watch);
      });
    });

    test(`${kind.kind}: for a client approved in this browser, an error found at /authorize (no PKCE) is redirected to it with state and iss`, async () => {
      const redirectUri = kind.redirectUri();
      const clientId = await registeredClientId(worker, redirectUri);
      await withBrowser(async (b) => {
        // Errors go back only to a client this browser approved (RFC 9700 §4.11.2: no open redirector).
        const first = await answerConsent(b, clientId, redirectUri, 'Approve');
        assert.ok(first.outcome.landed, `approving the client first: ${await notLanded(first.outcome, redirectUri, b.page, b.watch)}`);
        const auth = authorization(worker, clientId, redirectUri);
        const url = new URL(auth.url);
        url.searchParams.delete('code_challenge');
        url.searchParams.delete('code_challenge_method');
        const outcome = watchForRedirect(b.context, redirectUri);
        await b.page.goto(url.toString()).catch(() => {});
        const { landed } = await outcome;
        assert.ok(landed, await notLanded(await outcome, redirectUri, b.page, b.watch));
        assert.equal(landed.searchParams.get('error'), 'invalid_request', `error: ${landed}`);
        assert.equal(landed.searchParams.get('code'), null);
        assertAnswer(landed, auth);
        await assertDelivered(kind, landed, b.page);
        assertNoCspViolation(b.watch);
      });
    });

    test(`${kind.kind}: a returning client skips consent: the second /authorize lands on the redirect URI with a code`, async () => {
      const redirectUri = kind.redirectUri();
      const clientId = await registeredClientId(worker, redirectUri);
      await withBrowser(async (b) => {
        const consent = countConsentPages(b.context, worker);
        const first = await answerConsent(b, clientId, redirectUri, 'Approve');
        assert.ok(first.outcome.landed, `first sign-in: ${await notLanded(first.outcome, redirectUri, b.page, b.watch)}`);
        assert.equal(consent.count(), 1, 'the first time, the consent page was shown');

        const auth = authorization(worker, clientId, redirectUri);
        const outcome = watchForRedirect(b.context, redirectUri);
        // A private-use scheme ends the navigation with an error; the outcome tells what happened.
        await b.page.goto(auth.url).catch(() => {});
        const second = await outcome;
        assert.ok(second.landed, `second sign-in: ${await notLanded(second, redirectUri, b.page, b.watch)}`);
        assert.equal(consent.count(), 1, 'no consent page the second time');
        assert.ok(second.landed.searchParams.get('code'), `a code: ${second.landed}`);
        assertAnswer(second.landed, auth);
        assertNoCspViolation(b.watch);

        const tokens = await exchangeCode(worker, { clientId, code: second.landed.searchParams.get('code'), verifier: auth.verifier, redirectUri });
        assert.equal(tokens.status, 200, `POST /token: ${JSON.stringify(tokens.json)}`);
      });
    });

    test(`${kind.kind}: a forged CSRF token is refused (403, no redirect), and the same browser then signs in with the genuine form`, async () => {
      const redirectUri = kind.redirectUri();
      const clientId = await registeredClientId(worker, redirectUri);
      await withBrowser(async (b) => {
        const forged = await answerConsent(b, clientId, redirectUri, 'Approve', {
          beforeClick: (page) => page.locator('input[name="csrf"]').evaluate((input) => {
            input.value = `forged-${input.value.split('').reverse().join('')}`;
          }),
        });
        assert.equal(forged.outcome.landed, undefined, `a forged form must not reach the client: ${forged.outcome.landed}`);
        const refused = forged.outcome.navigations.find((n) => n.status !== undefined && n.method === 'POST');
        assert.equal(refused?.status, 403, `the forged POST is answered 403: ${JSON.stringify(forged.outcome.navigations)}`);

        // The control: the same person, same browser, the form as the server made it.
        const genuine = await answerConsent(b, clientId, redirectUri, 'Approve');
        assert.ok(genuine.outcome.landed, `genuine form: ${await notLanded(genuine.outcome, redirectUri, b.page, b.watch)}`);
        assert.ok(genuine.outcome.landed.searchParams.get('code'));
        assertAnswer(genuine.outcome.landed, genuine.auth);
        assertNoCspViolation(b.watch);
      });
    });
  });
}

describe('private-use-scheme redirect URIs at registration (RFC 8252 §7.1)', () => {
  test('native-app schemes are accepted: cursor://, vscode://, com.example.app:/', async () => {
    for (const uri of ['cursor://anysphere.cursor-mcp/oauth/callback', 'vscode://vscode.github-authentication/did-authenticate', 'com.example.app:/oauth/callback']) {
      const r = await registerClient(worker, [uri]);
      assert.equal(r.status, 201, `${uri}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
      assert.deepEqual(r.json.redirect_uris, [uri]);
    }
  });

  test('dangerous schemes and http to a non-loopback host stay refused', async () => {
    for (const uri of ['javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd', 'blob:https://a.example/x', 'vbscript:msgbox', 'about:blank', 'ws://127.0.0.1:1/cb', 'wss://a.example/cb', 'http://evil.example/cb']) {
      const r = await registerClient(worker, [uri]);
      assert.equal(r.status, 400, `${uri} must be refused: HTTP ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error, 'invalid_redirect_uri', uri);
    }
  });

  test('Approve also lands on an authority-form private-use URI (cursor://…)', async () => {
    const redirectUri = 'cursor://anysphere.cursor-mcp/oauth/callback';
    const clientId = await registeredClientId(worker, redirectUri);
    await withBrowser(async (b) => {
      const { outcome, auth } = await answerConsent(b, clientId, redirectUri, 'Approve');
      assert.ok(outcome.landed, await notLanded(outcome, redirectUri, b.page, b.watch));
      assert.ok(outcome.landed.searchParams.get('code'));
      assertAnswer(outcome.landed, auth);
      assertNoCspViolation(b.watch);
    });
  });
});
