//! The README's "Adding a tool", compiled and run: an application of its own (no GitHub, no
//! Worker) with one tool, written against the core's API alone. The README shows the part
//! between the `README` markers, and the last test checks that it still does.

// README: begin
use mcp_core::context::{App, CallContext};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Annotations, Tool, ToolDefinition, ToolError, ToolResult};

/// The application, and what its tools are handed with each request.
pub struct Notebook;

pub struct Notes<'a> {
    pub notes: &'a [&'a str],
}

impl App for Notebook {
    type Context<'a> = Notes<'a>;

    fn reborrow<'s, 'l: 's>(notes: &'s Notes<'l>) -> &'s Notes<'s> {
        notes
    }
}

mcp_core::arguments! {
    /// `findNotes`' arguments: the input schema's properties, by name.
    pub struct FindArgs {
        pub text: String,
        pub limit: u32,
    }
}

pub struct FindNotes;

impl Tool<Notebook> for FindNotes {
    type Args = FindArgs;

    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "findNotes",
            title: "Find notes",
            description: "The notes that contain a text.",
            input_schema: json_text(
                r#"{
                    "type": "object",
                    "properties": {
                        "text": { "type": "string", "minLength": 1 },
                        "limit": { "type": "integer", "minimum": 1, "maximum": 50, "default": 10 }
                    },
                    "required": ["text"],
                    "additionalProperties": false
                }"#,
            ),
            output_schema: None,
            annotations: Annotations::LOCAL_READ,
        }
    }

    fn call<'a>(
        &'a self,
        args: FindArgs,
        context: &'a CallContext<'a, Notebook>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let notes = context.app.notes.iter().filter(|n| n.contains(&args.text));
            let found: Vec<&str> = notes.take(args.limit as usize).copied().collect();
            Ok(ToolResult::text(found.join("\n")))
        })
    }
}
// README: end

use futures_executor::block_on;
use mcp_core::args::check_schema;
use mcp_core::connection::Connection;
use mcp_core::exchange::SilentPeer;
use mcp_core::jsonrpc::{Request, RequestId, RpcError};
use mcp_core::request_state::StateSigner;
use mcp_core::server::{Scope, Server, ServerInfo};
use mcp_core::version::ProtocolVersion;
use serde_json::{json, Value};

fn server() -> Server<Notebook> {
    let info = ServerInfo {
        name: "notebook",
        title: "Notebook",
        version: "1.0.0",
    };
    let mut server = Server::new(info, None);
    server.add_tool(FindNotes);
    server
}

/// One 2025-11-25 request, answered by `server` for notes `notes`.
fn handle(server: &Server<Notebook>, method: &str, params: Value) -> Result<Value, RpcError> {
    let notes = Notes {
        notes: &["buy milk", "call the plumber", "milk the cow"],
    };
    let connection = Connection::default();
    let signer = StateSigner::new(b"key");
    let scope = Scope {
        version: ProtocolVersion::V2025_11_25,
        client_capabilities: json!({}),
        log_level: None,
        subject: "local",
        connection: &connection,
        app: &notes,
        peer: &SilentPeer,
        state_signer: &signer,
        now: 0,
        tasks: None,
    };
    let request = Request {
        id: RequestId::Number(1),
        method: method.into(),
        params: Some(params),
    };
    block_on(server.handle(&request, &scope)).response.outcome
}

#[test]
fn the_tool_is_listed_and_called_with_typed_arguments() {
    let server = server();
    let listed = handle(&server, "tools/list", json!({})).unwrap();
    assert_eq!(listed["tools"][0]["name"], "findNotes");
    assert_eq!(
        listed["tools"][0]["inputSchema"]["required"],
        json!(["text"])
    );
    let call = |arguments: Value| {
        let params = json!({ "name": "findNotes", "arguments": arguments });
        handle(&server, "tools/call", params).unwrap()
    };
    let found = call(json!({ "text": "milk" }));
    assert_eq!(found["content"][0]["text"], "buy milk\nmilk the cow");
    assert_eq!(
        call(json!({ "text": "milk", "limit": 1 }))["content"][0]["text"],
        "buy milk"
    );
    let refused = call(json!({ "text": "milk", "colour": "red" }));
    assert_eq!(refused["isError"], true);
    assert!(refused["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("unknown argument 'colour'"));
}

#[test]
fn the_struct_and_the_schema_agree() {
    let definition = FindNotes.definition();
    assert_eq!(
        check_schema::<FindArgs>(&definition.input_schema),
        Ok(vec![])
    );
}

#[test]
fn the_readme_shows_this_tool() {
    let this = include_str!("adding_a_tool.rs");
    let readme = include_str!("../../../README.md");
    let shown = this
        .split_once("// README: begin\n")
        .and_then(|(_, rest)| rest.split_once("// README: end"))
        .map(|(shown, _)| shown)
        .unwrap();
    assert!(
        readme.contains(shown),
        "README.md's \"Adding a tool\" must show crates/mcp-core/tests/adding_a_tool.rs between its README markers, as it is"
    );
}
