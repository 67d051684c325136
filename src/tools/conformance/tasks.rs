//! Fixtures for the Tasks extension scenarios (`tasks-*`) and the custom-header scenario
//! (`http-custom-header-server-validation`), with the names and behaviour the suite's
//! reference server gives them. Which may run as a task: `slow_compute`, `confirm_delete`,
//! `multi_input` and `protocol_error_job` when the client declares the extension;
//! `failing_job` and `test_tool_with_task` only as tasks; `greet` and
//! `test_param_headers` never.

use serde_json::{json, Map, Value};

use super::input_required::{accepted, elicit_request};
use super::{no_arguments, Fixture, Fixtures, Run};
use crate::app::{CallContext, GitHubApp};
use mcp_core::args::Arguments;
use mcp_core::exchange::BoxFuture;
use mcp_core::jsonrpc::RpcError;
use mcp_core::task::TaskSupport;
use mcp_core::tool::{json_text, NoArguments, Tool, ToolDefinition, ToolError, ToolResult};

/// Input a fixture asks for before its task is created.
type Preflight = for<'a, 'c> fn(&'a CallContext<'c>) -> BoxFuture<'a, Result<(), ToolError>>;

/// A fixture that may run as a task.
pub struct TaskFixture<A: 'static = NoArguments> {
    fixture: Fixture<A>,
    tasks: TaskSupport,
    preflight: Option<Preflight>,
}

impl<A> TaskFixture<A> {
    #[cfg(test)]
    pub fn fixture(&self) -> &Fixture<A> {
        &self.fixture
    }
}

impl<A: Arguments + 'static> Tool<GitHubApp> for TaskFixture<A> {
    type Args = A;

    fn definition(&self) -> ToolDefinition {
        self.fixture.definition()
    }

    fn call<'a>(
        &'a self,
        arguments: A,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        self.fixture.call(arguments, context)
    }

    fn tasks(&self) -> TaskSupport {
        self.tasks
    }

    fn preflight<'a>(
        &'a self,
        context: &'a CallContext<'_>,
    ) -> BoxFuture<'a, Result<(), ToolError>> {
        match self.preflight {
            Some(preflight) => preflight(context),
            None => Box::pin(async { Ok(()) }),
        }
    }
}

const fn fixture<A>(
    name: &'static str,
    description: &'static str,
    input_schema: fn() -> Value,
    run: Run<A>,
    tasks: TaskSupport,
) -> TaskFixture<A> {
    TaskFixture {
        fixture: Fixture {
            name,
            description,
            input_schema,
            run,
        },
        tasks,
        preflight: None,
    }
}

pub fn add_to(fixtures: &mut impl Fixtures) {
    fixtures.add_task(fixture(
        "greet",
        "Greets someone; never a task",
        name_argument,
        greet,
        TaskSupport::Forbidden,
    ));
    fixtures.add_task(fixture(
        "slow_compute",
        "Works for `seconds` seconds (reporting each), then answers; a task for clients with the tasks extension",
        slow_arguments,
        slow_compute,
        TaskSupport::Optional,
    ));
    fixtures.add_task(fixture(
        "failing_job",
        "Fails after about a second with a tool error; only as a task",
        no_arguments,
        failing_job,
        TaskSupport::Required,
    ));
    fixtures.add_task(fixture(
        "protocol_error_job",
        "Fails with a JSON-RPC internal error",
        no_arguments,
        protocol_error_job,
        TaskSupport::Optional,
    ));
    fixtures.add_task(fixture(
        "confirm_delete",
        "Asks the user to confirm, then pretends to delete the file",
        filename_argument,
        confirm_delete,
        TaskSupport::Optional,
    ));
    fixtures.add_task(fixture(
        "multi_input",
        "Asks for a name and a confirmation at once, and takes them one at a time",
        no_arguments,
        multi_input,
        TaskSupport::Optional,
    ));
    fixtures.add_task(TaskFixture {
        preflight: Some(ask_name_first),
        ..fixture(
            "test_tool_with_task",
            "Asks the user's name before its task exists, then greets them from the task",
            no_arguments,
            greet_asked,
            TaskSupport::Required,
        )
    });
    fixtures.add_task(fixture(
        "test_param_headers",
        "Echoes a region that clients also send as the Mcp-Param-Region header",
        param_header_arguments,
        region,
        TaskSupport::Forbidden,
    ));
}

fn name_argument() -> Value {
    json_text(mcp_core::compact_json!(
        r#"{ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"],
          "additionalProperties": false }"#
    ))
}

fn filename_argument() -> Value {
    json_text(mcp_core::compact_json!(
        r#"{ "type": "object", "properties": { "filename": { "type": "string" } }, "required": ["filename"],
          "additionalProperties": false }"#
    ))
}

fn slow_arguments() -> Value {
    json_text(mcp_core::compact_json!(
        r#"{ "type": "object", "properties": {
            "seconds": { "type": "integer", "minimum": 0, "maximum": 120, "default": 0 },
            "label": { "type": "string", "maxLength": 200 } }, "additionalProperties": false }"#
    ))
}

