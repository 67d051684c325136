// A web MCP client like the (browser-side) Workers AI Playground: React with use-mcp's
// useMcp hook, served from its own origin. Bundled by the test with esbuild; never committed.
//   /                the app: connects to ?server=<MCP URL> with ?transport=auto|http|sse;
//                    with ?token=<t> it sends "Authorization: Bearer <t>" (bearer mode), else it
//                    signs in with OAuth through use-mcp's popup. When ready it lists the tools and
//                    calls getGithubReadme; window.__mcp holds what happened, for the test.
//   /oauth/callback  the popup's landing page: use-mcp exchanges the code and tells the opener.
import { createElement as h, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useMcp } from 'use-mcp/react';
import { onMcpAuthorization } from 'use-mcp';

function App({ server, transport, token }) {
  const mcp = useMcp({
    url: server,
    transportType: transport,
    clientName: 'Browser suite web client',
    customHeaders: token ? { Authorization: `Bearer ${token}` } : {},
    autoReconnect: false,
    debug: true,
  });
  const [call, setCall] = useState(null);
  const started = useRef(false);
  useEffect(() => {
    if (mcp.state !== 'ready' || started.current) return;
    started.current = true;
    mcp.callTool('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' }).then(
      (result) => setCall({ ok: true, result }),
      (e) => setCall({ ok: false, error: String(e?.message ?? e) }),
    );
  }, [mcp.state]);
  window.__mcp = {
    state: mcp.state,
    error: mcp.error ?? null,
    tools: mcp.tools.map((t) => t.name),
    call,
    log: mcp.log.slice(-40).map((l) => `${l.level}: ${l.message}`),
  };
  return h('main', null, h('h1', null, 'MCP web client'), h('p', { id: 'state' }, mcp.state), call && h('pre', { id: 'call' }, JSON.stringify(call).slice(0, 2000)));
}

if (location.pathname === '/oauth/callback') {
  onMcpAuthorization();
} else {
  const q = new URLSearchParams(location.search);
  createRoot(document.getElementById('root')).render(
    h(App, { server: q.get('server'), transport: q.get('transport') ?? 'auto', token: q.get('token') }),
  );
}
