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

use serde_json::{json, Value};

use mcp_core::args::Arguments;
use mcp_core::exchange::BoxFuture;

use crate::app::{CallContext, GitHubApp, Server};
use mcp_core::tool::{Annotations, NoArguments, Tool, ToolDefinition, ToolError, ToolResult};

pub use tasks::TaskFixture;

/// A 1×1 PNG.
pub const TEST_IMAGE_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A minimal WAV file.
pub const TEST_AUDIO_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

type Run<A> = for<'a> fn(A, &'a CallContext<'a>) -> BoxFuture<'a, Result<ToolResult, ToolError>>;

/// A fixture tool: a name, a description, an input schema, and a function of the typed
/// arguments `A` (an [`mcp_core::arguments!`] struct whose fields are the schema's
/// properties; `tests::every_fixtures_struct_matches_its_schema` holds the two together).
pub struct Fixture<A: 'static = NoArguments> {
    name: &'static str,
    description: &'static str,
    input_schema: fn() -> Value,
    run: Run<A>,
}

// By hand: derived, they would ask `A` to be `Copy` too, and a fixture only holds pointers.
impl<A> Clone for Fixture<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for Fixture<A> {}

impl<A: Arguments + 'static> Tool<GitHubApp> for Fixture<A> {
    type Args = A;

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
        arguments: A,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        (self.run)(arguments, context)
    }
}

/// Where each module puts its fixtures: the server, to serve them, or a test, to check each
/// fixture's struct against its schema. Generic over the arguments, so neither loses the
/// type.
pub trait Fixtures {
    fn add<A: Arguments + 'static>(&mut self, fixture: Fixture<A>);
    fn add_task<A: Arguments + 'static>(&mut self, fixture: TaskFixture<A>);
}

impl Fixtures for Server {
    fn add<A: Arguments + 'static>(&mut self, fixture: Fixture<A>) {
        self.add_tool(fixture);
    }

    fn add_task<A: Arguments + 'static>(&mut self, fixture: TaskFixture<A>) {
        self.add_tool(fixture);
    }
}

/// Adds each fixture of `list`, which take no arguments.
fn add_all(fixtures: &mut impl Fixtures, list: &[Fixture]) {
    for fixture in list {
        fixtures.add(*fixture);
    }
}

/// The input schema of a fixture that takes no arguments.
fn no_arguments() -> Value {
    json!({ "type": "object", "properties": {}, "additionalProperties": false })
}

/// Adds every fixture to `server`, `test_simple_text` first (the suite calls the first
/// listed tool with no arguments).
pub fn register(server: &mut Server) {
    add_fixtures(server);
    server.add_resources(Box::new(resources::TestResources));
    for prompt in prompts::all() {
        server.add_prompt(prompt);
    }
}

/// Every fixture tool, in the order they are listed.
fn add_fixtures(fixtures: &mut impl Fixtures) {
    content::add_to(fixtures);
    streaming::add_to(fixtures);
    client_input::add_to(fixtures);
    input_required::add_to(fixtures);
    tasks::add_to(fixtures);
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_core::args::check_schema;

    /// Checks each fixture as it is added; counts them.
    #[derive(Default)]
    struct Checker {
        checked: usize,
        failures: Vec<String>,
    }

    impl Checker {
        fn check<A: Arguments>(&mut self, name: &str, schema: fn() -> Value) {
            self.checked += 1;
            match check_schema::<A>(&schema()) {
                Ok(unused) if unused.is_empty() => {}
                Ok(unused) => self.failures.push(format!(
                    "{name}: the fields {unused:?} are not in the schema"
                )),
                Err(why) => self.failures.push(format!("{name}: {why}")),
            }
        }
    }

    impl Fixtures for Checker {
        fn add<A: Arguments + 'static>(&mut self, fixture: Fixture<A>) {
            self.check::<A>(fixture.name, fixture.input_schema);
        }

        fn add_task<A: Arguments + 'static>(&mut self, fixture: TaskFixture<A>) {
            let fixture = fixture.fixture();
            self.check::<A>(fixture.name, fixture.input_schema);
        }
    }

    #[test]
    fn every_fixtures_struct_matches_its_schema() {
        let mut checker = Checker::default();
        add_fixtures(&mut checker);
        assert!(checker.failures.is_empty(), "{:#?}", checker.failures);
        let config = crate::config::Config::from_lookup(|name| {
            (name == "MCP_TOOLSETS").then(|| "conformance".into())
        });
        let server = crate::tools::build_server(&config.unwrap());
        assert_eq!(checker.checked, server.tool_definitions().count());
    }
}
