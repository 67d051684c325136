// Suite 3: mcp-remote as Claude Desktop runs it (stdio proxy, AUTH_MODE=oauth), with a real
// browser. mcp-remote opens the sign-in URL with $BROWSER; here that program hands the URL to
// the test, which opens it in Chromium and presses Approve as a person would. mcp-remote's own
// loopback callback server then receives the code, and the tools work through its stdio.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  HELLO_MARKER, LOG_DIR, REPO_ROOT, oauthVars, readmeRequests, resultText, startFakeGitHub, startWorker, stdioClient, tempDir,
} from '../e2e/harness.mjs';
import { describePage, launchChromium, startServer, watchConsole } from './chromium.mjs';
import { notLanded, watchForRedirect } from './oauth-flow.mjs';

const PROXY = path.join(REPO_ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');
const BROWSER_HOOK = path.join(REPO_ROOT, 'tests', 'browser', 'open-in-test-browser.mjs');
const STEP_MS = 45_000;

let gh;
let worker;
let hook; // receives the URLs mcp-remote asks the browser to open
const opened = [];

before(async () => {
  gh = await startFakeGitHub();
  worker = await startWorker({ name: 'browser-mcp-remote', vars: oauthVars(gh) });
  hook = await startServer({
    handler(req, res) {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        opened.push(body);
        res.writeHead(200);
        res.end('ok');
      });
    },
  });
});

after(async () => {
  await hook?.close();
  await worker?.stop();
  await gh?.close();
});

async function nextOpenedUrl(ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (opened.length) return opened.shift();
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe('mcp-remote (stdio proxy, as Claude Desktop runs it), AUTH_MODE=oauth, signing in in Chromium', () => {
  for (const [label, pick] of [['mcp', (w) => w.mcpUrl], ['sse', (w) => w.sseUrl]]) {
    test(`mcp-remote on /${label}: it opens the browser, Approve in Chromium reaches mcp-remote's callback, then tools/list and getGithubReadme`, async () => {
      const stamp = Date.now();
      const hookLog = path.join(LOG_DIR, `browser-hook-${label}-${stamp}.log`);
      opened.length = 0;
      const client = stdioClient(process.execPath, [PROXY, pick(worker)], {
        env: {
          MCP_REMOTE_CONFIG_DIR: tempDir('mcpw-mcp-remote-'),
          BROWSER: BROWSER_HOOK,
          MCPW_BROWSER_HOOK_URL: `http://127.0.0.1:${hook.port}/open`,
          MCPW_BROWSER_HOOK_LOG: hookLog,
        },
        logFile: path.join(LOG_DIR, `client-mcp-remote-browser-${label}-${stamp}.log`),
      });
      let context;
      try {
        // mcp-remote signs in before it answers initialize.
        const init = client.request(1, 'initialize', {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'claude-desktop-browser-suite', version: '0.0.0' },
        }, STEP_MS);
        init.catch(() => {});

        const url = await nextOpenedUrl(30_000);
        assert.ok(url, `mcp-remote never opened the browser; hook log: ${fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8') : '(none)'}\nstderr: ${client.stderr.slice(-1500)}`);
        const auth = new URL(url);
        assert.equal(auth.origin + auth.pathname, `${worker.url}/authorize`, `the URL mcp-remote opens: ${url}`);
        const redirectUri = auth.searchParams.get('redirect_uri');
        assert.match(redirectUri, /^http:\/\/(localhost|127\.0\.0\.1):\d+\//, 'mcp-remote waits on a loopback redirect URI');

        context = await launchChromium();
        const watch = watchConsole(context);
        const page = context.pages()[0] ?? (await context.newPage());
        await page.goto(url);
        const approve = page.getByRole('button', { name: 'Approve' });
        assert.equal(await approve.count(), 1, `the consent page: ${await describePage(page)}`);
        const outcome = watchForRedirect(context, redirectUri);
        await approve.click();
        const { landed } = await outcome;
        assert.ok(landed, await notLanded(await outcome, redirectUri, page, watch));
        assert.ok(landed.searchParams.get('code'), `a code: ${landed}`);
        assert.equal(landed.searchParams.get('state'), auth.searchParams.get('state'));
        assert.equal(landed.searchParams.get('iss'), worker.url);
        // mcp-remote's callback server answers the browser once it has the code.
        await page.waitForFunction(() => /Authorization successful/i.test(document.body?.innerText ?? ''), null, { timeout: 15_000 })
          .catch(async () => assert.fail(`mcp-remote's callback page: ${await describePage(page)}`));
        assert.deepEqual(watch.cspViolations(), [], watch.report());

        const initialized = await init;
        assert.ok(initialized.result?.serverInfo?.name, `initialize: ${JSON.stringify(initialized).slice(0, 400)}`);
        client.notify('notifications/initialized');
        const tools = await client.request(2, 'tools/list', {}, STEP_MS);
        assert.ok((tools.result?.tools ?? []).some((t) => t.name === 'getGithubReadme'), `tools/list: ${JSON.stringify(tools).slice(0, 400)}`);
        const n0 = readmeRequests(gh, 'octocat/Hello-World').length;
        const call = await client.request(3, 'tools/call', { name: 'getGithubReadme', arguments: { repositoryUrl: 'https://github.com/octocat/Hello-World' } }, STEP_MS);
        assert.ok(call.result && !call.result.isError, `tools/call: ${JSON.stringify(call).slice(0, 500)}`);
        assert.ok(resultText(call.result).includes(HELLO_MARKER), 'the README marker');
        const reqs = readmeRequests(gh, 'octocat/Hello-World');
        assert.equal(reqs.length, n0 + 1);
        assert.equal(reqs.at(-1).headers.authorization, `Bearer ${gh.token}`, 'GitHub is called with the signed-in user\'s token');
      } finally {
        await context?.close();
        await client.close();
      }
    });
  }
});
