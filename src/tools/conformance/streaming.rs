//! Fixtures that talk while they work: progress, log messages, and the 2026-07-28 probes
//! that check a server sends neither requests nor unrequested logs on a response stream.

use serde_json::{json, Value};

use super::{add_all, no_arguments, Fixture, Fixtures};
use crate::app::CallContext;
use mcp_core::exchange::{BoxFuture, LogLevel};
use mcp_core::tool::{NoArguments, ToolError, ToolResult};

pub fn add_to(fixtures: &mut impl Fixtures) {
    add_all(fixtures, FIXTURES);
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "test_tool_with_progress",
        description: "Reports progress three times, then returns the progress token",
        input_schema: no_arguments,
        run: with_progress,
    },
    Fixture {
        name: "test_tool_with_logging",
        description: "Sends three log messages while it runs",
        input_schema: no_arguments,
        run: with_logging,
    },
    Fixture {
        name: "test_logging_tool",
        description: "Logs only if the request asked for a log level",
        input_schema: no_arguments,
        run: logging_tool,
    },
    Fixture {
        name: "test_streaming_elicitation",
        description: "Asks the client for input while streaming",
        input_schema: no_arguments,
        run: streaming_elicitation,
    },
];

fn with_progress<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready({
        for step in [0u32, 50, 100] {
            let message = format!("Completed step {step} of 100");
            context
                .exchange
                .progress(f64::from(step), Some(100.0), Some(&message));
        }
        let token = context
            .request_params
            .get("_meta")
            .and_then(|m| m.get("progressToken"))
            .map(|t| match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        Ok(ToolResult::text(token))
    })
}

fn with_logging<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready({
        for text in [
            "Tool execution started",
            "Tool processing data",
            "Tool execution completed",
        ] {
            context
                .exchange
                .log(LogLevel::Info, "conformance", json!(text));
        }
        Ok(ToolResult::text("Tool with logging executed successfully"))
    })
}

fn logging_tool<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready({
        // Exchange::log sends nothing unless the client asked for this level.
        context
            .exchange
            .log(LogLevel::Info, "conformance", json!("Logging evaluated"));
        Ok(ToolResult::text("Logging evaluated"))
    })
}

fn streaming_elicitation<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let params = json!({
            "message": "Anything to add?",
            "requestedSchema": { "type": "object", "properties": { "note": { "type": "string" } } }
        });
        let answer = context
            .ask_client("note", "elicitation", "elicitation/create", params)
            .await?;
        Ok(ToolResult::text(format!("Streaming complete: {answer}")))
    })
}
