//! Fixtures for 2026-07-28 input-required results (MRTR): a call that first answers
//! "I need input", then completes when the client retries with `inputResponses` and the
//! signed `requestState` we gave it.

use serde_json::{json, Map, Value};

use super::{add_all, no_arguments, Fixture, Fixtures};
use crate::app::CallContext;
use mcp_core::exchange::BoxFuture;
use mcp_core::jsonrpc::RpcError;
use mcp_core::tool::{NoArguments, ToolError, ToolResult};

pub fn add_to(fixtures: &mut impl Fixtures) {
    add_all(fixtures, FIXTURES);
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "test_input_required_result_elicitation",
        description: "MRTR: asks for the user's name, then greets them",
        input_schema: no_arguments,
        run: elicitation,
    },
    Fixture {
        name: "test_input_required_result_sampling",
        description: "MRTR: asks the client's model a question",
        input_schema: no_arguments,
        run: sampling,
    },
    Fixture {
        name: "test_input_required_result_list_roots",
        description: "MRTR: asks for the client's roots",
        input_schema: no_arguments,
        run: list_roots,
    },
    Fixture {
        name: "test_input_required_result_request_state",
        description: "MRTR: asks for a confirmation and carries a signed requestState",
        input_schema: no_arguments,
        run: request_state,
    },
    Fixture {
        name: "test_input_required_result_multiple_inputs",
        description: "MRTR: asks for an elicitation, a sample and the roots at once",
        input_schema: no_arguments,
        run: multiple_inputs,
    },
    Fixture {
        name: "test_input_required_result_multi_round",
        description: "MRTR: asks two questions in two rounds",
        input_schema: no_arguments,
        run: multi_round,
    },
    Fixture {
        name: "test_input_required_result_tampered_state",
        description: "MRTR: refuses a requestState that was changed",
        input_schema: no_arguments,
        run: tampered_state,
    },
    Fixture {
        name: "test_input_required_result_capabilities",
        description: "MRTR: asks only for what the client declared it can provide",
        input_schema: no_arguments,
        run: capabilities,
    },
];

/// An `elicitation/create` request for a form of string (or boolean) fields.
pub fn elicit_request(message: &str, field: &str, kind: &str) -> Value {
    json!({
        "method": "elicitation/create",
        "params": {
            "message": message,
            "requestedSchema": { "type": "object", "properties": { field: { "type": kind } }, "required": [field] }
        }
    })
}

fn sample_request(text: &str, max_tokens: u32) -> Value {
    json!({
        "method": "sampling/createMessage",
        "params": { "messages": [{ "role": "user", "content": { "type": "text", "text": text } }], "maxTokens": max_tokens }
    })
}

fn roots_request() -> Value {
    json!({ "method": "roots/list", "params": {} })
}

fn invalid(why: String) -> ToolError {
    ToolError::Protocol(RpcError::invalid_params(why))
}

/// The `field` of an accepted elicitation, `None` if the user declined.
pub fn accepted(answer: &Value, key: &str, field: &str) -> Result<Option<Value>, ToolError> {
    let action = answer
        .get("action")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(format!(
                "inputResponses.{key} must be an elicitation result: an object with an action"
            ))
        })?;
    if action != "accept" {
        return Ok(None);
    }
    let value = answer
        .get("content")
        .and_then(|c| c.get(field))
        .ok_or_else(|| {
            invalid(format!(
                "inputResponses.{key} accepts, but its content has no '{field}'"
            ))
        })?;
    Ok(Some(value.clone()))
}

fn sampled_text(answer: &Value, key: &str) -> Result<String, ToolError> {
    answer
        .pointer("/content/text")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            invalid(format!(
                "inputResponses.{key} must be a sampling result with text content"
            ))
        })
}

fn root_count(answer: &Value, key: &str) -> Result<usize, ToolError> {
    answer
        .get("roots")
        .and_then(Value::as_array)
        .map(Vec::len)
        .ok_or_else(|| {
            invalid(format!(
                "inputResponses.{key} must be a roots result with a roots array"
            ))
        })
}

fn text_of(value: Option<Value>) -> String {
    match value {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => "(declined)".into(),
    }
}

/// Ends the call asking for `requests`, with a sealed state if `state` is given.
fn ask(context: &CallContext<'_>, requests: Value, state: Option<Value>) -> ToolError {
    let mut result = Map::new();
    result.insert("inputRequests".into(), requests);
    if let Some(state) = state {
        let sealed = context
            .state_signer
            .seal(&context.app.caller.subject, context.now, state);
        result.insert("requestState".into(), json!(sealed));
    }
    ToolError::InputRequired(Value::Object(result))
}

/// The retry's answers and its verified state (`None` on a first call).
fn retry(context: &CallContext<'_>) -> Result<(Map<String, Value>, Option<Value>), ToolError> {
    let responses = context.input_responses()?.cloned().unwrap_or_default();
    let state = match context.request_state()? {
        Some(state) => Some(
            context
                .state_signer
                .open(&context.app.caller.subject, context.now, state)
                .map_err(ToolError::Protocol)?,
        ),
        None => None,
    };
    Ok((responses, state))
}