fn param_header_arguments() -> Value {
    json_text(mcp_core::compact_json!(
        r#"{ "type": "object", "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
            "count": { "type": "integer", "x-mcp-header": "Count" },
            "dryRun": { "type": "boolean", "x-mcp-header": "DryRun" } },
          "required": ["region"], "additionalProperties": false }"#
    ))
}

mcp_core::arguments! {
    /// `greet`'s arguments.
    pub struct NameArgs {
        name: String,
    }
}

mcp_core::arguments! {
    /// `slow_compute`'s arguments.
    pub struct SlowArgs {
        seconds: u32,
        label: Option<String>,
    }
}

mcp_core::arguments! {
    /// `confirm_delete`'s arguments.
    pub struct FilenameArgs {
        filename: String,
    }
}

mcp_core::arguments! {
    /// `test_param_headers`' arguments, each also sent as an `Mcp-Param-*` header.
    pub struct ParamHeaderArgs {
        region: String,
        count: Option<i64>,
        dry_run as "dryRun": Option<bool>,
    }
}

/// Waits `seconds` (the Workers timer; on the host, not at all).
async fn sleep(seconds: u64) {
    #[cfg(target_arch = "wasm32")]
    worker::Delay::from(std::time::Duration::from_secs(seconds)).await;
    #[cfg(not(target_arch = "wasm32"))]
    let _ = seconds;
}

fn greet<'a>(
    arguments: NameArgs,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    let result = ToolResult::text(format!("Hello, {}!", arguments.name));
    mcp_core::tool::ready(Ok(result))
}

fn slow_compute<'a>(
    arguments: SlowArgs,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let seconds = u64::from(arguments.seconds);
        for done in 0..seconds {
            let message = format!("{done} of {seconds} seconds");
            context
                .exchange
                .progress(done as f64, Some(seconds as f64), Some(&message));
            sleep(1).await;
        }
        let label = arguments.label.unwrap_or_default();
        Ok(ToolResult::text(format!("computed {label} in {seconds}s")))
    })
}

fn failing_job<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        sleep(1).await;
        Ok(ToolResult::error(
            "failing_job failed on purpose (a tool error: the task completes with isError)",
        ))
    })
}

fn protocol_error_job<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready({
        Err(ToolError::Protocol(RpcError::internal(
            "protocol_error_job: a simulated internal failure",
        )))
    })
}

fn confirm_delete<'a>(
    arguments: FilenameArgs,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let filename = arguments.filename;
        let request = elicit_request(&format!("Delete {filename}?"), "confirm", "boolean");
        let params = request.get("params").cloned().unwrap_or_default();
        let answer = context
            .ask_client(
                "confirm_delete",
                "elicitation",
                "elicitation/create",
                params,
            )
            .await?;
        let confirmed = accepted(&answer, "confirm_delete", "confirm")? == Some(json!(true));
        Ok(ToolResult::text(if confirmed {
            format!("Deleted {filename} (pretend: this fixture deletes nothing)")
        } else {
            format!("Kept {filename}")
        }))
    })
}

/// Needs two answers; asks for whichever are still missing, all at once.
fn multi_input<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        let responses = context.input_responses()?.cloned().unwrap_or_default();
        let questions = [
            ("name", "What is your name?", "string"),
            ("confirm", "Continue?", "boolean"),
        ];
        let mut missing = Map::new();
        let mut answers = Vec::new();
        for (key, message, kind) in questions {
            match responses.get(key) {
                Some(answer) => answers.push(format!(
                    "{key}={}",
                    accepted(answer, key, key)?.unwrap_or_default()
                )),
                None => {
                    missing.insert(key.into(), elicit_request(message, key, kind));
                }
            }
        }
        if missing.is_empty() {
            return Ok(ToolResult::text(answers.join(", ")));
        }
        if !context.exchange.client_supports("elicitation") {
            return Err(ToolError::missing_capability("elicitation"));
        }
        Err(ToolError::InputRequired(
            json!({ "inputRequests": missing }),
        ))
    })())
}

/// The user's name, asked under the key `user_name`.
async fn asked_name(context: &CallContext<'_>) -> Result<String, ToolError> {
    let request = elicit_request("What is your name?", "name", "string");
    let params = request.get("params").cloned().unwrap_or_default();
    let answer = context
        .ask_client("user_name", "elicitation", "elicitation/create", params)
        .await?;
    Ok(match accepted(&answer, "user_name", "name")? {
        Some(Value::String(name)) => name,
        _ => "stranger".into(),
    })
}

fn ask_name_first<'a>(context: &'a CallContext<'_>) -> BoxFuture<'a, Result<(), ToolError>> {
    Box::pin(async move { asked_name(context).await.map(|_| ()) })
}

fn greet_asked<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        Ok(ToolResult::text(format!(
            "Hello, {}!",
            asked_name(context).await?
        )))
    })
}

fn region<'a>(
    arguments: ParamHeaderArgs,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    let ParamHeaderArgs {
        region,
        count,
        dry_run,
    } = arguments;
    let mut echoed = format!("region={region}");
    if let Some(count) = count {
        echoed.push_str(&format!(", count={count}"));
    }
    if let Some(dry_run) = dry_run {
        echoed.push_str(&format!(", dryRun={dry_run}"));
    }
    let result = ToolResult::text(echoed);
    mcp_core::tool::ready(Ok(result))
}
