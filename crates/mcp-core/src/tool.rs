//! The tool interface: a tool is one type implementing [`Tool`], usually in one file. The
//! dispatcher validates the arguments against the tool's input schema (filling in declared
//! defaults), then reads them into the tool's [`Tool::Args`], so `call` gets a typed
//! struct of the declared shape. [`crate::args::check_schema`] tests that a struct and its
//! schema agree.

use serde_json::{json, Map, Value};

use super::args::Arguments;
use super::context::{App, CallContext};
use super::exchange::BoxFuture;
use super::jsonrpc::RpcError;
use super::task::TaskSupport;
use super::version::ProtocolVersion;

/// How a tool describes itself in `tools/list`.
#[derive(Debug, Clone)]
pub struct ToolDefinition {
    /// `[A-Za-z0-9_.-]`, unique, 1–128 characters.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// A JSON Schema (2020-12) object schema for the arguments.
    pub input_schema: Value,
    /// A JSON Schema for `structuredContent`, when the tool returns structured output.
    pub output_schema: Option<Value>,
    pub annotations: Annotations,
}

/// Hints about a tool's behaviour. Clients treat them as untrusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// True when the tool reaches an open world (such as a public API) rather than a closed one.
    pub open_world: bool,
}

impl Annotations {
    /// A read-only tool that queries a world outside this server (such as an API).
    pub const REMOTE_READ: Annotations = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    };

    /// A read-only tool that touches nothing outside this server.
    pub const LOCAL_READ: Annotations = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
}

impl ToolDefinition {
    /// The definition for `tools/list` in `version`. A read-only tool's annotations say only
    /// that (`destructiveHint` and `idempotentHint` mean something only for tools that
    /// write), and the title goes in `annotations` only for revisions before 2025-06-18,
    /// which have no top-level `title`.
    pub fn to_json(&self, version: ProtocolVersion) -> Value {
        let mut annotations = Map::new();
        annotations.insert("readOnlyHint".into(), self.annotations.read_only.into());
        annotations.insert("openWorldHint".into(), self.annotations.open_world.into());
        if !self.annotations.read_only {
            annotations.insert(
                "destructiveHint".into(),
                self.annotations.destructive.into(),
            );
            annotations.insert("idempotentHint".into(), self.annotations.idempotent.into());
        }
        let mut tool = Map::new();
        tool.insert("name".into(), self.name.into());
        if version >= ProtocolVersion::V2025_06_18 {
            tool.insert("title".into(), self.title.into());
        } else {
            annotations.insert("title".into(), self.title.into());
        }
        tool.insert("description".into(), self.description.into());
        tool.insert("inputSchema".into(), self.input_schema.clone());
        tool.insert("annotations".into(), Value::Object(annotations));
        if let Some(schema) = &self.output_schema {
            tool.insert("outputSchema".into(), schema.clone());
        }
        Value::Object(tool)
    }
}

/// The result of a completed tool call (`CallToolResult`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    pub content: Vec<Value>,
    pub structured_content: Option<Value>,
    pub is_error: bool,
    /// The result's `_meta` (labels for the client), when it has any.
    pub meta: Option<Map<String, Value>>,
}

impl ToolResult {
    /// A plain text result.
    pub fn text(text: impl Into<String>) -> Self {
        ToolResult {
            content: vec![text_content(text)],
            structured_content: None,
            is_error: false,
            meta: None,
        }
    }

    /// A result made of the given content blocks.
    pub fn content(content: Vec<Value>) -> Self {
        ToolResult {
            content,
            structured_content: None,
            is_error: false,
            meta: None,
        }
    }

    /// Structured output, with `text` (the same values for the model) as its text block.
    pub fn structured(value: Value, text: String) -> Self {
        ToolResult {
            content: vec![text_content(text)],
            structured_content: Some(value),
            is_error: false,
            meta: None,
        }
    }

