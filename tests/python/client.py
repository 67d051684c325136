"""Python MCP client (PyPI `mcp`, see requirements.txt) for the end-to-end tests.

usage: client.py URL {http|sse} [--header "Name: Value"]... [--timeout SECONDS]

Connects (initialize handshake), lists tools, calls getGithubReadme on octocat/Hello-World and on a
missing repository, and prints ONE JSON object on stdout:
  {"ok": true, "server": {...}, "protocolVersion": "...", "tools": [...],
   "readme": {"isError": bool, "text": "...", "structured": {...}},
   "missing": {"isError": bool, "text": "..."}}
On failure: {"ok": false, "error": "...", "type": "..."} and exit status 1.
"""
import argparse
import asyncio
import json
import sys
import traceback

import httpx2
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client


def text_of(result) -> str:
    return "\n".join(c.text for c in (result.content or []) if getattr(c, "type", None) == "text")


def call_summary(result) -> dict:
    return {
        "isError": bool(getattr(result, "is_error", False)),
        "text": text_of(result),
        "structured": getattr(result, "structured_content", None),
    }


async def session_flow(read, write) -> dict:
    async with ClientSession(read, write) as s:
        init = await s.initialize()
        tools = await s.list_tools()
        readme = await s.call_tool(
            "getGithubReadme", {"repositoryUrl": "https://github.com/octocat/Hello-World"}
        )
        missing = await s.call_tool("getGithubReadme", {"repositoryUrl": "octocat/does-not-exist"})
        return {
            "ok": True,
            "server": init.server_info.model_dump(mode="json"),
            "protocolVersion": init.protocol_version,
            "tools": [
                {"name": t.name, "inputSchema": t.input_schema} for t in tools.tools
            ],
            "readme": call_summary(readme),
            "missing": call_summary(missing),
        }


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("transport", choices=["http", "sse"])
    p.add_argument("--header", action="append", default=[], help='"Name: Value"')
    p.add_argument("--timeout", type=float, default=30.0)
    a = p.parse_args()
    headers = {}
    for h in a.header:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()

    async def run() -> dict:
        if a.transport == "sse":
            async with sse_client(a.url, headers=headers, timeout=a.timeout) as streams:
                return await session_flow(streams[0], streams[1])
        async with httpx2.AsyncClient(headers=headers, timeout=a.timeout) as http:
            async with streamable_http_client(a.url, http_client=http) as streams:
                return await session_flow(streams[0], streams[1])

    try:
        out = await asyncio.wait_for(run(), timeout=a.timeout * 3)
    except BaseException as e:  # noqa: BLE001 - report everything as JSON
        while isinstance(e, BaseExceptionGroup) and e.exceptions:
            e = e.exceptions[0]
        print(json.dumps({"ok": False, "type": type(e).__name__, "error": str(e),
                          "code": getattr(e, "code", None), "data": getattr(e, "data", None),
                          "trace": traceback.format_exception(e)[-5:]}, default=str))
        return 1
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
