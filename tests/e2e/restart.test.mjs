// A legacy-era Streamable HTTP session (Mcp-Session-Id) survives a restart of the dev server when
// the state directory (--persist-to) is kept. Raw HTTP, so every request/response is visible.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFakeGitHub, startWorker, workerVars, createToken, tempDir, mcpPost, initializeRequest, rpc, notification,
  resultText, HELLO_MARKER, LATEST_LEGACY_PROTOCOL,
} from './harness.mjs';

describe('session survives wrangler dev restart (AUTH_MODE=bearer)', () => {
  let gh, worker, token, persistDir, vars;
  before(async () => {
    gh = await startFakeGitHub();
    persistDir = tempDir('mcpw-persist-restart-');
    token = (await createToken('e2e-restart', persistDir)).token;
    vars = workerVars(gh, { authMode: 'bearer' });
    worker = await startWorker({ name: 'restart-1', persistDir, vars });
  });
  after(async () => {
    await worker?.stop();
    await gh?.close();
  });

  test('initialize, restart, tools/list with the same Mcp-Session-Id', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const init = await mcpPost(worker.mcpUrl, initializeRequest(1, LATEST_LEGACY_PROTOCOL), auth);
    assert.equal(init.status, 200, `initialize: ${init.status} ${init.text.slice(0, 300)}`);
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid, 'initialize response carries Mcp-Session-Id');
    assert.match(sid, /^[\x21-\x7e]+$/, 'session id is visible ASCII');
    const pv = init.json?.result?.protocolVersion;
    assert.equal(pv, LATEST_LEGACY_PROTOCOL, `negotiated ${pv}`);
    const sess = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': pv };

    const inited = await mcpPost(worker.mcpUrl, notification('notifications/initialized'), sess);
    assert.equal(inited.status, 202, `notifications/initialized: ${inited.status} ${inited.text.slice(0, 200)}`);
    assert.equal(inited.text, '', '202 has no body');

    const l1 = await mcpPost(worker.mcpUrl, rpc(2, 'tools/list'), sess);
    assert.equal(l1.status, 200, `tools/list before restart: ${l1.status} ${l1.text.slice(0, 200)}`);
    assert.ok(l1.json?.result?.tools?.some((t) => t.name === 'getGithubReadme'));

    // ---- restart with the same state directory (and port)
    const port = worker.port;
    await worker.stop();
    worker = await startWorker({ name: 'restart-2', persistDir, vars, port });

    const l2 = await mcpPost(worker.mcpUrl, rpc(3, 'tools/list'), sess);
    assert.equal(l2.status, 200, `tools/list after restart: ${l2.status} ${l2.text.slice(0, 300)}`);
    assert.equal(l2.json?.id, 3);
    const names = (l2.json?.result?.tools ?? []).map((t) => t.name);
    assert.ok(names.includes('getGithubReadme'), `tools after restart: ${names}`);

    const call = await mcpPost(worker.mcpUrl, rpc(4, 'tools/call', {
      name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/Hello-World' },
    }), sess);
    assert.equal(call.status, 200, `tools/call after restart: ${call.status} ${call.text.slice(0, 300)}`);
    assert.ok(!call.json?.result?.isError, JSON.stringify(call.json).slice(0, 400));
    assert.ok(resultText(call.json?.result).includes(HELLO_MARKER));

    // error path: tools/call for a missing repository in the restored session
    const miss = await mcpPost(worker.mcpUrl, rpc(5, 'tools/call', {
      name: 'getGithubReadme', arguments: { repositoryUrl: 'octocat/does-not-exist' },
    }), sess);
    assert.equal(miss.status, 200);
    assert.equal(miss.json?.result?.isError, true, JSON.stringify(miss.json).slice(0, 400));
    assert.match(resultText(miss.json?.result), /not found/i);
  });

  test('unknown and deleted session ids get 404', async () => {
    const auth = { authorization: `Bearer ${token}`, 'mcp-protocol-version': LATEST_LEGACY_PROTOCOL };
    const unknown = await mcpPost(worker.mcpUrl, rpc(1, 'tools/list'), { ...auth, 'mcp-session-id': 'no-such-session-0000' });
    assert.equal(unknown.status, 404, `unknown session: ${unknown.status} ${unknown.text.slice(0, 200)}`);

    const init = await mcpPost(worker.mcpUrl, initializeRequest(1), { authorization: auth.authorization });
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid);
    const del = await fetch(worker.mcpUrl, {
      method: 'DELETE',
      headers: { ...auth, 'mcp-session-id': sid },
      signal: AbortSignal.timeout(10_000),
    });
    await del.text();
    if (del.status === 405) return; // the spec allows servers to refuse client-side termination
    assert.ok(del.status >= 200 && del.status < 300, `DELETE -> ${del.status}`);
    const after = await mcpPost(worker.mcpUrl, rpc(2, 'tools/list'), { ...auth, 'mcp-session-id': sid });
    assert.equal(after.status, 404, `after DELETE: ${after.status} ${after.text.slice(0, 200)}`);
  });
});