    /// A failed call, with a message a person can act on.
    pub fn error(message: impl Into<String>) -> Self {
        ToolResult {
            content: vec![text_content(message)],
            structured_content: None,
            is_error: true,
            meta: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut result = Map::new();
        result.insert("content".into(), json!(self.content));
        if let Some(structured) = &self.structured_content {
            result.insert("structuredContent".into(), structured.clone());
        }
        if self.is_error {
            result.insert("isError".into(), json!(true));
        }
        if let Some(meta) = &self.meta {
            result.insert("_meta".into(), Value::Object(meta.clone()));
        }
        Value::Object(result)
    }
}

/// A JSON literal without the whitespace between its tokens, made at compile time: the
/// source keeps its literals laid out for reading, the bundle stores them compact. Parsing
/// gives the same value either way.
#[macro_export]
macro_rules! compact_json {
    ($text:expr) => {{
        // Names no caller's constant is likely to have: items in a macro are not hygienic.
        const COMPACT_JSON_SOURCE: &str = $text;
        const COMPACT_JSON_LEN: usize = $crate::tool::compact_len(COMPACT_JSON_SOURCE);
        const COMPACT_JSON_BYTES: [u8; COMPACT_JSON_LEN] =
            $crate::tool::compact::<COMPACT_JSON_LEN>(COMPACT_JSON_SOURCE);
        const COMPACT_JSON: &str = match ::core::str::from_utf8(&COMPACT_JSON_BYTES) {
            Ok(text) => text,
            Err(_) => panic!("compact_json: not UTF-8"),
        };
        COMPACT_JSON
    }};
}

/// Whether [`compact`] keeps byte `i` of `text`: whitespace goes unless it is inside a string.
// Run by the compiler only (`compact_json!`): an index out of range is a build error.
#[allow(clippy::indexing_slicing)]
const fn kept(text: &[u8], i: usize, in_string: &mut bool, escaped: &mut bool) -> bool {
    let b = text[i];
    if *in_string {
        if *escaped {
            *escaped = false;
        } else if b == b'\\' {
            *escaped = true;
        } else if b == b'"' {
            *in_string = false;
        }
        true
    } else if b == b'"' {
        *in_string = true;
        true
    } else {
        !matches!(b, b' ' | b'\n' | b'\r' | b'\t')
    }
}

/// How long [`compact`] makes `text`.
pub const fn compact_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut n, mut in_string, mut escaped) = (0, 0, false, false);
    while i < bytes.len() {
        if kept(bytes, i, &mut in_string, &mut escaped) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// `text` without the whitespace outside its strings; `N` is [`compact_len`].
// Run by the compiler only (`compact_json!`): an index out of range is a build error.
#[allow(clippy::indexing_slicing)]
pub const fn compact<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut n, mut in_string, mut escaped) = (0, 0, false, false);
    while i < bytes.len() {
        if kept(bytes, i, &mut in_string, &mut escaped) {
            out[n] = bytes[i];
            n += 1;
        }
        i += 1;
    }
    out
}

/// Parses a JSON literal from the source (a schema or a fixed payload). Large literals cost
/// far less in the wasm bundle as text than as the code `json!` expands to. The literals are
/// checked by the unit tests, which build every tool's definition.
pub fn json_text(text: &'static str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("invalid JSON literal in the source: {e}"))
}

/// A call's result that needs no waiting, as a future. Cheaper than an `async` block with
/// no `.await` in it, which still compiles to a state machine (a poll and a drop) of its own;
/// the callers await the future at once, so the work done before it is returned is not early.
pub fn ready<'a>(
    result: Result<ToolResult, ToolError>,
) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
    Box::pin(std::future::ready(result))
}

/// A `text` content block.
pub fn text_content(text: impl Into<String>) -> Value {
    json!({ "type": "text", "text": text.into() })
}

/// Why a tool call did not complete normally.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolError {
    /// An argument is wrong; the message names it. Becomes an `isError` result.
    InvalidArgument(String),
    /// The work failed (an upstream said no, for example). Becomes an `isError` result.
    Failed(String),
    /// A protocol-level failure, answered as a JSON-RPC error.
    Protocol(RpcError),
    /// The thing asked for does not exist (a resource URI, for example).
    NotFound(String),
    /// 2026-07-28 only: the tool needs input from the client first. The value is the
    /// `InputRequiredResult` (its `inputRequests` and/or `requestState`).
    InputRequired(Value),
}

