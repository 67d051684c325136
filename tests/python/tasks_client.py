"""The Tasks extension through the Python MCP SDK (PyPI `mcp` 2.3, protocol 2026-07-28).

usage: tasks_client.py URL

The SDK speaks the stateless 2026-07-28 wire, mirrors `x-mcp-header` arguments into
`Mcp-Param-*` headers, and resolves extension result shapes through a `ClientExtension`.
It ships no Tasks extension, so this file is one, written against the extension's spec
(ext-tasks, specification/draft/tasks.md): it declares `io.modelcontextprotocol/tasks`,
claims `resultType: "task"` results of `tools/call`, polls `tasks/get` (with `Mcp-Name`
set by the SDK) at the server's `pollIntervalMs`, answers `inputRequests` with
`tasks/update`, and returns the task's inlined result as the call's result.

Prints ONE JSON object on stdout:
  {"ok": true, "discover": {capabilities}, "slow": {...}, "confirm": {...}, "preflight": {...},
   "paged": {...}, "headers": {...}, "plain": {...}, "statuses": {...}}
On failure: {"ok": false, "error": "...", "type": "..."} and exit status 1.
"""
import asyncio
import json
import sys
import traceback
from typing import Any, Literal

from mcp.client import ClaimContext, Client, ClientExtension, ResultClaim
from mcp_types import CallToolResult, ElicitResult, Request, RequestParams, Result
from pydantic import ConfigDict

EXTENSION = "io.modelcontextprotocol/tasks"
MODERN = "2026-07-28"


class CreateTaskResult(Result):
    model_config = ConfigDict(extra="allow")
    result_type: Literal["task"]
    task_id: str
    status: str
    poll_interval_ms: int | None = None


class TaskResult(Result):
    """A `tasks/get` answer (a DetailedTask) or an acknowledgement."""

    model_config = ConfigDict(extra="allow")


class TaskIdParams(RequestParams):
    task_id: str


class UpdateParams(TaskIdParams):
    input_responses: dict[str, Any]


class GetTask(Request[TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    name_param = "taskId"


class UpdateTask(Request[UpdateParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    name_param = "taskId"


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """What this client's user answers: accept every form, with a name and a yes."""
    if request.get("method") != "elicitation/create":
        raise RuntimeError(f"unexpected input request {request.get('method')}")
    return {"action": "accept", "content": {"name": "Py", "confirm": True}}


class Tasks(ClientExtension):
    identifier = EXTENSION

    def __init__(self) -> None:
        self.statuses: dict[str, list[str]] = {}

    def claims(self):
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=self.resolve)]

    async def resolve(self, created: CreateTaskResult, ctx: ClaimContext) -> CallToolResult:
        seen = self.statuses.setdefault(ctx.tool_name, [created.status])
        interval = (created.poll_interval_ms or 1000) / 1000
        for _ in range(120):
            await asyncio.sleep(min(interval, 0.5))
            task = (await ctx.session.send_request(GetTask(params=TaskIdParams(task_id=created.task_id)), TaskResult)).model_dump(by_alias=True)
            if seen[-1] != task["status"]:
                seen.append(task["status"])
            if task["status"] == "input_required":
                responses = {key: answer(request) for key, request in task["inputRequests"].items()}
                params = UpdateParams(task_id=created.task_id, input_responses=responses)
                await ctx.session.send_request(UpdateTask(params=params), TaskResult)
            elif task["status"] == "completed":
                return CallToolResult.model_validate(task["result"])
            elif task["status"] in ("failed", "cancelled"):
                raise RuntimeError(f"task {task['status']}: {task.get('error')}")
        raise RuntimeError("the task did not finish in time")


async def elicit(_context, _params) -> ElicitResult:
    """Input asked before a task exists (multi round-trip) comes here."""
    return ElicitResult(action="accept", content={"name": "Py"})


def summary(result: CallToolResult) -> dict[str, Any]:
    text = "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")
    return {"isError": bool(result.is_error), "text": text, "structured": result.structured_content}


async def main(url: str) -> dict[str, Any]:
    tasks = Tasks()
    async with Client(url, mode=MODERN, extensions=[tasks], elicitation_callback=elicit) as client:
        discover = await client.session.send_discover(MODERN)
        await client.list_tools()  # the x-mcp-header annotations the SDK mirrors come from here
        slow = await client.call_tool("slow_compute", {"seconds": 1, "label": "py"})
        confirm = await client.call_tool("confirm_delete", {"filename": "py.txt"})
        preflight = await client.call_tool("test_tool_with_task", {})
        paged = await client.call_tool("searchGithubIssues", {"query": "repo:octocat/Hello-World", "perPage": 1, "maxPages": 3})
        headers = await client.call_tool("test_param_headers", {"region": "Hello, 世界", "count": 3, "dryRun": False})
    async with Client(url, mode=MODERN) as plain_client:
        plain = await plain_client.call_tool("slow_compute", {"seconds": 0, "label": "plain"})
    return {
        "ok": True,
        "discover": discover.get("capabilities"),
        "slow": summary(slow),
        "confirm": summary(confirm),
        "preflight": summary(preflight),
        "paged": summary(paged),
        "headers": summary(headers),
        "plain": summary(plain),
        "statuses": tasks.statuses,
    }


if __name__ == "__main__":
    try:
        print(json.dumps(asyncio.run(main(sys.argv[1])), default=str))
    except BaseException as e:  # noqa: BLE001 - report anything, as one JSON line
        print(json.dumps({"ok": False, "error": "".join(traceback.format_exception(e))[-3000:], "type": type(e).__name__}))
        sys.exit(1)
