//! The `conformance` toolset: the tools, resources and prompts that the official MCP
//! conformance suite's server scenarios call. **Test-only**: it is off unless
//! `MCP_TOOLSETS` names it, and it reaches nothing outside the server.
//!
//! The fixtures follow the suite's reference "everything server", and work in every era:
//! where a fixture needs input from the client, it asks through
//! [`CallContext::ask_client`](mcp_core::context::CallContext::ask_client), which sends a
//! request in the legacy era and returns an input-required result in 2026-07-28.

mod client_input;
mod content;
mod input_required;
mod prompts;
mod resources;
mod streaming;
mod tasks;

use serde_json::{json, Map, Value};

use mcp_core::exchange::BoxFuture;

use crate::app::{CallContext, GitHubApp, Server};
use mcp_core::tool::{Annotations, Tool, ToolDefinition, ToolError, ToolResult};

/// A 1×1 PNG.
pub const TEST_IMAGE_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A minimal WAV file.
pub const TEST_AUDIO_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

type Run = for<'a> fn(
    Map<String, Value>,
    &'a CallContext<'a>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>>;

/// A fixture tool: a name, a description, an input schema and a function.
#[derive(Clone, Copy)]
pub struct Fixture {
    name: &'static str,
    description: &'static str,
    input_schema: fn() -> Value,
    run: Run,
}

impl Tool<GitHubApp> for Fixture {
    /// The conformance suite's fixtures take what the suite sends: most of their schemas
    /// are open (no `additionalProperties: false`), so a struct refusing unknown fields
    /// would refuse calls the schema allows. They read the JSON object as it is.
    type Args = Map<String, Value>;

    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: self.name,
            title: self.name,
            description: self.description,
            input_schema: (self.input_schema)(),
            output_schema: None,
            annotations: Annotations::LOCAL_READ,
        }
    }

    fn call<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        (self.run)(arguments, context)
    }
}

/// The input schema of a fixture that takes no arguments.
fn no_arguments() -> Value {
    json!({ "type": "object", "properties": {} })
}

/// Adds every fixture to `server`, `test_simple_text` first (the suite calls the first
/// listed tool with no arguments).
pub fn register(server: &mut Server) {
    for fixture in content::FIXTURES
        .iter()
        .chain(streaming::FIXTURES)
        .chain(client_input::FIXTURES)
        .chain(input_required::FIXTURES)
    {
        server.add_tool(*fixture);
    }
    for fixture in tasks::FIXTURES {
        server.add_tool(*fixture);
    }
    server.add_resources(Box::new(resources::TestResources));
    for prompt in prompts::all() {
        server.add_prompt(prompt);
    }
}
