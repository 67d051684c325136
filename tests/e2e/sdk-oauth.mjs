// The TypeScript SDK's OAuth client for the end-to-end suites: an in-memory provider, and a
// connect that signs in through the consent page with the scripted browser when asked to.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { CookieJar, signIn } from './browser.mjs';

export const REDIRECT = 'http://127.0.0.1:53999/callback';

/** An in-memory OAuth client provider for the TypeScript SDK. */
export class MemoryProvider {
  constructor() {
    this.saved = {};
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return { client_name: 'e2e SDK client', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(client) {
    this.saved.client = client;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.authorizationUrl = url.toString();
  }
  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
}

/** Connects an SDK client, signing in through the consent page when asked to. */
export async function connectWithSignIn(makeTransport, provider, jar = new CookieJar()) {
  const first = new Client({ name: 'e2e-oauth', version: '1.0.0' });
  await assert.rejects(first.connect(makeTransport()), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK asked for the browser');
  const result = await signIn(provider.authorizationUrl, { jar });
  const back = new URL(result.url);
  assert.equal(back.origin + back.pathname, REDIRECT, `sign-in ended at ${result.url}`);
  const transport = makeTransport();
  await transport.finishAuth(back.searchParams.get('code'));
  const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
  await client.connect(makeTransport());
  return { client, result };
}
