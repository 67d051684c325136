//! Fixtures that return fixed content of each kind, and one that fails on purpose.

use serde_json::{json, Map, Value};

use super::{add_all, no_arguments, Fixture, Fixtures, TEST_AUDIO_BASE64, TEST_IMAGE_BASE64};
use crate::app::CallContext;
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, text_content, NoArguments, ToolError, ToolResult};
use mcp_core::version::ProtocolVersion;

pub fn add_to(fixtures: &mut impl Fixtures) {
    add_all(fixtures, FIXTURES);
    fixtures.add(Fixture {
        name: "json_schema_2020_12_tool",
        description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
        input_schema: schema_2020_12,
        run: echo_2020_12,
    });
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "test_simple_text",
        description: "Returns a simple text response",
        input_schema: no_arguments,
        run: simple_text,
    },
    Fixture {
        name: "test_image_content",
        description: "Returns an image (a 1x1 PNG)",
        input_schema: no_arguments,
        run: image,
    },
    Fixture {
        name: "test_audio_content",
        description: "Returns audio (a minimal WAV)",
        input_schema: no_arguments,
        run: audio,
    },
    Fixture {
        name: "test_embedded_resource",
        description: "Returns an embedded text resource",
        input_schema: no_arguments,
        run: embedded_resource,
    },
    Fixture {
        name: "test_multiple_content_types",
        description: "Returns text, an image and an embedded resource together",
        input_schema: no_arguments,
        run: multiple_content_types,
    },
    Fixture {
        name: "test_error_handling",
        description: "Always fails, to test how errors are reported",
        input_schema: no_arguments,
        run: error_handling,
    },
    Fixture {
        name: "test_reconnection",
        description: "Closes its event stream before it answers, where the client can resume the stream (Last-Event-ID); used by the SSE reconnection scenario",
        input_schema: no_arguments,
        run: reconnection,
    },
];

fn done(result: ToolResult) -> BoxFuture<'static, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready(Ok(result))
}

fn simple_text<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    done(ToolResult::text(
        "This is a simple text response for testing.",
    ))
}

fn image<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    done(ToolResult::content(vec![
        json!({ "type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png" }),
    ]))
}

/// Audio content arrived in 2025-03-26: a 2024-11-05 session gets the same bytes as an
/// embedded blob resource, a content type its revision has.
fn audio<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    if context.exchange.version() < ProtocolVersion::V2025_03_26 {
        return done(ToolResult::content(vec![json!({
            "type": "resource",
            "resource": { "uri": "test://audio.wav", "mimeType": "audio/wav", "blob": TEST_AUDIO_BASE64 }
        })]));
    }
    done(ToolResult::content(vec![
        json!({ "type": "audio", "data": TEST_AUDIO_BASE64, "mimeType": "audio/wav" }),
    ]))
}

fn embedded_resource<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    done(ToolResult::content(vec![json!({
        "type": "resource",
        "resource": { "uri": "test://embedded-resource", "mimeType": "text/plain", "text": "This is an embedded resource content." }
    })]))
}

fn multiple_content_types<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    done(ToolResult::content(vec![
        text_content("Multiple content types test:"),
        json!({ "type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png" }),
        json!({
            "type": "resource",
            "resource": { "uri": "test://mixed-content-resource", "mimeType": "application/json", "text": "{\"test\":\"data\",\"value\":123}" }
        }),
    ]))
}

fn error_handling<'a>(
    _: NoArguments,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    mcp_core::tool::ready(Err(ToolError::Failed(
        "This tool intentionally returns an error for testing".into(),
    )))
}

/// SEP-1699's polling: the stream is closed first, and the answer waits for the client to
/// come back for it with `Last-Event-ID`.
fn reconnection<'a>(
    _: NoArguments,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    context.exchange.close_stream();
    done(ToolResult::text(
        "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.",
    ))
}

fn schema_2020_12() -> Value {
    json_text(mcp_core::compact_json!(
        r##"{
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "address",
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false
    }"##
    ))
}

mcp_core::arguments! {
    /// `json_schema_2020_12_tool`'s arguments.
    struct ContactArgs {
        name: Option<String>,
        address: Option<Value>,
        contact_method as "contactMethod": Option<String>,
        phone: Option<String>,
        email: Option<String>,
    }
}

/// Echoes the arguments it was given, as JSON.
fn echo_2020_12<'a>(
    arguments: ContactArgs,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    let ContactArgs {
        name,
        address,
        contact_method,
        phone,
        email,
    } = arguments;
    let given: Map<String, Value> = [
        ("name", name.map(Value::from)),
        ("address", address),
        ("contactMethod", contact_method.map(Value::from)),
        ("phone", phone.map(Value::from)),
        ("email", email.map(Value::from)),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key.to_string(), value?)))
    .collect();
    done(ToolResult::text(format!(
        "JSON Schema 2020-12 tool called with: {}",
        Value::Object(given)
    )))
}
