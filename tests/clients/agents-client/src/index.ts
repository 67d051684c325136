// Test client for tests/e2e/agents-client.test.mjs: a Worker whose one Agent, Probe, drives
// the MCP client of npm's `agents` package (MCPClientManager through Agent.addMcpServer), as
// the Cloudflare AI Playground does in its Durable Object. Each Probe instance holds one server.
//
//   POST /agents/probe/<name>/connect  {url, transport?, headers?}  -> addMcpServer's answer
//   GET  /agents/probe/<name>/state     -> the server's state, transport, protocol version, tools
//   POST /agents/probe/<name>/call      {name, arguments}            -> the tools/call result
//   GET  /agents/probe/<name>/tokens    -> the OAuth tokens the Agent holds (so the test can
//                                          check that no log shows them; a test client only)
//   GET  /agents/probe/<name>/callback  the OAuth redirect: the Agent handles it itself
//   GET  /healthz                       -> 200 (the harness waits for it)
import { Agent, routeAgentRequest } from 'agents';

type Env = { Probe: DurableObjectNamespace };

export class Probe extends Agent<Env> {
  async onRequest(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = url.pathname.split('/').pop();
    try {
      if (route === 'connect' && request.method === 'POST') {
        const { url: target, transport = 'auto', headers } = await request.json<any>();
        const result = await this.addMcpServer('target', target, {
          callbackHost: url.origin,
          transport: { type: transport, headers },
        });
        return Response.json(result);
      }
      const [id, server] = Object.entries(this.getMcpServers().servers)[0] ?? [];
      if (!id) return Response.json({ error: 'no server: POST .../connect first' }, { status: 409 });
      const conn = this.mcp.mcpConnections[id];
      if (route === 'state') {
        return Response.json({
          id,
          state: server.state,
          error: server.error,
          authUrl: server.auth_url,
          transport: conn?.lastConnectedTransport ?? null,
          protocolVersion: conn?.client.getNegotiatedProtocolVersion() ?? null,
          era: conn?.client.getProtocolEra() ?? null,
          sessionId: conn?.sessionId ?? null,
          serverInfo: conn?.client.getServerVersion() ?? null,
          tools: this.mcp.listTools().map((t) => t.name),
        });
      }
      if (route === 'call' && request.method === 'POST') {
        const { name, arguments: args } = await request.json<any>();
        return Response.json(await this.mcp.callTool({ serverId: id, name, arguments: args }));
      }
      if (route === 'tokens') {
        return Response.json((await conn?.options.transport.authProvider?.tokens()) ?? null);
      }
      return Response.json({ error: `unknown route ${url.pathname}` }, { status: 404 });
    } catch (e: any) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === '/healthz') return Response.json({ ok: true });
    return (await routeAgentRequest(request, env)) ?? new Response('Not found', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
