// The official Tasks client (`@modelcontextprotocol/ext-tasks`) on the TypeScript SDK v2 client
// (`@modelcontextprotocol/client`), against the worker's Tasks extension (2026-07-28) over
// Streamable HTTP on /mcp with a bearer token (AUTH_MODE=bearer):
// - ext-tasks' `createTaskSessionFromClient`: `slow_compute` (progress as status messages, the
//   server's poll interval and lifetime), `confirm_delete` (input answered through the package's
//   `onInputRequest`, accepted and declined), input asked for in every place, `failing_job`,
//   `protocol_error_job`, a paging `searchGithubIssues`, tasks cancelled through the execution
//   and through the session, a task handed from one client to another (and refused to another
//   token); on 2025-11-25 the same package runs them synchronously;
// - `subscriptions/listen` through the client: list-change filters (this server changes no
//   list, so none is honoured and the stream ends), and task status notifications for a task
//   the ext-tasks session is driving, then a listen closed by the client.
// The package's 2026-07-28 path needs the host's `rawDispatch`: `taskDispatcher` in sdk-v2.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTaskSessionFromClient, resultFromTaskOutcome, JsonRpcResponseError, TaskCancelledError, TaskFailedError } from '@modelcontextprotocol/ext-tasks/client';
import { withTimeout, resultText, requestLines, waitForLines, parseSseText, sleep, HELLO_MARKER } from './harness.mjs';
import { MODERN, LEGACY, SUB, TTL_SECONDS, STEP_MS, CLIENT_INFO, ELICIT, WITH_TASKS, framed, taskViews, connect, taskDispatcher, startBearerWorker } from './sdk-v2.mjs';

