//! The dispatcher: one [`Server`] holds the tools, resources and prompts, and answers each
//! request by method. Transports decide the era and hand in a [`Scope`]; the dispatcher
//! does the rest, the same way for every transport.

use serde_json::{json, Map, Value};

use super::connection::Connection;
use super::context::{App, CallContext};
use super::exchange::{Exchange, LogLevel, Peer};
use super::jsonrpc::{codes, echoed, Request, Response, RpcError};
use super::lifecycle::SessionEffect;
use super::prompt::{Prompt, PromptDefinition};
use super::request_state::StateSigner;
use super::resource::ResourceProvider;
use super::schema::validate_arguments;
use super::task::{self, TaskHost, TaskSupport};
use super::tool::{Registered, Tool, ToolDefinition, ToolError};
use super::version::ProtocolVersion;

mod prompts;
mod tasks;

/// Who we are, as `serverInfo` says.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub version: &'static str,
}

impl ServerInfo {
    pub fn to_json(&self) -> Value {
        json!({ "name": self.name, "title": self.title, "version": self.version })
    }
}

/// What the client declared for a request: in its session (legacy) or in its `_meta`,
/// and by the URL and headers it connected with.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub version: ProtocolVersion,
    pub client_capabilities: Value,
    pub log_level: Option<LogLevel>,
    pub connection: Connection,
}

/// What one request runs with: the revision, what the client declared, who calls, and the
/// application's context.
pub struct Scope<'a, A: App> {
    pub version: ProtocolVersion,
    pub client_capabilities: Value,
    pub log_level: Option<LogLevel>,
    /// Who is calling, as a key: `requestState` and tasks are bound to it.
    pub subject: &'a str,
    /// What the connection asked to be offered.
    pub connection: &'a Connection,
    /// The application's context, handed to its tools, resources and prompts.
    pub app: &'a A::Context<'a>,
    pub peer: &'a dyn Peer,
    pub state_signer: &'a StateSigner,
    /// Seconds since the epoch.
    pub now: i64,
    /// Where 2026-07-28 tasks live; `None` in the legacy era and inside a task's run.
    pub tasks: Option<&'a dyn TaskHost>,
}

/// A finished request: the response, and a change to the session if the request made one.
#[derive(Debug)]
pub struct Handled {
    pub response: Response,
    pub effect: Option<SessionEffect>,
}

/// A method's own outcome before it is wrapped in a response.
enum Outcome {
    Complete(Value),
    InputRequired(Value),
    /// A task was created: the `CreateTaskResult`.
    Task(Value),
}

pub struct Server<A: App> {
    info: ServerInfo,
    instructions: Option<String>,
    tools: Vec<(ToolDefinition, Box<dyn Registered<A>>)>,
    resources: Vec<Box<dyn ResourceProvider<A>>>,
    prompts: Vec<(PromptDefinition, Box<dyn Prompt<A>>)>,
    /// The group (toolset) of each tool, prompt and resource scheme, by name.
    groups: Vec<(&'static str, String)>,
    group: &'static str,
}

impl<A: App> Server<A> {
    pub fn new(info: ServerInfo, instructions: Option<String>) -> Self {
        Server {
            info,
            instructions,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            groups: Vec::new(),
            group: "",
        }
    }

    /// Puts what is added next in `group` (a toolset).
    pub fn set_group(&mut self, group: &'static str) {
        self.group = group;
    }

    /// The names of the tools and prompts, and the resource schemes, in `group`.
    pub fn group_members(&self, group: &str) -> impl Iterator<Item = &str> {
        let group = group.to_string();
        self.groups
            .iter()
            .filter(move |(g, _)| *g == group)
            .map(|(_, name)| name.as_str())
    }

    pub fn add_tool<T: Tool<A> + 'static>(&mut self, tool: T) {
        self.register(Box::new(tool));
    }

    /// The shared part of [`Server::add_tool`], compiled once.
    fn register(&mut self, tool: Box<dyn Registered<A>>) {
        let definition = tool.definition();
        debug_assert!(
            self.tool(definition.name).is_none(),
            "two tools are named {}",
            definition.name
        );
        self.groups.push((self.group, definition.name.to_string()));
        self.tools.push((definition, tool));
    }

    pub fn add_resources(&mut self, provider: Box<dyn ResourceProvider<A>>) {
        self.groups
            .push((self.group, provider.scheme().to_string()));
        self.resources.push(provider);
    }

