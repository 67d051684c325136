//! Fixtures that need the client: sampling and elicitation (with the SEP-1034 defaults and
//! SEP-1330 enum shapes), and one that requires a capability the client may lack.

use serde_json::{json, Value};

use super::{add_all, no_arguments, Fixture, Fixtures};
use crate::app::CallContext;
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, NoArguments, ToolError, ToolResult};

pub fn add_to(fixtures: &mut impl Fixtures) {
    fixtures.add(Fixture {
        name: "test_sampling",
        description: "Asks the client's model to answer a prompt",
        input_schema: prompt_argument,
        run: sampling,
    });
    fixtures.add(Fixture {
        name: "test_elicitation",
        description: "Asks the user for a response through the client",
        input_schema: message_argument,
        run: elicitation,
    });
    add_all(fixtures, FIXTURES);
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "test_elicitation_sep1034_defaults",
        description: "Elicits a form whose fields have defaults (SEP-1034)",
        input_schema: no_arguments,
        run: elicitation_defaults,
    },
    Fixture {
        name: "test_elicitation_sep1330_enums",
        description: "Elicits a form with every enum shape (SEP-1330)",
        input_schema: no_arguments,
        run: elicitation_enums,
    },
    Fixture {
        name: "test_missing_capability",
        description: "Needs the client's sampling capability, and says so when it is missing",
        input_schema: no_arguments,
        run: missing_capability,
    },
];

fn prompt_argument() -> Value {
    json!({ "type": "object", "properties": { "prompt": { "type": "string", "description": "The prompt to send" } }, "additionalProperties": false })
}

fn message_argument() -> Value {
    json!({ "type": "object", "properties": { "message": { "type": "string", "description": "What to ask" } }, "additionalProperties": false })
}

mcp_core::arguments! {
    /// `test_sampling`'s arguments.
    struct PromptArgs {
        prompt: Option<String>,
    }
}

mcp_core::arguments! {
    /// `test_elicitation`'s arguments.
    struct MessageArgs {
        message: Option<String>,
    }
}

fn sampling<'a>(
    arguments: PromptArgs,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let prompt = arguments.prompt.as_deref().unwrap_or("Say hello.");
        let params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
            "maxTokens": 100
        });
        let answer = context
            .ask_client("sample", "sampling", "sampling/createMessage", params)
            .await?;
        let text = answer
            .pointer("/content/text")
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(ToolResult::text(format!("LLM response: {text}")))
    })
}

async fn elicit(
    context: &CallContext<'_>,
    params: Value,
    label: &str,
) -> Result<ToolResult, ToolError> {
    let answer = context
        .ask_client("form", "elicitation", "elicitation/create", params)
        .await?;
    let action = answer
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let content = answer.get("content").cloned().unwrap_or_else(|| json!({}));
    Ok(ToolResult::text(format!(
        "{label}: action={action}, content={content}"
    )))
}

fn elicitation<'a>(
    arguments: MessageArgs,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let message = arguments
            .message
            .as_deref()
            .unwrap_or("Please provide your information");
        let params = json!({
            "message": message,
            "requestedSchema": {
                "type": "object",
                "properties": { "response": { "type": "string", "description": "User's response" } },
                "required": ["response"]
            }
        });
        elicit(context, params, "User response").await
    })
}

fn elicitation_defaults<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let params = json_text(mcp_core::compact_json!(
            r#"{
            "message": "Please review and update the form fields with defaults",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "name": { "type": "string", "description": "User name", "default": "John Doe" },
                    "age": { "type": "integer", "description": "User age", "default": 30 },
                    "score": { "type": "number", "description": "User score", "default": 95.5 },
                    "status": { "type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active" },
                    "verified": { "type": "boolean", "description": "Verification status", "default": true }
                },
                "required": []
            }
        }"#
        ));

        elicit(context, params, "Elicitation completed").await
    })
}

fn elicitation_enums<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(async move {
        let params = json_text(mcp_core::compact_json!(
            r#"{
            "message": "Please select options from the enum fields",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "untitledSingle": { "type": "string", "description": "Select one option", "enum": ["option1", "option2", "option3"] },
                    "titledSingle": { "type": "string", "description": "Select one option with titles", "oneOf": [
                        { "const": "value1", "title": "First Option" },
                        { "const": "value2", "title": "Second Option" },
                        { "const": "value3", "title": "Third Option" }
                    ] },
                    "legacyEnum": { "type": "string", "description": "Select one option (legacy)", "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"] },
                    "untitledMulti": { "type": "array", "description": "Select multiple options", "minItems": 1, "maxItems": 3, "items": { "type": "string", "enum": ["option1", "option2", "option3"] } },
                    "titledMulti": { "type": "array", "description": "Select multiple options with titles", "minItems": 1, "maxItems": 3, "items": { "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" }
                    ] } }
                },
                "required": []
            }
        }"#
        ));

        elicit(context, params, "Elicitation completed").await
    })
}

fn missing_capability<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready((|| {
        if context.exchange.client_supports("sampling") {
            return Ok(ToolResult::text("Success"));
        }
        if context.exchange.version().is_modern() {
            return Err(ToolError::missing_capability("sampling"));
        }
        Err(ToolError::Failed(
            "This tool needs the client's sampling capability, which it did not declare.".into(),
        ))
    })())
}
