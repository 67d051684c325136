//! What a tool, resource or prompt can reach while it answers a request: the protocol's
//! side (the exchange with the client, the request's params, the state signer), and the
//! application's own context, whose type the application chooses through [`App`].

use serde_json::{json, Map, Value};

use super::exchange::Exchange;
use super::jsonrpc::RpcError;
use super::request_state::StateSigner;
use super::tool::ToolError;

/// An application hosted on the core: it names the context its tools, resources and
/// prompts are handed with each request (a client for its upstream, who is calling, its
/// settings…). The core never looks inside it.
///
/// `App` is usually a unit struct; the context borrows from the request, hence the
/// lifetime.
pub trait App: 'static {
    type Context<'a>;

    /// The context seen for a shorter time. Every context is covariant in its lifetime,
    /// so the body is `context`; the compiler cannot know that of a generic type.
    fn reborrow<'s, 'l: 's>(context: &'s Self::Context<'l>) -> &'s Self::Context<'s>;
}

/// An application with nothing to hand its tools: for tests and small servers.
impl App for () {
    type Context<'a> = ();

    fn reborrow<'s, 'l: 's>(context: &'s ()) -> &'s () {
        context
    }
}

/// What a tool, resource or prompt can reach while it answers a request.
pub struct CallContext<'a, A: App> {
    /// The application's own context.
    pub app: &'a A::Context<'a>,
    pub exchange: &'a Exchange<'a>,
    /// The whole `params` of the request, for tools that read fields beyond `arguments`
    /// (such as 2026-07-28 `inputResponses` and `requestState`).
    pub request_params: &'a Map<String, Value>,
    /// Signs and checks `requestState` for input-required results.
    pub state_signer: &'a StateSigner,
    /// Who is calling, as the key that `requestState` and tasks are bound to.
    pub subject: &'a str,
    /// Seconds since the epoch, when the request arrived.
    pub now: i64,
}

impl<A: App> CallContext<'_, A> {
    /// The `inputResponses` of a 2026-07-28 retry, if the client sent any.
    pub fn input_responses(&self) -> Result<Option<&Map<String, Value>>, ToolError> {
        match self.request_params.get("inputResponses") {
            None => Ok(None),
            Some(Value::Object(responses)) => Ok(Some(responses)),
            Some(_) => Err(ToolError::Protocol(RpcError::invalid_params(
                "inputResponses must be an object mapping each input request's key to the client's result",
            ))),
        }
    }

    /// The `requestState` of a 2026-07-28 retry, if the client sent one.
    pub fn request_state(&self) -> Result<Option<&str>, ToolError> {
        match self.request_params.get("requestState") {
            None => Ok(None),
            Some(Value::String(state)) => Ok(Some(state)),
            Some(_) => Err(ToolError::Protocol(RpcError::invalid_params(
                "requestState must be the string this server returned",
            ))),
        }
    }

    /// Asks the client for input (`elicitation/create`, `sampling/createMessage`,
    /// `roots/list`) the way the request's era allows:
    /// - legacy: sends the request on the response stream and waits for the reply;
    /// - 2026-07-28: returns the retry's answer under `key`, or ends the call with an
    ///   input-required result naming `key` (or -32021 if the capability is undeclared).
    pub async fn ask_client(
        &self,
        key: &str,
        capability: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, ToolError> {
        if !self.exchange.version().is_modern() {
            return self
                .exchange
                .request_client(capability, method, params)
                .await
                .map_err(|e| {
                    ToolError::Failed(format!(
                        "The client could not answer {method}: {}",
                        e.message
                    ))
                });
        }
        if let Some(answer) = self.input_responses()?.and_then(|r| r.get(key)) {
            return Ok(answer.clone());
        }
        if !self.exchange.client_supports(capability) {
            return Err(ToolError::missing_capability(capability));
        }
        Err(ToolError::InputRequired(json!({
            "inputRequests": { key: { "method": method, "params": params } }
        })))
    }
}
