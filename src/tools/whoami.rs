//! `whoami`: who the server takes the caller to be, and whether GitHub calls carry a token.

use serde_json::json;

use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{
    json_text, Annotations, NoArguments, Tool, ToolDefinition, ToolError, ToolResult,
};

pub struct Whoami;

const OUTPUT_SCHEMA: &str = mcp_core::compact_json!(
    r#"{
    "type": "object",
    "properties": {
        "authMode": { "type": "string", "enum": ["oauth", "bearer", "none"] },
        "subject": { "type": "string" },
        "name": { "type": "string" },
        "githubAuthenticated": { "type": "boolean" },
        "protocolVersion": { "type": "string" }
    }
}"#
);

impl Tool<GitHubApp> for Whoami {
    type Args = NoArguments;

    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "whoami",
            title: "Who am I?",
            description:
                "Who this server takes you to be, and whether its GitHub calls carry a token.",
            input_schema: json_text(mcp_core::compact_json!(
                r#"{ "type": "object", "properties": {}, "additionalProperties": false }"#
            )),
            output_schema: Some(json_text(OUTPUT_SCHEMA)),
            annotations: Annotations::LOCAL_READ,
        }
    }

    fn call<'a>(
        &'a self,
        _args: NoArguments,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        mcp_core::tool::ready({
            let caller = context.app.caller;
            Ok(super::render::structured(json!({
                "authMode": caller.auth_mode.as_str(),
                "subject": caller.subject,
                "name": caller.display_name,
                "githubAuthenticated": context.app.github.is_authenticated(),
                "protocolVersion": context.exchange.version().as_str(),
            })))
        })
    }
}
