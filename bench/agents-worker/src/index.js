// Bench fixture (scripts/bench): the leanest MCP Worker on Cloudflare's current TypeScript
// stack, measured beside github-mcp-worker in the same run. Not part of the server.
//
// - POST /mcp: `createMcpHandler` from `agents/mcp/server` (agents 0.32, MCP TypeScript SDK v2,
//   stateless: no Durable Object, no session). A 2026-07-28 request is served by the SDK's
//   handler; any older request by agents' "legacy compatibility lane", a stateless Streamable
//   HTTP transport (no Mcp-Session-Id; tools/call needs no initialize first).
// - GET /healthz: the leanest route a JavaScript Worker has, answered before anything else:
//   the TypeScript floor that our own GET /healthz is compared with.
//
// One trivial tool, `whoami`, with a small structured result like ours.
import { McpServer } from '@modelcontextprotocol/server';
import { createMcpHandler } from 'agents/mcp/server';
import { z } from 'zod';

const INFO = { name: 'bench-agents-worker', version: '0.0.0' };

function server() {
  const s = new McpServer(INFO);
  s.registerTool(
    'whoami',
    {
      description: 'Who the caller is (bench fixture).',
      inputSchema: z.object({}),
      outputSchema: z.object({ authMode: z.string(), login: z.string() }),
    },
    async () => {
      const structuredContent = { authMode: 'none', login: 'local' };
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    },
  );
  return s;
}

const mcp = createMcpHandler(server);

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/healthz') {
      return Response.json({ ok: true, name: INFO.name, version: INFO.version });
    }
    return mcp(request, env, ctx);
  },
};