describe('ext-tasks and subscriptions/listen on the TypeScript SDK v2 client, AUTH_MODE=bearer', () => {
  let gh, worker, token, otherToken, url, started;
  before(async () => {
    started = await startBearerWorker('ext-tasks');
    ({ gh, worker, token, otherToken, url } = started);
  });
  after(async () => {
    await started?.stop();
  });
  describe(`ext-tasks (createTaskSessionFromClient) on the Tasks extension, ${MODERN}`, () => {
    /** A pinned 2026-07-28 client and its ext-tasks session, with `as` (default: the suite's token). */
    async function tasksSession({ onInputRequest, capabilities = ELICIT, as = token } = {}) {
      const { client } = await connect(url, { token: as, negotiation: { mode: { pin: MODERN } }, capabilities });
      const dispatcher = taskDispatcher(url, as);
      const errors = [];
      const session = createTaskSessionFromClient(client, {
        endpointId: `mcpw-e2e-${worker.port}`,
        rawDispatch: dispatcher.dispatch,
        v2RequestFraming: { protocolVersion: MODERN, clientInfo: CLIENT_INFO, clientCapabilities: capabilities },
        ...(onInputRequest ? { onInputRequest } : {}),
        onError: (e) => errors.push(e),
      });
      return {
        client,
        session,
        sent: dispatcher.sent,
        errors,
        async close() {
          await session.close().catch(() => {});
          await client.close().catch(() => {});
        },
      };
    }

    test('slow_compute: a task, its progress as status messages, polled at the server\'s interval, completed', async () => {
      const s = await tasksSession();
      try {
        assert.deepEqual(s.session.capabilities, { inventory: 'known-handles', execution: true, cancellation: true, inputResponses: true, requestedRetention: false });
        const execution = await withTimeout(s.session.callTool('slow_compute', { seconds: 3, label: 'v2' }), STEP_MS, 'slow_compute');
        assert.equal(execution.kind, 'task');
        assert.match(execution.handle.taskId, /^[0-9a-f]{64}$/);
        assert.equal(execution.handle.operation, 'tools/call');
        const events = [];
        const { outcome, lastTask } = await withTimeout(execution.settle({ onEvent: (e) => events.push(e) }), STEP_MS, 'settle');
        assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
        assert.equal(resultText(resultFromTaskOutcome(outcome)), 'computed v2 in 3s');
        const tasks = taskViews(events);
        assert.ok(tasks.some((t) => t.status === 'working' && /of 3 seconds/.test(t.statusMessage ?? '')),
          `progress as the status message: ${tasks.map((t) => `${t.status} ${t.statusMessage ?? ''}`).join(' | ')}`);
        assert.equal(tasks.at(-1).status, 'completed');
        assert.equal(events.at(-1).type, 'outcome');
        assert.equal(lastTask.taskId, execution.handle.taskId);
        assert.equal(lastTask.retentionMs, TTL_SECONDS * 1000, 'ttlMs is TASK_TTL_SECONDS');
        assert.equal(lastTask.suggestedPollIntervalMs, 1000);
        // The wire: one tools/call, then tasks/get with Mcp-Name = the task id, at the
        // server's poll interval.
        assert.equal(s.sent[0].method, 'tools/call');
        assert.equal(s.sent[0].reply.result.resultType, 'task');
        const polls = s.sent.filter((r) => r.method === 'tasks/get');
        assert.ok(polls.length >= 2 && polls.length <= 6, `${polls.length} polls for a 3 s task`);
        for (const p of polls) {
          assert.equal(p.status, 200);
          assert.equal(p.mcpName, execution.handle.taskId, 'Mcp-Name is the task id');
        }
        for (let i = 1; i < polls.length; i++) {
          assert.ok(polls[i].at - polls[i - 1].at >= 900, `polls ${polls[i].at - polls[i - 1].at} ms apart`);
        }
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('confirm_delete: input_required answered through onInputRequest (accept, then decline)', async () => {
      const asked = [];
      let answer = { action: 'accept', content: { confirm: true } };
      const s = await tasksSession({
        onInputRequest: async (request, context) => {
          asked.push({ request, context });
          return answer;
        },
      });
      try {
        const accepted = await s.session.callTool('confirm_delete', { filename: 'v2.txt' });
        assert.equal(accepted.kind, 'task');
        const done = await withTimeout(accepted.settle(), STEP_MS, 'settle confirm_delete');
        assert.equal(done.outcome.status, 'completed', JSON.stringify(done.outcome));
        assert.equal(resultText(done.outcome.result), 'Deleted v2.txt (pretend: this fixture deletes nothing)');
        assert.equal(asked.length, 1);
        assert.equal(asked[0].request.kind, 'elicitation');
        assert.equal(asked[0].request.params.message, 'Delete v2.txt?');
        assert.deepEqual(asked[0].request.params.requestedSchema.required, ['confirm']);
        assert.equal(asked[0].context.scope, 'task');
        assert.equal(asked[0].context.delivery, 'task-update');
        assert.equal(asked[0].context.inputId, 'confirm_delete');
        assert.equal(asked[0].context.taskId, accepted.handle.taskId);
        const updates = s.sent.filter((r) => r.method === 'tasks/update');
        assert.equal(updates.length, 1);
        assert.equal(updates[0].status, 200);
        assert.equal(updates[0].reply.result.resultType, 'complete');

        answer = { action: 'decline' };
        const declined = await s.session.callTool('confirm_delete', { filename: 'kept.txt' });
        const kept = await withTimeout(declined.settle(), STEP_MS, 'settle declined');
        assert.equal(kept.outcome.status, 'completed');
        assert.equal(resultText(kept.outcome.result), 'Kept kept.txt');
        assert.equal(asked.length, 2);
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('input through onInputRequest in every place: two at once in a task, before a task exists, and roots, sampling and elicitation in one call', async () => {
      const asked = [];
      const s = await tasksSession({
        capabilities: { elicitation: {}, sampling: {}, roots: {} },
        onInputRequest: async (request, context) => {
          asked.push(`${context.scope}/${context.delivery}/${context.inputId}/${request.kind}`);
          if (request.kind === 'sampling') return { model: 'e2e', role: 'assistant', content: { type: 'text', text: 'forty-two' } };
          if (request.kind === 'roots') return { roots: [{ uri: 'file:///tmp/e2e' }] };
          const content = {};
          for (const [field, schema] of Object.entries(request.params.requestedSchema.properties)) content[field] = schema.type === 'boolean' ? true : 'Ada';
          return { action: 'accept', content };
        },
      });
      try {
        const both = await s.session.callTool('multi_input', {});
        assert.equal(both.kind, 'task');
        const done = await withTimeout(both.settle(), STEP_MS, 'settle multi_input');
        assert.equal(resultText(done.outcome.result), 'name="Ada", confirm=true');
        assert.deepEqual(asked.splice(0).sort(), ['task/task-update/confirm/elicitation', 'task/task-update/name/elicitation']);
        const updates = s.sent.filter((r) => r.method === 'tasks/update');
        assert.equal(updates.length, 1, 'both answers in one tasks/update');

        // test_tool_with_task asks before it creates its task (input_required on tools/call).
        const greeted = await s.session.callTool('test_tool_with_task', {});
        assert.deepEqual(asked.splice(0), ['request/request-retry/user_name/elicitation']);
        assert.equal(greeted.kind, 'task');
        assert.equal(resultText((await withTimeout(greeted.settle(), STEP_MS, 'settle test_tool_with_task')).outcome.result), 'Hello, Ada!');
        const calls = s.sent.filter((r) => r.name === 'test_tool_with_task');
        assert.deepEqual(calls.map((r) => r.reply.result.resultType), ['input_required', 'task']);

        const all = await s.session.callTool('test_input_required_result_multiple_inputs', {});
        assert.equal(all.kind, 'immediate');
        assert.equal(resultText((await all.settle()).outcome.result), 'Name: Ada; Greeting: forty-two; Roots: 1');
        assert.deepEqual(asked.splice(0).sort(), [
          'request/request-retry/client_roots/roots',
          'request/request-retry/greeting/sampling',
          'request/request-retry/user_name/elicitation',
        ]);
        assert.deepEqual(s.errors, []);
      } finally {
        await s.close();
      }
    });

    test('failing_job completes with isError; protocol_error_job fails with -32603 (TaskFailedError)', async () => {
      const s = await tasksSession();
      try {
        const failing = await s.session.callTool('failing_job', {});
        assert.equal(failing.kind, 'task');
        const failed = await withTimeout(failing.settle(), STEP_MS, 'settle failing_job');
        assert.equal(failed.outcome.status, 'completed', 'a tool error is a completed task');
        assert.equal(failed.outcome.result.isError, true);
        assert.match(resultText(failed.outcome.result), /failed on purpose/);

        const broken = await s.session.callTool('protocol_error_job', {});
        assert.equal(broken.kind, 'task');
        const error = await withTimeout(broken.settle(), STEP_MS, 'settle protocol_error_job');
        assert.equal(error.outcome.status, 'failed');
        assert.ok(error.outcome.error instanceof TaskFailedError);
        assert.equal(error.outcome.error.code, -32603);
        assert.match(error.outcome.error.message, /simulated internal failure/);
        assert.throws(() => resultFromTaskOutcome(error.outcome), TaskFailedError);
      } finally {
        await s.close();
      }
    });

    test('searchGithubIssues with maxPages runs as a task (one GitHub request per page); one page and a README do not', async () => {
      const s = await tasksSession();
      try {
        const n0 = gh.requests.filter((r) => r.path === '/search/issues').length;
        const paged = await s.session.callTool('searchGithubIssues', { query: 'repo:octocat/Hello-World is:issue', perPage: 1, maxPages: 3 });
        assert.equal(paged.kind, 'task');
        const done = await withTimeout(paged.settle(), STEP_MS, 'settle search');
        assert.equal(done.outcome.status, 'completed', JSON.stringify(done.outcome));
        assert.deepEqual(done.outcome.result.structuredContent.items.map((i) => i.number), [1, 2, 4]);
        assert.equal(done.outcome.result.structuredContent.hasMore, false);
        assert.equal(gh.requests.filter((r) => r.path === '/search/issues').length - n0, 3, 'one request per page');

        const one = await s.session.callTool('searchGithubIssues', { query: 'repo:octocat/Hello-World' });
        assert.equal(one.kind, 'immediate', 'one page is not worth a task');
        assert.equal((await one.settle()).outcome.status, 'completed');
        const readme = await s.session.callTool('getGithubReadme', { repositoryUrl: 'octocat/Hello-World' });
        assert.equal(readme.kind, 'immediate');
        assert.ok(resultText((await readme.settle()).outcome.result).includes(HELLO_MARKER));
      } finally {
        await s.close();
      }
    });

    test('tasks cancelled through the package: execution.cancel() and session.cancelTask(); they stay cancelled', async () => {
      const s = await tasksSession();
      try {
        const first = await s.session.callTool('slow_compute', { seconds: 60, label: 'cancel-me' });
        assert.equal(first.kind, 'task');
        await sleep(1_200);
        await withTimeout(first.cancel(), STEP_MS, 'execution.cancel');
        const settled = await withTimeout(first.settle(), STEP_MS, 'settle cancelled');
        assert.equal(settled.outcome.status, 'cancelled');
        assert.throws(() => resultFromTaskOutcome(settled.outcome), TaskCancelledError);
        const cancels = s.sent.filter((r) => r.method === 'tasks/cancel');
        assert.equal(cancels.length, 1);
        assert.equal(cancels[0].mcpName, first.handle.taskId);
        assert.equal(cancels[0].reply.result.resultType, 'complete');

        const second = await s.session.callTool('slow_compute', { seconds: 60, label: 'cancel-me-too' });
        await withTimeout(s.session.cancelTask(second.handle.taskId), STEP_MS, 'session.cancelTask');
        assert.equal((await withTimeout(second.settle(), STEP_MS, 'settle second')).outcome.status, 'cancelled');

        await sleep(2_000);
        for (const { handle } of [first, second]) {
          const view = await s.session.task(handle.taskId).snapshot();
          assert.equal(view.status, 'cancelled', 'the stopped run changed nothing');
          assert.equal(view.raw.result, undefined);
        }
      } finally {
        await s.close();
      }
    });

    // ext-tasks 0.2.2: `handoff()` detaches the execution, but the session keeps it among its
    // live executions until its local result settles, a few ticks later; a `session.close()`
    // in between cancels the handed-off task (`tasks/cancel` on the wire, seen while writing
    // this test: the resumed task then settled `cancelled`), because the execution's close()
    // cancels whatever has not settled locally. Awaiting the execution's result (the detached
    // execution's local outcome) before closing avoids it, as any user can.
    test('a task handed off by one client and resumed by another (handoff, resumeTask): the second answers its input', async () => {
      const first = await tasksSession();
      let reference;
      let taskId;
      try {
        const execution = await first.session.callTool('confirm_delete', { filename: 'handed.txt' });
        assert.equal(execution.kind, 'task');
        taskId = execution.handle.taskId;
        await execution.handoff((ref) => {
          reference = JSON.parse(JSON.stringify(ref));
        });
        await execution.result().catch(() => {});
      } finally {
        await first.close();
      }
      assert.deepEqual(reference, { endpointId: `mcpw-e2e-${worker.port}`, generation: 'v2', taskId, originalOperation: 'tools/call' });
      assert.deepEqual(first.sent.map((r) => r.method).filter((m) => m === 'tasks/cancel' || m === 'tasks/update'), [], 'the first client neither cancelled nor answered');

      // Another token cannot take it over: its lookup finds no task.
      const stranger = await tasksSession({ as: otherToken });
      try {
        await assert.rejects(stranger.session.resumeTask(reference), (e) => e instanceof JsonRpcResponseError && e.code === -32602);
        assert.equal(stranger.sent.at(-1).reply.error?.code, -32602, JSON.stringify(stranger.sent.at(-1)));
      } finally {
        await stranger.close();
      }

      const asked = [];
      const second = await tasksSession({
        onInputRequest: async (request, context) => {
          asked.push({ message: request.params.message, taskId: context.taskId });
          return { action: 'accept', content: { confirm: true } };
        },
      });
      try {
        const resumed = await second.session.resumeTask(reference);
        assert.equal(resumed.kind, 'task');
        assert.equal(resumed.handle.taskId, taskId);
        const { outcome } = await withTimeout(resumed.settle(), STEP_MS, 'settle resumed');
        assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
        assert.equal(resultText(outcome.result), 'Deleted handed.txt (pretend: this fixture deletes nothing)');
        assert.deepEqual(asked, [{ message: 'Delete handed.txt?', taskId }]);
        assert.equal(second.sent.filter((r) => r.method === 'tasks/update').length, 1);
      } finally {
        await second.close();
      }
    });

    test(`on ${LEGACY} the same package runs the task tools synchronously (no Tasks in a session)`, async () => {
      const { client } = await connect(url, { token, negotiation: { mode: 'legacy' }, capabilities: WITH_TASKS });
      const session = createTaskSessionFromClient(client, { endpointId: `mcpw-e2e-legacy-${worker.port}` });
      try {
        assert.equal(session.capabilities.execution, false, JSON.stringify(session.capabilities));
        const slow = await session.callTool('slow_compute', { seconds: 1, label: 'sync' });
        assert.equal(slow.kind, 'immediate');
        assert.equal(resultText((await slow.settle()).outcome.result), 'computed sync in 1s');
        const failing = await session.callTool('failing_job', {});
        assert.equal(failing.kind, 'immediate');
        assert.equal((await failing.settle()).outcome.result.isError, true);
      } finally {
        await session.close().catch(() => {});
        await client.close().catch(() => {});
      }
    });
  });

  describe(`subscriptions/listen through the v2 client (${MODERN})`, () => {
    test('list changes: the server declares none, so the client opens nothing; an explicit listen honours nothing and ends', async () => {
      const changed = [];
      const handler = (kind) => ({ onChanged: (error, items) => changed.push({ kind, error, items }) });
      const { client } = await connect(url, {
        token,
        negotiation: { mode: { pin: MODERN } },
        listChanged: { tools: handler('tools'), prompts: handler('prompts'), resources: handler('resources') },
      });
      try {
        const caps = client.getServerCapabilities();
        assert.equal(caps.tools.listChanged, false);
        assert.equal(caps.prompts.listChanged, false);
        assert.equal(caps.resources.listChanged, false);
        assert.equal(client.autoOpenedSubscription, undefined, 'nothing to listen for');
        const listens = requestLines(worker).filter((l) => l.method === 'subscriptions/listen').length;
        const sub = await withTimeout(client.listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }), STEP_MS, 'listen');
        assert.deepEqual(sub.honoredFilter, {}, 'no list kind honoured');
        assert.equal(await withTimeout(sub.closed, 10_000, 'the stream ends'), 'graceful');
        const lines = await waitForLines(worker, (ls) => ls.filter((l) => l.method === 'subscriptions/listen').length > listens);
        assert.equal(lines.filter((l) => l.method === 'subscriptions/listen').at(-1).httpStatus, 200);
        assert.deepEqual(changed, []);
      } finally {
        await client.close().catch(() => {});
      }
    });

    // The SDK's SubscriptionFilter knows only the core list kinds: `taskIds` (the Tasks
    // extension's) goes out as given, but `honoredFilter` drops it from the server's
    // acknowledgement. The wire is read here through the transport's `fetch`.
    test('task notifications for a task the ext-tasks session drives, then a listen the client closes', async () => {
      const acks = [];
      const recordingFetch = async (input, init) => {
        const response = await fetch(input, init);
        if (typeof init?.body === 'string' && init.body.includes('"subscriptions/listen"')) {
          const reader = response.clone().body.getReader();
          let text = '';
          for (let i = 0; i < 50 && !text.includes('\n\n'); i++) {
            const { value, done } = await reader.read();
            if (done) break;
            text += new TextDecoder().decode(value);
          }
          reader.cancel().catch(() => {});
          acks.push(JSON.parse(parseSseText(text).find((e) => e.data).data));
        }
        return response;
      };
      const notes = [];
      const { client } = await connect(url, { token, negotiation: { mode: { pin: MODERN } }, capabilities: WITH_TASKS, fetch: recordingFetch });
      client.fallbackNotificationHandler = async (n) => notes.push(n);
      const dispatcher = taskDispatcher(url, token);
      // The session parses each notifications/tasks with the package's V2 schema and reports
      // one it cannot read to onError.
      const errors = [];
      const session = createTaskSessionFromClient(client, {
        endpointId: `mcpw-e2e-listen-${worker.port}`,
        rawDispatch: dispatcher.dispatch,
        v2RequestFraming: { protocolVersion: MODERN, clientInfo: CLIENT_INFO, clientCapabilities: WITH_TASKS },
        onError: (e) => errors.push(e),
      });
      try {
        const execution = await session.callTool('slow_compute', { seconds: 3, label: 'listened' });
        const taskId = execution.handle.taskId;
        const sub = await withTimeout(client.listen({ taskIds: [taskId] }), STEP_MS, 'listen taskIds');
        assert.deepEqual(acks[0]?.params?.notifications, { taskIds: [taskId] }, `the server honours the task: ${JSON.stringify(acks[0])}`);
        const { outcome } = await withTimeout(execution.settle(), STEP_MS, 'settle');
        assert.equal(resultText(outcome.result), 'computed listened in 3s');
        assert.equal(await withTimeout(sub.closed, 10_000, 'the stream ends with its last task'), 'graceful');
        const mine = notes.filter((n) => n.method === 'notifications/tasks' && n.params.taskId === taskId);
        assert.ok(mine.length >= 2, `notifications: ${notes.map((n) => n.method).join(', ')}`);
        assert.equal(mine[0].params.status, 'working');
        assert.equal(mine.at(-1).params.status, 'completed');
        assert.equal(mine.at(-1).params.result.content[0].text, 'computed listened in 3s');
        for (const n of mine) assert.ok(n.params._meta?.[SUB] !== undefined, `each carries its subscription id: ${JSON.stringify(n.params._meta)}`);
        assert.ok(mine.some((n) => n.params.status === 'working' && /of 3 seconds/.test(n.params.statusMessage ?? '')),
          mine.map((n) => `${n.params.status} ${n.params.statusMessage ?? ''}`).join(' | '));
        assert.deepEqual(errors, [], 'every notification matched the package\'s schema');

        // A task waiting for input keeps its stream open until the client closes it; the
        // client's close reaches the worker as notifications/cancelled.
        const waiting = await dispatcher.dispatch({
          method: 'tools/call',
          params: framed({ name: 'confirm_delete', arguments: { filename: 'w.txt' } }),
        });
        const waitingId = waiting.result.taskId;
        assert.match(waitingId, /^[0-9a-f]{64}$/, JSON.stringify(waiting));
        const seen = notes.length;
        const open = await withTimeout(client.listen({ taskIds: [waitingId] }), STEP_MS, 'listen waiting');
        const deadline = Date.now() + 10_000;
        while (!notes.slice(seen).some((n) => n.params?.taskId === waitingId && n.params.status === 'input_required') && Date.now() < deadline) await sleep(100);
        assert.ok(notes.slice(seen).some((n) => n.params?.taskId === waitingId && n.params.status === 'input_required'), 'the waiting task is reported');
        const cancelled = requestLines(worker).filter((l) => l.method === 'notifications/cancelled').length;
        await open.close();
        assert.equal(await withTimeout(open.closed, 5_000, 'closed'), 'local');
        const lines = await waitForLines(worker, (ls) => ls.filter((l) => l.method === 'notifications/cancelled').length > cancelled);
        assert.equal(lines.filter((l) => l.method === 'notifications/cancelled').at(-1)?.httpStatus, 202);
        const cancel = await dispatcher.dispatch({ method: 'tasks/cancel', params: framed({ taskId: waitingId }) }, { context: { headers: { 'Mcp-Name': waitingId } } });
        assert.equal(cancel.kind, 'result', JSON.stringify(cancel));
      } finally {
        await session.close().catch(() => {});
        await client.close().catch(() => {});
      }
    });
  });
});
