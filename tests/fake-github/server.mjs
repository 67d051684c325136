// Fake GitHub REST API for end-to-end tests. Listens on 127.0.0.1 only.
//
//   import { startFakeGitHub } from './server.mjs';
//   const gh = await startFakeGitHub({ token: 'ghp_test' });   // port 0 = ephemeral
//   gh.url, gh.port, gh.requests[], gh.counts, gh.rawReads[], await gh.close()
//
// Standalone (for scripts/dev):  node tests/fake-github/server.mjs [--port N] [--token T]
//
// Response shapes follow docs.github.com "Get a repository README" (content-file object) and
// GitHub's error bodies ({message, documentation_url, status}).
import http from 'node:http';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createFakeOAuth } from './oauth.mjs';
import { readRoute } from './routes.mjs';
import { labRoute } from './lab.mjs';

import { COMMIT_SHA } from './routes.mjs';

export { FILE_MARKER, DIFF_MARKER, PNG_BASE64, COMMIT_SHA, STREAM_CAP, CONTENTS_API_LIMIT, BIG_LOG_START, BIG_LOG_END, bigFile } from './routes.mjs';

export const FAKE_GITHUB_TOKEN = 'ghp_fakeGitHubTokenForE2eTests0000000000';
export const HELLO_MARKER = 'FAKE-README-MARKER-7f3a9c';
export const HELLO_V1_MARKER = 'FAKE-README-V1-MARKER-2b81d4';
export const HELLO_SHA_MARKER = 'FAKE-README-SHA-MARKER-51c0de';
export const DOCS_MARKER = 'FAKE-RST-MARKER-c0ffee';
export const PRIVATE_MARKER = 'FAKE-PRIVATE-MARKER-5e5e5e';

const README_DOCS = 'https://docs.github.com/rest/repos/contents#get-a-repository-readme';
const RATE_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const SECONDARY_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const USER_DOCS = 'https://docs.github.com/rest/users/users#get-the-authenticated-user';

/** README fixtures: key "owner/repo" (lowercase), per ref (''= default branch). */
export const READMES = {
  'octocat/hello-world': {
    owner: 'octocat',
    repo: 'Hello-World',
    defaultBranch: 'master',
    refs: {
      '': {
        path: 'README.md',
        text: `# Hello World\n\nThis is the fake README of octocat/Hello-World.\n\nMarker: ${HELLO_MARKER}\n`,
      },
      v1: {
        path: 'README.md',
        text: `# Hello World (v1)\n\nThe README as it was at tag v1.\n\nMarker: ${HELLO_V1_MARKER}\n`,
      },
      [COMMIT_SHA]: {
        path: 'README.md',
        text: `# Hello World (${COMMIT_SHA.slice(0, 7)})\n\nThe README at a commit.\n\nMarker: ${HELLO_SHA_MARKER}\n`,
      },
    },
  },
  'octo-org/docs': {
    owner: 'octo-org',
    repo: 'docs',
    defaultBranch: 'main',
    refs: {
      '': {
        path: 'docs/README.rst',
        text: `Docs\n====\n\nA reStructuredText README that lives in docs/.\n\nMarker: ${DOCS_MARKER}\n`,
      },
    },
  },
  'octocat/private-repo': {
    owner: 'octocat',
    repo: 'private-repo',
    defaultBranch: 'main',
    private: true,
    refs: {
      '': { path: 'README.md', text: `# Private\n\nOnly visible with the token.\n\nMarker: ${PRIVATE_MARKER}\n` },
    },
  },
};

/** Base64 wrapped with "\n" every 60 characters, as GitHub's contents API does. */
export function githubBase64(text) {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const lines = [];
  for (let i = 0; i < b64.length; i += 60) lines.push(b64.slice(i, i + 60));
  return lines.join('\n') + '\n';
}

