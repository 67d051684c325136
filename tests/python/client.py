"""Python MCP client (PyPI `mcp`, see requirements.txt) for the end-to-end tests.

usage: client.py URL {http|sse} [--header "Name: Value"]... [--timeout SECONDS] [--oauth]

--oauth signs in with the SDK's OAuthClientProvider (registration, PKCE): its redirect handler
plays the browser, submitting the server's consent form as a person would.

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

import html
import re
from urllib.parse import parse_qs, urljoin, urlparse

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
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


REDIRECT = "http://127.0.0.1:53685/callback"


class MemoryStorage(TokenStorage):
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client: OAuthClientInformationFull):
        self.client = client


def oauth_provider(server_url: str) -> OAuthClientProvider:
    """The browser: follows redirects with cookies, approves on the consent page, and
    stops at our redirect URI with the code."""
    captured: dict = {}

    async def redirect_handler(url: str) -> None:
        # Cookies are kept by hand: like browsers, and unlike http.cookiejar, we send
        # Secure cookies to loopback hosts over plain http.
        jar: dict = {}
        async with httpx2.AsyncClient(follow_redirects=False, timeout=15) as browser:
            method, data = "GET", None
            for _ in range(12):
                host = urlparse(url).netloc
                cookie = "; ".join(f"{k}={v}" for k, v in jar.get(host, {}).items())
                r = await browser.request(method, url, data=data, headers={"cookie": cookie} if cookie else {})
                browser.cookies.clear()
                for header in r.headers.get_list("set-cookie"):
                    name, _, value = header.split(";")[0].partition("=")
                    jar.setdefault(host, {})[name.strip()] = value.strip()
                if r.status_code in (301, 302, 303, 307, 308):
                    url, method, data = urljoin(url, r.headers["location"]), "GET", None
                    if url.startswith(REDIRECT):
                        captured.update({k: v[0] for k, v in parse_qs(urlparse(url).query).items()})
                        return
                    continue
                form = re.search(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', r.text, re.S)
                if r.status_code != 200 or not form:
                    raise RuntimeError(f"sign-in stopped at {url}: {r.status_code} {r.text[:200]}")
                fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"', form.group(2))}
                url, method, data = urljoin(url, html.unescape(form.group(1))), "POST", {**fields, "decision": "approve"}
        raise RuntimeError("sign-in did not finish")

    async def callback_handler() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=captured["code"], state=captured.get("state"), iss=captured.get("iss"))

    return OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="e2e Python client",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=MemoryStorage(),
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("transport", choices=["http", "sse"])
    p.add_argument("--header", action="append", default=[], help='"Name: Value"')
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--oauth", action="store_true")
    a = p.parse_args()
    auth = oauth_provider(a.url) if a.oauth else None
    headers = {}
    for h in a.header:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()

    async def run() -> dict:
        if a.transport == "sse":
            async with sse_client(a.url, headers=headers, timeout=a.timeout, auth=auth) as streams:
                return await session_flow(streams[0], streams[1])
        async with httpx2.AsyncClient(headers=headers, timeout=a.timeout, auth=auth) as http:
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