    pub fn add_prompt(&mut self, prompt: Box<dyn Prompt<A>>) {
        let definition = prompt.definition();
        self.groups.push((self.group, definition.name.to_string()));
        self.prompts.push((definition, prompt));
    }

    pub fn info(&self) -> &ServerInfo {
        &self.info
    }

    pub fn instructions(&self) -> Option<&str> {
        self.instructions.as_deref()
    }

    pub fn tool_definitions(&self) -> impl Iterator<Item = &ToolDefinition> {
        self.tools.iter().map(|(d, _)| d)
    }

    /// Whether a tool of that name is registered.
    pub fn has_tool(&self, name: &str) -> bool {
        self.tool(name).is_some()
    }

    fn tool(&self, name: &str) -> Option<&(ToolDefinition, Box<dyn Registered<A>>)> {
        self.tools.iter().find(|(d, _)| d.name == name)
    }

    /// The resource providers `connection` is offered.
    fn resources<'s>(
        &'s self,
        connection: &'s Connection,
    ) -> impl Iterator<Item = &'s dyn ResourceProvider<A>> + 's {
        self.resources
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| connection.offers(p.scheme()))
    }

    /// The prompts `connection` is offered.
    fn prompts<'s>(
        &'s self,
        connection: &'s Connection,
    ) -> impl Iterator<Item = &'s (PromptDefinition, Box<dyn Prompt<A>>)> + 's {
        self.prompts
            .iter()
            .filter(|(d, _)| connection.offers(d.name))
    }

    /// The capabilities we declare: only what is registered and offered.
    pub fn capabilities(&self, version: ProtocolVersion, connection: &Connection) -> Value {
        let mut capabilities = Map::new();
        capabilities.insert("tools".into(), json!({ "listChanged": false }));
        if self.resources(connection).next().is_some() {
            let resources = if version.is_modern() {
                json!({ "listChanged": false })
            } else {
                json!({ "subscribe": true, "listChanged": false })
            };
            capabilities.insert("resources".into(), resources);
        }
        if self.prompts(connection).next().is_some() {
            capabilities.insert("prompts".into(), json!({ "listChanged": false }));
        }
        if !version.is_modern() {
            capabilities.insert("logging".into(), json!({}));
        }
        if version >= ProtocolVersion::V2025_03_26 {
            capabilities.insert("completions".into(), json!({}));
        }
        if version.is_modern() && self.offers_tasks(connection) {
            capabilities.insert("extensions".into(), json!({ task::EXTENSION: {} }));
        }
        Value::Object(capabilities)
    }

    /// Answers `initialize`: the negotiated version, and the result to send.
    pub fn initialize(
        &self,
        request: &Request,
        connection: &Connection,
    ) -> Result<(ProtocolVersion, Value), RpcError> {
        let params = request.params_object()?;
        let Some(requested) = params.get("protocolVersion").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "initialize needs params.protocolVersion (a string such as \"2025-11-25\")",
            ));
        };
        let version = ProtocolVersion::negotiate(Some(requested));
        let mut result = Map::new();
        result.insert("protocolVersion".into(), json!(version));
        result.insert(
            "capabilities".into(),
            self.capabilities(version, connection),
        );
        result.insert("serverInfo".into(), self.info.to_json());
        if let Some(instructions) = &self.instructions {
            result.insert("instructions".into(), json!(instructions));
        }
        Ok((version, Value::Object(result)))
    }

    /// Answers one request (anything but `initialize`, which the transport routes to
    /// [`Server::initialize`] because it creates the session).
    pub async fn handle(&self, request: &Request, scope: &Scope<'_, A>) -> Handled {
        let mut effect = None;
        let outcome = self.dispatch(request, scope, &mut effect).await;
        let outcome = outcome.map(|outcome| match outcome {
            Outcome::Complete(value) if scope.version.is_modern() => {
                with_result_type(value, "complete")
            }
            Outcome::Complete(value) => value,
            Outcome::InputRequired(value) => with_result_type(value, "input_required"),
            Outcome::Task(value) => with_result_type(value, "task"),
        });
        Handled {
            response: Response {
                id: Some(request.id.clone()),
                outcome,
            },
            effect,
        }
    }

    async fn dispatch(
        &self,
        request: &Request,
        scope: &Scope<'_, A>,
        effect: &mut Option<SessionEffect>,
    ) -> Result<Outcome, RpcError> {
        let params = request.params_object()?;
        let legacy = !scope.version.is_modern();
        let complete = Outcome::Complete;
        let connection = scope.connection;
        let has_resources = self.resources(connection).next().is_some();
        let has_prompts = self.prompts(connection).next().is_some();
        match request.method.as_str() {
            "initialize" if legacy => Err(RpcError::invalid_request(
                "this session is already initialized; start a new session to initialize again",
            )),
            "ping" if legacy => Ok(complete(json!({}))),
            "tools/list" => {
                reject_cursor(&params)?;
                let tools: Vec<Value> = self
                    .tool_definitions()
                    .filter(|d| connection.offers(d.name))
                    .map(|d| d.to_json(scope.version))
                    .collect();
                Ok(complete(json!({ "tools": tools })))
            }
            "tools/call" => self.call_tool(&params, scope).await,
            "resources/list" if has_resources => {
                reject_cursor(&params)?;
                let resources: Vec<Value> = self
                    .resources(connection)
                    .flat_map(|p| p.resources())
                    .collect();
                Ok(complete(json!({ "resources": resources })))
            }
            "resources/templates/list" if has_resources => {
                reject_cursor(&params)?;
                let templates: Vec<Value> = self
                    .resources(connection)
                    .flat_map(|p| p.templates())
                    .collect();
                Ok(complete(json!({ "resourceTemplates": templates })))
            }
            "resources/read" if has_resources => {
                let uri = required_str(&params, "uri")?;
                self.read_resource(uri, &params, scope).await.map(complete)
            }
            "resources/subscribe" | "resources/unsubscribe" if legacy && has_resources => {
                let uri = required_str(&params, "uri")?.to_string();
                *effect = Some(if request.method == "resources/subscribe" {
                    SessionEffect::Subscribe(uri)
                } else {
                    SessionEffect::Unsubscribe(uri)
                });
                Ok(complete(json!({})))
            }
            "prompts/list" if has_prompts => {
                reject_cursor(&params)?;
                let prompts: Vec<Value> =
                    self.prompts(connection).map(|(d, _)| d.to_json()).collect();
                Ok(complete(json!({ "prompts": prompts })))
            }
            "prompts/get" if has_prompts => self.get_prompt(&params, scope).await,
            "tasks/get" | "tasks/update" | "tasks/cancel" if !legacy => {
                self.task_method(&request.method, &params, scope).await
            }
            "completion/complete" => self.complete(&params, scope).await.map(complete),
            "logging/setLevel" if legacy => {
                let level = required_str(&params, "level")?;
                let level = LogLevel::parse(level).ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "unknown log level '{}'; use debug, info, notice, warning, error, critical, alert or emergency",
                        echoed(level)
                    ))
                })?;
                *effect = Some(SessionEffect::SetLogLevel(level));
                Ok(complete(json!({})))
            }
            method => Err(RpcError::method_not_found(method)),
        }
    }

    fn context<'a>(
        &self,
        scope: &'a Scope<'_, A>,
        exchange: &'a Exchange<'a>,
        params: &'a Map<String, Value>,
    ) -> CallContext<'a, A> {
        CallContext {
            app: A::reborrow(scope.app),
            exchange,
            request_params: params,
            state_signer: scope.state_signer,
            subject: scope.subject,
            now: scope.now,
        }
    }

    fn exchange<'a>(&self, scope: &'a Scope<'_, A>, params: &Map<String, Value>) -> Exchange<'a> {
        let progress_token = params
            .get("_meta")
            .and_then(|m| m.get("progressToken"))
            .filter(|t| t.is_string() || t.is_number())
            .cloned();
        Exchange::new(
            scope.peer,
            scope.version,
            progress_token,
            scope.log_level,
            scope.client_capabilities.clone(),
        )
    }

    async fn call_tool(
        &self,
        params: &Map<String, Value>,
        scope: &Scope<'_, A>,
    ) -> Result<Outcome, RpcError> {
        let name = required_str(params, "name")?;
        let offered = self.tool(name).filter(|_| scope.connection.offers(name));
        let Some((definition, tool)) = offered else {
            return Err(RpcError::invalid_params(format!(
                "Unknown tool: '{}'. Call tools/list to see the tools this server offers.",
                echoed(name)
            )));
        };
        // Tasks exist in 2026-07-28 only; a legacy session's call is always synchronous.
        let support = match scope.version.is_modern() {
            true => tool.tasks(),
            false => TaskSupport::Forbidden,
        };
        let declared = task::declares_tasks(&scope.client_capabilities);
        if support == TaskSupport::Required && !declared {
            return Err(task::missing_capability());
        }
        let mut arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(arguments)) => arguments.clone(),
            Some(_) => return Err(RpcError::invalid_params("arguments must be an object")),
        };
        if let Err(why) = validate_arguments(&definition.input_schema, &mut arguments) {
            return Ok(Outcome::Complete(
                super::tool::ToolResult::error(format!("Invalid arguments for {name}: {why}."))
                    .to_json(),
            ));
        }
        let exchange = self.exchange(scope, params);
        let context = self.context(scope, &exchange, params);
        if support != TaskSupport::Forbidden && declared {
            let task = self.start_task(tool.as_ref(), support, &arguments, &context, scope);
            if let Some(outcome) = task.await? {
                return Ok(outcome);
            }
        }
        let result = match tool.call(arguments, &context).await {
            Ok(result) => result,
            Err(error) => return self.tool_error(error, scope),
        };
        Ok(Outcome::Complete(result.to_json()))
    }

    /// Maps a handler's failure: argument and execution failures are `isError` results.
    fn tool_error(&self, error: ToolError, scope: &Scope<'_, A>) -> Result<Outcome, RpcError> {
        use super::tool::ToolResult;
        match error {
            ToolError::InvalidArgument(why) => Ok(Outcome::Complete(
                ToolResult::error(format!("Invalid arguments: {why}")).to_json(),
            )),
            ToolError::Failed(why) | ToolError::NotFound(why) => {
                Ok(Outcome::Complete(ToolResult::error(why).to_json()))
            }
            ToolError::Protocol(error) => Err(error),
            ToolError::InputRequired(value) if scope.version.is_modern() => {
                Ok(Outcome::InputRequired(value))
            }
            ToolError::InputRequired(_) => Ok(Outcome::Complete(
                ToolResult::error(
                    "This call needs input from the client, which only protocol 2026-07-28 can carry in a result.",
                )
                .to_json(),
            )),
        }
    }

    async fn read_resource(
        &self,
        uri: &str,
        params: &Map<String, Value>,
        scope: &Scope<'_, A>,
    ) -> Result<Value, RpcError> {
        let exchange = self.exchange(scope, params);
        let context = self.context(scope, &exchange, params);
        let not_found = |why: String| {
            let code = if scope.version.is_modern() {
                codes::INVALID_PARAMS
            } else {
                codes::RESOURCE_NOT_FOUND
            };
            RpcError::new(code, why).with_data(json!({ "uri": uri }))
        };
        for provider in self.resources(scope.connection) {
            if let Some(read) = provider.read(uri, &context) {
                return match read.await {
                    Ok(contents) if contents.is_empty() => {
                        Err(not_found(format!("Resource not found: {}", echoed(uri))))
                    }
                    Ok(contents) => Ok(json!({ "contents": contents })),
                    Err(ToolError::NotFound(why)) => Err(not_found(why)),
                    Err(ToolError::Protocol(error)) => Err(error),
                    Err(ToolError::InvalidArgument(why)) => Err(RpcError::invalid_params(why)),
                    Err(ToolError::Failed(why)) => Err(RpcError::internal(why)),
                    Err(ToolError::InputRequired(_)) => Err(RpcError::internal(
                        "this resource needs input from the client, which is not supported here",
                    )),
                };
            }
        }
        Err(not_found(format!(
            "Resource not found: {}. Call resources/list or resources/templates/list to see what exists.",
            echoed(uri)
        )))
    }
}

/// We return every list in one page, so any cursor is one we never issued.
fn reject_cursor(params: &Map<String, Value>) -> Result<(), RpcError> {
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err(RpcError::invalid_params(
            "Invalid cursor: this server returns every list in a single page; omit the cursor",
        )),
    }
}

fn required_str<'a>(params: &'a Map<String, Value>, key: &str) -> Result<&'a str, RpcError> {
    params
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params(format!("params.{key} must be a string")))
}

fn with_result_type(mut value: Value, result_type: &str) -> Value {
    if let Value::Object(object) = &mut value {
        object.insert("resultType".into(), json!(result_type));
    }
    value
}