pub trait Tool<A: App> {
    /// The arguments: a struct declared with [`crate::arguments!`] whose fields are the
    /// input schema's properties (optional ones as `Option`, unless the schema gives a
    /// default).
    type Args: Arguments;

    fn definition(&self) -> ToolDefinition;

    /// Runs the tool with arguments that satisfy the input schema.
    fn call<'a>(
        &'a self,
        args: Self::Args,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>>;

    /// How the tool takes part in the Tasks extension (2026-07-28 only): by default it
    /// never runs as a task.
    fn tasks(&self) -> TaskSupport {
        TaskSupport::Forbidden
    }

    /// For a tool that may run as a task: whether this call is worth one (the server
    /// decides per request, e.g. by how much work the arguments ask for).
    fn wants_task(&self, _args: &Self::Args) -> bool {
        true
    }

    /// Before a task is created: input the call needs first, asked with
    /// [`CallContext::ask_client`] and answered synchronously (multi round-trip). A task's
    /// run sees those answers again (not the round's `requestState`), so it must use other
    /// keys for input it asks itself.
    fn preflight<'a>(
        &'a self,
        _context: &'a CallContext<'_, A>,
    ) -> BoxFuture<'a, Result<(), ToolError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

crate::arguments! {
    /// The arguments of a tool that takes none: `{}`, and nothing else.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct NoArguments {}
}

/// A tool as the server keeps it: its arguments still a JSON object, deserialised into the
/// tool's `Args` on each use. One small adapter per tool type; the dispatcher's code is
/// shared by all of them.
pub(crate) trait Registered<A: App> {
    fn definition(&self) -> ToolDefinition;

    fn tasks(&self) -> TaskSupport;

    fn call<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>>;

    /// `None` when the arguments do not deserialise (the call then fails with the reason).
    fn wants_task(&self, arguments: &Map<String, Value>) -> Option<bool>;

    fn preflight<'a>(
        &'a self,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<(), ToolError>>;
}

impl<A: App, T: Tool<A>> Registered<A> for T {
    fn definition(&self) -> ToolDefinition {
        Tool::definition(self)
    }

    fn tasks(&self) -> TaskSupport {
        Tool::tasks(self)
    }

    fn call<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        match T::Args::from_arguments(arguments) {
            Ok(args) => Tool::call(self, args, context),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }

    fn wants_task(&self, arguments: &Map<String, Value>) -> Option<bool> {
        // Never asked of a tool that never runs as a task; for those (most tools, whose
        // `tasks` is the default) this leaves no code.
        if Tool::tasks(self) == TaskSupport::Forbidden {
            return None;
        }
        let args = T::Args::from_arguments(arguments.clone()).ok()?;
        Some(Tool::wants_task(self, &args))
    }

    fn preflight<'a>(
        &'a self,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<(), ToolError>> {
        if Tool::tasks(self) == TaskSupport::Forbidden {
            return Box::pin(std::future::ready(Ok(())));
        }
        Tool::preflight(self, context)
    }
}

impl ToolError {
    /// 2026-07-28's -32021: the call needs a client capability that was not declared.
    pub fn missing_capability(capability: &str) -> Self {
        ToolError::Protocol(
            RpcError::new(
                super::jsonrpc::codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
                format!("Missing required client capability: {capability}"),
            )
            .with_data(json!({ "requiredCapabilities": { capability: {} } })),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact_json_drops_only_the_whitespace_between_tokens() {
        const TEXT: &str = r#"{
            "a b": [1, 2],  "c": "say \"x y\"\t\\ ",
            "d": { }
        }"#;
        assert_eq!(
            crate::compact_json!(TEXT),
            r#"{"a b":[1,2],"c":"say \"x y\"\t\\ ","d":{}}"#
        );
        assert_eq!(
            super::json_text(crate::compact_json!(TEXT)),
            super::json_text(TEXT)
        );
    }
}