fn elicitation<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let request = elicit_request("What is your name?", "name", "string");
        let answer = context
            .ask_client(
                "user_name",
                "elicitation",
                "elicitation/create",
                request.get("params").cloned().unwrap_or_default(),
            )
            .await?;
        let name = accepted(&answer, "user_name", "name")?;
        Ok(ToolResult::text(format!("Hello, {}!", text_of(name))))
    })
}

fn sampling<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let request = sample_request("What is the capital of France?", 100);
        let answer = context
            .ask_client(
                "sample_request",
                "sampling",
                "sampling/createMessage",
                request.get("params").cloned().unwrap_or_default(),
            )
            .await?;
        Ok(ToolResult::text(format!(
            "Sampling result: {}",
            sampled_text(&answer, "sample_request")?
        )))
    })
}

fn list_roots<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let answer = context
            .ask_client("roots_request", "roots", "roots/list", json!({}))
            .await?;
        Ok(ToolResult::text(format!(
            "Found {} root(s)",
            root_count(&answer, "roots_request")?
        )))
    })
}

/// One confirmation round carried by a signed state; `done` is the completed text.
fn confirm_with_state<'a>(
    context: &'a CallContext<'a>,
    tool: &'static str,
    done: &'static str,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        let (responses, state) = retry(context)?;
        match (state, responses.get("confirm")) {
            (Some(state), Some(answer))
                if state.get("tool").and_then(Value::as_str) == Some(tool) =>
            {
                accepted(answer, "confirm", "ok")?;
                Ok(ToolResult::text(done))
            }
            (Some(_), Some(_)) => Err(invalid("requestState belongs to another tool".into())),
            _ => Err(ask(
                context,
                json!({ "confirm": elicit_request("Please confirm", "ok", "boolean") }),
                Some(json!({ "tool": tool })),
            )),
        }
    })())
}

fn request_state<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    confirm_with_state(context, "request_state", "state-ok: requestState validated")
}

fn tampered_state<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    confirm_with_state(context, "tampered_state", "integrity-ok: state verified")
}

fn multiple_inputs<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        let (responses, state) = retry(context)?;
        let answers = (
            responses.get("user_name"),
            responses.get("greeting"),
            responses.get("client_roots"),
        );
        if let (Some(_), (Some(name), Some(greeting), Some(roots))) = (&state, answers) {
            return Ok(ToolResult::text(format!(
                "Name: {}; Greeting: {}; Roots: {}",
                text_of(accepted(name, "user_name", "name")?),
                sampled_text(greeting, "greeting")?,
                root_count(roots, "client_roots")?
            )));
        }
        Err(ask(
            context,
            json!({
                "user_name": elicit_request("What is your name?", "name", "string"),
                "greeting": sample_request("Generate a greeting", 50),
                "client_roots": roots_request()
            }),
            Some(json!({ "tool": "multiple_inputs" })),
        ))
    })())
}

fn multi_round<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        let (responses, state) = retry(context)?;
        let round = state
            .as_ref()
            .and_then(|s| s.get("round"))
            .and_then(Value::as_u64);
        match (round, responses.get("step1"), responses.get("step2")) {
            (Some(1), Some(answer), _) => {
                let name = text_of(accepted(answer, "step1", "name")?);
                Err(ask(
                    context,
                    json!({ "step2": elicit_request("Step 2: What is your favorite color?", "color", "string") }),
                    Some(json!({ "tool": "multi_round", "round": 2, "name": name })),
                ))
            }
            (Some(2), _, Some(answer)) => {
                let name = state
                    .as_ref()
                    .and_then(|s| s.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or("someone");
                let color = text_of(accepted(answer, "step2", "color")?);
                Ok(ToolResult::text(format!(
                    "Multi-round complete for {name} who likes {color}"
                )))
            }
            _ => Err(ask(
                context,
                json!({ "step1": elicit_request("Step 1: What is your name?", "name", "string") }),
                Some(json!({ "tool": "multi_round", "round": 1 })),
            )),
        }
    })())
}

fn capabilities<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        let (responses, state) = retry(context)?;
        if state.is_some() && !responses.is_empty() {
            let keys: Vec<&str> = responses.keys().map(String::as_str).collect();
            return Ok(ToolResult::text(format!(
                "capabilities-ok: received {}",
                keys.join(", ")
            )));
        }
        let mut requests = Map::new();
        if context.exchange.client_supports("elicitation") {
            requests.insert(
                "elicit_input".into(),
                elicit_request("Elicitation input", "value", "string"),
            );
        }
        if context.exchange.client_supports("sampling") {
            requests.insert("sample_input".into(), sample_request("Sample request", 50));
        }
        if context.exchange.client_supports("roots") {
            requests.insert("roots_input".into(), roots_request());
        }
        if requests.is_empty() {
            return Ok(ToolResult::text("No supported capabilities declared"));
        }
        Err(ask(
            context,
            Value::Object(requests),
            Some(json!({ "tool": "capabilities" })),
        ))
    })())
}
