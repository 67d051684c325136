// The getGithubReadme / whoami tools against the fake GitHub, over raw Streamable HTTP
// (AUTH_MODE=none), with and without a configured GITHUB_TOKEN: arguments, upstream request
// shape, structuredContent, and the documented error paths.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFakeGitHub, startWorker, workerVars, rawSession, resultText, readmeRequests,
  HELLO_MARKER, HELLO_V1_MARKER, DOCS_MARKER, PRIVATE_MARKER,
} from './harness.mjs';

const show = (x) => JSON.stringify(x).slice(0, 600);

describe('getGithubReadme with GITHUB_TOKEN configured (AUTH_MODE=none)', () => {
  let gh, worker, s;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'tool', vars: workerVars(gh, { authMode: 'none' }) });
    s = await rawSession(worker.mcpUrl);
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('tools/list describes getGithubReadme and whoami', async () => {
    const r = await s.request('tools/list');
    assert.equal(r.status, 200);
    const tools = r.json.result.tools;
    const t = tools.find((x) => x.name === 'getGithubReadme');
    assert.ok(t, show(tools));
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.inputSchema.properties.repositoryUrl?.type, 'string');
    assert.equal(t.inputSchema.properties.ref?.type, 'string');
    assert.deepEqual(t.inputSchema.required, ['repositoryUrl']);
    assert.ok(t.description, 'has a description');
    assert.ok(tools.some((x) => x.name === 'whoami'), 'whoami listed');
  });

  test('owner/repo form: upstream request shape and structuredContent', async () => {
    const n0 = readmeRequests(gh).length;
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
    assert.ok(!r.isError, show(r));
    assert.ok(resultText(r).includes(HELLO_MARKER));
    const reqs = readmeRequests(gh);
    assert.equal(reqs.length, n0 + 1);
    const q = reqs.at(-1);
    assert.equal(q.method, 'GET');
    assert.equal(q.path, '/repos/octocat/Hello-World/readme');
    assert.deepEqual(q.query, {}, 'no ref query without ref');
    assert.equal(q.headers.accept, 'application/vnd.github+json');
    assert.equal(q.headers['x-github-api-version'], '2022-11-28');
    assert.ok(q.headers['user-agent']);
    assert.equal(q.headers.authorization, `Bearer ${gh.token}`);

    const sc = r.structuredContent;
    assert.ok(sc, 'structuredContent present');
    assert.match(String(sc.repository), /^octocat\/Hello-World$/i);
    assert.equal(sc.path, 'README.md');
    assert.equal(sc.name, 'README.md');
    assert.equal(sc.size, Buffer.byteLength(sc.text));
    assert.ok(sc.text.includes(HELLO_MARKER));
    assert.equal(sc.htmlUrl, `${gh.url}/octocat/Hello-World/blob/master/README.md`);
  });

  test('https://github.com URL and GITHUB_WEB_URL host URL', async () => {
    for (const repositoryUrl of ['https://github.com/octocat/Hello-World', `${gh.url}/octocat/Hello-World`]) {
      const r = await s.call('getGithubReadme', { repositoryUrl });
      assert.ok(!r.isError, `${repositoryUrl}: ${show(r)}`);
      assert.ok(resultText(r).includes(HELLO_MARKER), repositoryUrl);
      assert.equal(readmeRequests(gh).at(-1).path, '/repos/octocat/Hello-World/readme');
    }
  });

  test('ref is passed through as ?ref=', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World', ref: 'v1' });
    assert.ok(!r.isError, show(r));
    assert.ok(resultText(r).includes(HELLO_V1_MARKER));
    assert.ok(!resultText(r).includes(HELLO_MARKER));
    assert.deepEqual(readmeRequests(gh).at(-1).query, { ref: 'v1' });
    assert.equal(r.structuredContent?.ref, 'v1');
  });

  test('README with a non-default name and path', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'https://github.com/octo-org/docs' });
    assert.ok(!r.isError, show(r));
    assert.ok(resultText(r).includes(DOCS_MARKER));
    assert.equal(r.structuredContent?.path, 'docs/README.rst');
    assert.equal(r.structuredContent?.name, 'README.rst');
  });

  test('private repository is readable with the configured token', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/private-repo' });
    assert.ok(!r.isError, show(r));
    assert.ok(resultText(r).includes(PRIVATE_MARKER));
  });

  test('404 -> isError "not found"', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/does-not-exist' });
    assert.equal(r.isError, true, show(r));
    assert.match(resultText(r), /not found/i);
  });

  test('primary rate limit -> isError naming the rate limit and the reset time', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'limited/repo' });
    assert.equal(r.isError, true, show(r));
    const text = resultText(r);
    assert.match(text, /rate limit/i);
    const reset = new Date(gh.rateReset * 1000);
    // any unambiguous rendering: unix seconds, an RFC 7231 date, or the UTC date and time of day
    const [day, time] = reset.toISOString().split(/[T.]/);
    const ok = text.includes(String(gh.rateReset)) || text.includes(reset.toUTCString()) ||
      (text.includes(day) && text.includes(time));
    assert.ok(ok, `reset time ${reset.toISOString()} (${gh.rateReset}) in: ${text}`);
  });

  test('secondary rate limit -> isError', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/secondary' });
    assert.equal(r.isError, true, show(r));
    assert.match(resultText(r), /rate limit/i);
  });

  test('invalid input -> isError naming the argument', async () => {
    const cases = [
      [{}, /repositoryUrl/],
      [{ repositoryUrl: '' }, /repositoryUrl/],
      [{ repositoryUrl: 'not a repository' }, /repositoryUrl/],
      [{ repositoryUrl: 'https://gitlab.com/octocat/Hello-World' }, /repositoryUrl/],
      [{ repositoryUrl: 42 }, /repositoryUrl/],
      [{ repositoryUrl: 'octocat/Hello-World', ref: 7 }, /\bref\b/],
    ];
    const n0 = readmeRequests(gh).length;
    for (const [args, re] of cases) {
      let r;
      try {
        r = await s.call('getGithubReadme', args);
      } catch (e) {
        // A JSON-RPC -32602 would also be defensible for schema violations, but the contract says isError.
        assert.fail(`${JSON.stringify(args)}: expected an isError result, got ${e.message}`);
      }
      assert.equal(r.isError, true, `${JSON.stringify(args)}: ${show(r)}`);
      assert.match(resultText(r), re, `${JSON.stringify(args)}: ${resultText(r)}`);
    }
    assert.equal(readmeRequests(gh).length, n0, 'invalid input never reaches GitHub');
  });

  test('unknown tool -> JSON-RPC error -32602', async () => {
    const r = await s.request('tools/call', { name: 'noSuchTool', arguments: {} });
    assert.equal(r.status, 200);
    assert.equal(r.json?.error?.code, -32602, show(r.json));
  });

  test('whoami reports AUTH_MODE=none', async () => {
    const r = await s.call('whoami');
    assert.ok(!r.isError, show(r));
    assert.match(resultText(r) + JSON.stringify(r.structuredContent ?? {}), /none/i);
  });
});

describe('getGithubReadme without GITHUB_TOKEN', () => {
  let gh, worker, s;
  before(async () => {
    gh = await startFakeGitHub();
    worker = await startWorker({ name: 'tool-notoken', vars: workerVars(gh, { authMode: 'none', githubToken: undefined }) });
    s = await rawSession(worker.mcpUrl);
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('no authorization header upstream; public README still works', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
    assert.ok(!r.isError, show(r));
    assert.ok(resultText(r).includes(HELLO_MARKER));
    assert.equal(readmeRequests(gh).at(-1).headers.authorization, undefined);
  });

  test('private repository is "not found" without a token', async () => {
    const r = await s.call('getGithubReadme', { repositoryUrl: 'octocat/private-repo' });
    assert.equal(r.isError, true, show(r));
    assert.match(resultText(r), /not found/i);
  });
});
