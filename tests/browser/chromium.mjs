// Real Chromium for the browser suites: finding it, launching it with a throwaway profile,
// test hostnames that resolve to 127.0.0.1 (so pages get a non-loopback origin), local http and
// https servers (a throwaway self-signed certificate made with openssl), and a watch on the
// console for Content-Security-Policy violations. Nothing here talks to anything but loopback.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { tempDir, withTimeout } from '../e2e/harness.mjs';

/** Hostnames the pages use; Chromium maps them to 127.0.0.1. */
export const PLAYGROUND_HOST = 'playground.test';
export const APP_HOST = 'app.test';

export const CHROMIUM_HINT = [
  'No Chromium was found. The browser suites need one; any of these works:',
  '  - scripts/setup --test-clients (finds one, or installs it: apt-get on Debian/Ubuntu as root, else Playwright\'s download)',
  '  - Debian/Ubuntu, as root: apt-get install -y chromium',
  '  - npx playwright-core install chromium',
  '  - an existing Chromium or Chrome: MCPW_CHROMIUM=/path/to/chrome',
].join('\n');

function executable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive, looked for where scripts/lib/common.sh find_chromium looks:
 * MCPW_CHROMIUM (only it, when set), chromium / chromium-browser / google-chrome on PATH,
 * then Playwright's cache. Throws with how to get one.
 */
export function findChromium() {
  const explicit = process.env.MCPW_CHROMIUM;
  if (explicit) {
    if (executable(explicit)) return explicit;
    throw new Error(`MCPW_CHROMIUM=${explicit} is not an executable file.\n${CHROMIUM_HINT}`);
  }
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const d of dirs) {
      const p = path.join(d, name);
      if (executable(p)) return p;
    }
  }
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH || path.join(os.homedir(), '.cache', 'ms-playwright');
  const found = [];
  try {
    for (const d of fs.readdirSync(cache)) {
      if (!d.startsWith('chromium-')) continue;
      for (const sub of ['chrome-linux64', 'chrome-linux']) {
        const p = path.join(cache, d, sub, 'chrome');
        if (executable(p)) found.push(p);
      }
    }
  } catch {}
  found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (found.length) return found.at(-1);
  throw new Error(CHROMIUM_HINT);
}

const LAUNCH_TIMEOUT_MS = 30_000;

/**
 * Launches Chromium with a fresh profile (--user-data-dir, removed at exit).
 * Returns the persistent BrowserContext; close it with context.close().
 */
export async function launchChromium() {
  const profile = tempDir('mcpw-chromium-profile-');
  return chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    headless: true,
    ignoreHTTPSErrors: true,
    timeout: LAUNCH_TIMEOUT_MS,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The test hostnames go to 127.0.0.1; every other name fails to resolve, so nothing
      // leaves the machine (IP literals such as 127.0.0.1 are not looked up at all).
      `--host-resolver-rules=MAP ${PLAYGROUND_HOST} 127.0.0.1, MAP ${APP_HOST} 127.0.0.1, MAP localhost 127.0.0.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND`,
    ],
  });
}

/**
 * Watches every page of a context (popups included): console messages, page errors and
 * Content-Security-Policy violations (Chromium logs "... violates the following Content
 * Security Policy directive ..."). `report()` is a text summary for assertion messages.
 */
export function watchConsole(context) {
  const messages = [];
  const pageErrors = [];
  const attach = (page) => {
    page.on('console', (m) => messages.push({ type: m.type(), text: m.text(), url: page.url() }));
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  };
  context.pages().forEach(attach);
  context.on('page', attach);
  const w = {
    messages,
    pageErrors,
    cspViolations: () => messages.filter((m) => /violates the following Content Security Policy/i.test(m.text)).map((m) => m.text),
    report: () =>
      [
        ...messages.filter((m) => m.type === 'error' || m.type === 'warning' || /Content.Security.Policy/i.test(m.text)).map((m) => `console.${m.type}: ${m.text}`),
        ...pageErrors.map((e) => `pageerror: ${e}`),
      ].join('\n') || '(no console errors)',
  };
  return w;
}

/** What a page shows, for assertion messages. */
export async function describePage(page) {
  let text = '';
  try {
    text = (await withTimeout(page.evaluate(() => document.body?.innerText ?? ''), 3_000, 'page text')).replace(/\s+/g, ' ').slice(0, 400);
  } catch (e) {
    text = `(page text unavailable: ${e.message})`;
  }
  return `page at ${page.url()} shows: ${text}`;
}

// ---------------------------------------------------------------- local servers

let certCache;
/** A throwaway self-signed certificate for the test hostnames (openssl, once per process). */
export function testCertificate() {
  if (certCache) return certCache;
  const dir = tempDir('mcpw-cert-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${PLAYGROUND_HOST}`,
      '-addext', `subjectAltName=DNS:${PLAYGROUND_HOST},DNS:${APP_HOST}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (e) {
    throw new Error(`openssl could not make the test certificate (install openssl): ${e.stderr?.toString() ?? e.message}`);
  }
  certCache = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  return certCache;
}

/**
 * A local server on 127.0.0.1 (https with the test certificate when `tls`). Every request is
 * recorded as {method, url, host, origin, at}; `handler(req, res)` answers (default: a small page).
 * Returns {port, requests, waitFor(pred, ms), close()}.
 */
export async function startServer({ tls = false, handler } = {}) {
  const requests = [];
  const waiters = new Set();
  const listener = (req, res) => {
    const rec = { method: req.method, url: req.url, host: req.headers.host, origin: req.headers.origin, at: Date.now() };
    requests.push(rec);
    for (const w of waiters) w();
    if (handler) return handler(req, res);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>landed</title><p>The client received the answer.</p>');
  };
  const server = tls ? https.createServer(testCertificate(), listener) : http.createServer(listener);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    requests,
    /** The first recorded request matching pred, waiting up to ms. */
    async waitFor(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = requests.find(pred);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise((resolve) => {
          const done = () => {
            clearTimeout(t);
            waiters.delete(done);
            resolve();
          };
          const t = setTimeout(done, left);
          waiters.add(done);
        });
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
