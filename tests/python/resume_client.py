"""Python MCP client (PyPI `mcp`) calling a tool whose answer stream the test loses.

usage: resume_client.py URL LABEL

Connects to URL (Streamable HTTP; the test puts a proxy there that breaks the connection of
the call whose arguments carry LABEL), calls `slow_compute` for 3 seconds with a progress
callback, then `test_simple_text`, and prints ONE JSON object on stdout:
  {"ok": true, "protocolVersion": "...", "text": "...", "progress": [0.0, 1.0, 2.0], "after": "..."}
On failure: {"ok": false, "error": "...", "type": "..."} and exit status 1.
"""
import asyncio
import json
import sys
import traceback

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


def text_of(result) -> str:
    return "\n".join(c.text for c in (result.content or []) if getattr(c, "type", None) == "text")


async def main() -> int:
    url, label = sys.argv[1], sys.argv[2]
    progress = []

    async def on_progress(value, _total, _message):
        progress.append(value)

    try:
        async with httpx2.AsyncClient(timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    slow = await session.call_tool(
                        "slow_compute",
                        {"seconds": 3, "label": label},
                        read_timeout_seconds=30,
                        progress_callback=on_progress,
                    )
                    after = await session.call_tool("test_simple_text", {})
                    out = {
                        "ok": True,
                        "protocolVersion": init.protocol_version,
                        "text": text_of(slow),
                        "isError": bool(getattr(slow, "is_error", False)),
                        "progress": progress,
                        "after": text_of(after),
                    }
    except Exception as e:  # noqa: BLE001 - the test reads the failure from stdout
        print(json.dumps({"ok": False, "type": type(e).__name__, "error": str(e),
                          "trace": traceback.format_exc()[-2000:]}))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