function gitBlobSha(text) {
  const buf = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

function readmeBody(base, webBase, fx, ref) {
  const entry = fx.refs[ref ?? ''];
  const refName = ref || fx.defaultBranch;
  const sha = gitBlobSha(entry.text);
  const full = `${fx.owner}/${fx.repo}`;
  const name = entry.path.split('/').pop();
  const selfUrl = `${base}/repos/${full}/contents/${entry.path}?ref=${encodeURIComponent(refName)}`;
  const gitUrl = `${base}/repos/${full}/git/blobs/${sha}`;
  const htmlUrl = `${webBase}/${full}/blob/${refName}/${entry.path}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(entry.text, 'utf8'),
    name,
    path: entry.path,
    content: githubBase64(entry.text),
    sha,
    url: selfUrl,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: `${webBase}/raw/${full}/${refName}/${entry.path}`,
    _links: { self: selfUrl, git: gitUrl, html: htmlUrl },
  };
}

function user(base, webBase) {
  return {
    login: 'octocat',
    id: 1,
    node_id: 'MDQ6VXNlcjE=',
    avatar_url: `${webBase}/images/error/octocat_happy.gif`,
    gravatar_id: '',
    url: `${base}/users/octocat`,
    html_url: `${webBase}/octocat`,
    type: 'User',
    site_admin: false,
    name: 'The Octocat',
    company: '@github',
    blog: 'https://github.blog',
    location: 'San Francisco',
    email: 'octocat@github.com',
    hireable: false,
    bio: 'Fake user served by tests/fake-github',
    public_repos: 2,
    public_gists: 1,
    followers: 20,
    following: 0,
    created_at: '2008-01-14T04:33:35Z',
    updated_at: '2008-01-14T04:33:35Z',
  };
}

/**
 * Start the fake. Options:
 *   port      (default 0 = ephemeral)
 *   token     the GitHub token the fake recognises (default FAKE_GITHUB_TOKEN)
 *   rateReset unix seconds put into x-ratelimit-reset for limited/repo (default now + 3600)
 *   log       function(line) for a request log (default: none)
 */
export async function startFakeGitHub(opts = {}) {
  const token = opts.token ?? FAKE_GITHUB_TOKEN;
  const requests = [];
  // counts['GET /path'] = requests; counts.notModified = 304s answered (any path), and
  // counts['304 /path'] per path.
  const counts = { notModified: 0 };
  // Raw-media answers streamed: { path, size, written, finished, closedEarly }.
  const rawReads = [];
  const rateReset = opts.rateReset ?? Math.floor(Date.now() / 1000) + 3600;
  let base = ''; // filled in after listen
  const oauth = createFakeOAuth({ token });

  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    const rec = {
      method: req.method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers },
      at: new Date().toISOString(),
    };
    requests.push(rec);
    const key = `${req.method} ${u.pathname}`;
    counts[key] = (counts[key] ?? 0) + 1;
    opts.log?.(`[fake-github] ${req.method} ${req.url} auth=${req.headers.authorization ? 'yes' : 'no'}`);
    if (u.pathname.startsWith('/login/oauth/')) return oauth.handle(req, res, u);
    req.resume();
    req.on('end', () => {
      try {
        route(req, res, u);
      } catch (e) {
        send(res, 500, { message: `fake-github internal error: ${e.message}` });
      }
    });
  });

  const authorized = (req) => (req.headers.authorization ?? '') === `Bearer ${token}` ||
    (req.headers.authorization ?? '') === `token ${token}`;

  const rateHeaders = (remaining, used, resource = 'core') => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(rateReset),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': resource,
  });

  function send(res, status, body, headers = {}) {
    const json = JSON.stringify(body, null, 2);
    sendRaw(res, status, json, 'application/json; charset=utf-8', headers);
  }

  // 200s carry an ETag (of the body and the media type); a matching If-None-Match gets 304,
  // as GitHub does, and is counted in counts.notModified.
  function sendRaw(res, status, payload, type, headers = {}) {
    const req = res.req;
    const common = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `FAKE:${requests.length}`,
      server: 'fake-github.test',
    };
    if (status === 200) {
      const etag = `W/"${createHash('sha1').update(`${req?.headers.accept ?? ''}\n${payload}`).digest('hex')}"`;
      common.etag = etag;
      if (req?.headers['if-none-match'] === etag) {
        counts.notModified += 1;
        const key = `304 ${new URL(req.url, 'http://x').pathname}`;
        counts[key] = (counts[key] ?? 0) + 1;
        res.writeHead(304, { ...common, ...headers });
        return res.end();
      }
    }
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(payload), ...common, ...headers });
    res.end(req?.method === 'HEAD' ? undefined : payload);
  }

  /** One page of `all` with GitHub's Link header. */
  function sendPage(res, u, all, wrapSearch) {
    const perPage = Math.min(Math.max(Number(u.searchParams.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(u.searchParams.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(all.length / perPage), 1);
    const items = all.slice((page - 1) * perPage, page * perPage);
    const link = (n, rel) => {
      const p = new URLSearchParams(u.searchParams);
      p.set('page', String(n));
      return `<${base}${u.pathname}?${p}>; rel="${rel}"`;
    };
    const rels = [];
    if (page < last) rels.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) rels.push(link(1, 'first'), link(page - 1, 'prev'));
    const headers = { ...rateHeaders(4999, 1), ...(rels.length ? { link: rels.join(', ') } : {}) };
    const body = wrapSearch ? { total_count: all.length, incomplete_results: false, items } : items;
    send(res, 200, body, headers);
  }

  /**
   * Streams `bytes` in 64 KiB chunks, waiting for the reader (backpressure), and records how
   * far it got: a reader that stops early leaves `written` short and `closedEarly` set.
   */
  function sendStream(res, u, bytes, type) {
    const read = { path: u.pathname, size: bytes.length, written: 0, finished: false, closedEarly: false };
    rawReads.push(read);
    res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, server: 'fake-github.test', ...rateHeaders(4999, 1) });
    res.on('close', () => {
      read.finished = res.writableFinished;
      read.closedEarly = !res.writableFinished;
    });
    const pump = () => {
      while (read.written < bytes.length) {
        const chunk = bytes.subarray(read.written, read.written + 64 * 1024);
        read.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }

  /** Sends what a route module answered: a page of a list or search, text, bytes or JSON. */
  function answer(res, u, routed) {
    if (routed.list) return sendPage(res, u, routed.list, false);
    if (routed.search) return sendPage(res, u, routed.search, true);
    if (routed.raw) return sendStream(res, u, routed.raw, routed.type);
    if (routed.text !== undefined) return sendRaw(res, routed.status, routed.text, routed.type, rateHeaders(4999, 1));
    return send(res, routed.status, routed.body, { ...rateHeaders(4999, 1), ...routed.headers });
  }

  function route(req, res, u) {
    const webBase = opts.webUrl ?? base;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    }
    if (u.pathname === '/user') {
      const signedIn = oauth.userFor(req);
      if (signedIn) return send(res, 200, { ...user(base, webBase), login: signedIn.login, id: signedIn.id }, rateHeaders(4999, 1));
      if (!authorized(req)) {
        return send(res, 401, { message: 'Requires authentication', documentation_url: USER_DOCS, status: '401' },
          { 'www-authenticate': 'Bearer realm="GitHub"' });
      }
      return send(res, 200, user(base, webBase), rateHeaders(4999, 1));
    }
    const signedIn = authorized(req) || !!oauth.userFor(req);
    const lab = labRoute({ base, web: webBase, path: u.pathname, q: u.searchParams, authorized: signedIn, accept: req.headers.accept });
    if (lab) return answer(res, u, lab);
    const limited = u.pathname.match(/^\/repos\/(limited\/repo|octocat\/secondary|octocat\/scoped)(\/|$)/i);
    if (limited && limited[1].toLowerCase() === 'octocat/scoped') {
      return send(res, 403, {
        message: 'Resource not accessible by personal access token',
        documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
        status: '403',
      }, { ...rateHeaders(4998, 2), 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'read:user' });
    }
    const m = u.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/readme\/?$/) ??
      (limited ? u.pathname.match(/^\/repos\/([^/]+)\/([^/]+)/) : null);
    if (m) {
      const owner = decodeURIComponent(m[1]);
      const repo = decodeURIComponent(m[2]);
      const full = `${owner}/${repo}`.toLowerCase();
      if (full === 'limited/repo') {
        return send(res, 403, {
          message:
            "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
          documentation_url: RATE_DOCS,
          status: '403',
        }, { ...rateHeaders(0, 5000), 'x-ratelimit-limit': '60', 'x-ratelimit-used': '60' });
      }
      if (full === 'octocat/secondary') {
        return send(res, 403, {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0.',
          documentation_url: SECONDARY_DOCS,
          status: '403',
        }, { ...rateHeaders(4990, 10), 'retry-after': '60' });
      }
      const fx = READMES[full];
      const ref = u.searchParams.get('ref') ?? '';
      const notFound = () => send(res, 404, { message: 'Not Found', documentation_url: README_DOCS, status: '404' },
        rateHeaders(4999, 1));
      if (!fx || (fx.private && !authorized(req))) return notFound();
      const refKey = ref === fx.defaultBranch ? '' : ref;
      if (!(refKey in fx.refs)) {
        return send(res, 404, { message: `No commit found for the ref ${ref}`, documentation_url: README_DOCS, status: '404' },
          rateHeaders(4999, 1));
      }
      return send(res, 200, readmeBody(base, webBase, fx, refKey), rateHeaders(4999, 1));
    }
    const routed = readRoute({
      base, web: webBase, path: u.pathname, q: u.searchParams, authorized: signedIn, accept: req.headers.accept,
    });
    if (routed) return answer(res, u, routed);
    if (u.pathname === '/' || u.pathname === '') {
      return send(res, 200, { current_user_url: `${base}/user`, repository_url: `${base}/repos/{owner}/{repo}` });
    }
    return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    token,
    oauth,
    requests,
    counts,
    rawReads,
    rateReset,
    /** requests whose path matches (string = exact path, RegExp = test) */
    find(p) {
      return requests.filter((r) => (typeof p === 'string' ? r.path === p : p.test(r.path)));
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

// ---- standalone ----
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const get = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: node tests/fake-github/server.mjs [--port N] [--token TOKEN]');
    process.exit(0);
  }
  const port = Number(get('--port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`fake-github: bad --port ${get('--port')}`);
    process.exit(2);
  }
  const gh = await startFakeGitHub({ port, token: get('--token'), log: (l) => console.error(l) });
  console.log(`fake-github listening on ${gh.url} (token: ${gh.token})`);
  const stop = async () => {
    await gh.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
