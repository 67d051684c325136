// GitHub's OAuth web flow, faked for the tests (docs.github.com "Authorizing OAuth apps"):
//   GET  /login/oauth/authorize     the person "signs in": 302 back to redirect_uri?code&state
//   POST /login/oauth/access_token  code (+ PKCE verifier, client secret) -> access token
// Like GitHub, errors of the token endpoint come back with status 200 and an `error` field.
// Tests choose who is signed in with signInAs(login, id).
import crypto from 'node:crypto';

export const FAKE_CLIENT_ID = 'Ov23liFakeClientId0001';
export const FAKE_CLIENT_SECRET = 'fake-github-client-secret-0001';

const s256 = (verifier) => crypto.createHash('sha256').update(verifier).digest('base64url');

export function createFakeOAuth({ token, clientId = FAKE_CLIENT_ID, clientSecret = FAKE_CLIENT_SECRET }) {
  const codes = new Map();
  /** token -> user; the default user's token is the fake's usual token. */
  const tokens = new Map([[token, { login: 'octocat', id: 1 }]]);
  let signedIn = { login: 'octocat', id: 1 };
  const stats = { authorizations: 0, exchanges: 0, failedExchanges: 0 };

  function reply(res, status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
    res.end(text);
  }

  function authorize(res, u) {
    const q = u.searchParams;
    if (q.get('client_id') !== clientId) return reply(res, 404, '<h1>404: unknown OAuth app</h1>');
    const redirect = q.get('redirect_uri');
    if (!redirect || !q.get('state')) return reply(res, 400, '<h1>missing redirect_uri or state</h1>');
    const code = crypto.randomBytes(10).toString('hex');
    codes.set(code, { redirect, challenge: q.get('code_challenge'), method: q.get('code_challenge_method'), user: signedIn, scope: q.get('scope') ?? '' });
    stats.authorizations += 1;
    const back = new URL(redirect);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state'));
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  function exchange(req, res, body) {
    const form = new URLSearchParams(body);
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = (req.headers.authorization ?? '').match(/^Basic (.+)$/);
    if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
    const fail = (error, description) => {
      stats.failedExchanges += 1;
      reply(res, 200, { error, error_description: description });
    };
    if (id !== clientId || secret !== clientSecret) return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    const entry = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!entry) return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    if (form.get('redirect_uri') && form.get('redirect_uri') !== entry.redirect) return fail('redirect_uri_mismatch', 'The redirect_uri MUST match.');
    if (entry.challenge && (entry.method !== 'S256' || s256(form.get('code_verifier') ?? '') !== entry.challenge)) {
      return fail('bad_verification_code', 'The code_verifier does not match.');
    }
    const accessToken = entry.user.login === 'octocat' ? token : `gho_fake_${entry.user.login}_${crypto.randomBytes(6).toString('hex')}`;
    tokens.set(accessToken, entry.user);
    stats.exchanges += 1;
    reply(res, 200, { access_token: accessToken, token_type: 'bearer', scope: entry.scope });
  }

  return {
    stats,
    /** Handles /login/oauth/*; reads the body itself. */
    handle(req, res, u) {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.method === 'GET' && u.pathname === '/login/oauth/authorize') return authorize(res, u);
        if (req.method === 'POST' && u.pathname === '/login/oauth/access_token') return exchange(req, res, body);
        reply(res, 404, { message: 'Not Found' });
      });
    },
    /** The user behind a request's token, if the fake issued it. */
    userFor(req) {
      const m = (req.headers.authorization ?? '').match(/^(?:Bearer|token) (.+)$/);
      return m ? tokens.get(m[1]) : undefined;
    },
    signInAs(login, id) {
      signedIn = { login, id };
    },
  };
}
