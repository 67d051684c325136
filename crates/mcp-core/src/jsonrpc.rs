//! JSON-RPC 2.0 as MCP uses it: parsing what a client sends, and the shapes we send back.
//!
//! Parsing is strict about the envelope (`jsonrpc: "2.0"`, an id that is a string or an
//! integer, a string method) and lenient about everything the envelope carries, which the
//! dispatcher validates per method.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The JSON-RPC error codes we send, with the MCP-specific ones named after the spec.
pub mod codes {
    pub const PARSE_ERROR: i32 = -32700;
    pub const INVALID_REQUEST: i32 = -32600;
    pub const METHOD_NOT_FOUND: i32 = -32601;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL_ERROR: i32 = -32603;
    /// Session unknown or ended (the convention of the official SDKs; sent with HTTP 404).
    pub const SESSION_NOT_FOUND: i32 = -32001;
    /// Resource not found, in revisions up to 2025-11-25.
    pub const RESOURCE_NOT_FOUND: i32 = -32002;
    /// 2026-07-28: an HTTP header disagrees with the body.
    pub const HEADER_MISMATCH: i32 = -32020;
    /// 2026-07-28: the request needs a client capability the client did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i32 = -32021;
    /// 2026-07-28: the requested protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;
}

/// A request id: a string or an integer, never null.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    Number(i64),
    String(String),
}

impl RequestId {
    pub fn from_value(value: &Value) -> Option<RequestId> {
        match value {
            Value::String(s) => Some(RequestId::String(s.clone())),
            Value::Number(n) => n.as_i64().map(RequestId::Number),
            _ => None,
        }
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s}"),
        }
    }
}

/// A JSON-RPC error object, used both as a value in Rust and on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    pub code: i32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Reads an error object; `None` if it is not one.
    pub fn from_json(json: &Value) -> Option<RpcError> {
        Some(RpcError {
            code: i32::try_from(json.get("code")?.as_i64()?).ok()?,
            message: json.get("message")?.as_str()?.to_string(),
            data: json.get("data").cloned(),
        })
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_REQUEST, message)
    }

    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            codes::METHOD_NOT_FOUND,
            format!("Method not found: {}", echoed(method)),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }
}

/// A request from the client: it expects exactly one response with the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub method: String,
    pub params: Option<Value>,
}

impl Request {
    /// The `params` object, or an empty one when the client sent none.
    pub fn params_object(&self) -> Result<Map<String, Value>, RpcError> {
        params_object(self.params.as_ref())
    }
}

/// A notification from either side: no id, no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub method: String,
    pub params: Option<Value>,
}

impl Notification {
    pub fn new(method: impl Into<String>, params: Value) -> Self {
        Notification {
            method: method.into(),
            params: Some(params),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("jsonrpc".into(), json!("2.0"));
        object.insert("method".into(), json!(self.method));
        if let Some(params) = &self.params {
            object.insert("params".into(), params.clone());
        }
        Value::Object(object)
    }
}

/// The client's answer to a request that the server sent (sampling, elicitation, ping).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientReply {
    pub id: RequestId,
    pub outcome: Result<Value, RpcError>,
}

/// One message as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request(Request),
    Notification(Notification),
    Reply(ClientReply),
}

/// A POST body: one message, or (2025-03-26 only) a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Single(Message),
    Batch(Vec<Result<Message, Response>>),
}

/// Our response to a request: the id and either a result or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `None` only when the id could not be read from a malformed message.
    pub id: Option<RequestId>,
    pub outcome: Result<Value, RpcError>,
}

impl Response {
    pub fn result(id: RequestId, result: Value) -> Self {
        Response {
            id: Some(id),
            outcome: Ok(result),
        }
    }

    pub fn error(id: Option<RequestId>, error: RpcError) -> Self {
        Response {
            id,
            outcome: Err(error),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("jsonrpc".into(), json!("2.0"));
        if let Some(id) = &self.id {
            object.insert("id".into(), json!(id));
        }
        match &self.outcome {
            Ok(result) => object.insert("result".into(), result.clone()),
            Err(error) => object.insert("error".into(), json!(error)),
        };
        Value::Object(object)
    }

    /// The response as JSON text, written from the result in place: a large result (a file
    /// as base64) is not copied into a second tree first, as [`Response::to_json`] would.
    pub fn to_text(&self) -> String {
        // Writing a `Value` into a `String` cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Response {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("jsonrpc", "2.0")?;
        if let Some(id) = &self.id {
            map.serialize_entry("id", id)?;
        }
        match &self.outcome {
            Ok(result) => map.serialize_entry("result", result)?,
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

/// Parses a POST body. A body that is not JSON is a parse error; JSON that is not a
/// JSON-RPC message is an invalid request (with the id, when one could be read).
pub fn parse(body: &[u8]) -> Result<Incoming, Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Response::error(
            None,
            RpcError::new(codes::PARSE_ERROR, format!("Parse error: {e}")),
        )
    })?;
    match value {
        Value::Array(items) if items.is_empty() => Err(Response::error(
            None,
            RpcError::invalid_request("Invalid Request: an empty batch"),
        )),
        Value::Array(items) => Ok(Incoming::Batch(
            items
                .into_iter()
                .map(|item| message_from_value(&item))
                .collect(),
        )),
        value => message_from_value(&value).map(Incoming::Single),
    }
}

/// Reads one JSON-RPC message out of a JSON value.
pub fn message_from_value(value: &Value) -> Result<Message, Response> {
    let Some(object) = value.as_object() else {
        return Err(invalid(None, "a JSON-RPC message must be a JSON object"));
    };
    let raw_id = object.get("id");
    let id = match raw_id {
        None => None,
        Some(raw) => match RequestId::from_value(raw) {
            Some(id) => Some(id),
            None => return Err(invalid(None, "the id must be a string or an integer")),
        },
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "the jsonrpc member must be exactly \"2.0\""));
    }
    let params = object.get("params").cloned();
    if let Some(p) = &params {
        if !p.is_object() && !p.is_array() {
            return Err(invalid(id, "params must be an object"));
        }
    }
    match (object.get("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Message::Request(Request {
            id,
            method: method.clone(),
            params,
        })),
        (Some(Value::String(method)), None) => Ok(Message::Notification(Notification {
            method: method.clone(),
            params,
        })),
        (Some(_), id) => Err(invalid(id, "the method must be a string")),
        (None, Some(id)) => reply_from_object(object, id),
        (None, None) => Err(invalid(None, "a message needs a method or an id")),
    }
}

fn reply_from_object(object: &Map<String, Value>, id: RequestId) -> Result<Message, Response> {
    let outcome = match (object.get("result"), object.get("error")) {
        (Some(result), None) => Ok(result.clone()),
        (None, Some(error)) => match serde_json::from_value::<RpcError>(error.clone()) {
            Ok(error) => Err(error),
            Err(_) => return Err(invalid(Some(id), "the error member is malformed")),
        },
        _ => {
            return Err(invalid(
                Some(id),
                "a response needs exactly one of result and error",
            ))
        }
    };
    Ok(Message::Reply(ClientReply { id, outcome }))
}

fn invalid(id: Option<RequestId>, why: &str) -> Response {
    Response::error(
        id,
        RpcError::invalid_request(format!("Invalid Request: {why}")),
    )
}

/// The `params` of a request as an object; absent params count as `{}`.
pub fn params_object(params: Option<&Value>) -> Result<Map<String, Value>, RpcError> {
    match params {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(RpcError::invalid_params("params must be an object")),
    }
}

/// The most characters of a client's text that an error message or a log line repeats.
pub const ECHO_CHARS: usize = 100;

/// A client's text as errors and logs repeat it: its first [`ECHO_CHARS`] characters, and
/// `…` when there was more, so a megabyte of method name stays a megabyte in one place only.
pub fn echoed(text: &str) -> String {
    cut(text, ECHO_CHARS)
}

/// `text`'s first `max` characters, and `…` when there was more.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or_default()),
        None => text.to_string(),
    }
}

/// [`echoed`], on one line and with nothing hidden: see [`escape_unseen`].
pub fn echoed_line(text: &str) -> String {
    escape_unseen(&echoed(text))
}

/// `text` with line breaks, control characters and characters that show nothing (bidi
/// controls, tag characters, U+2028) written as escapes (`\n`, `\u{202e}`), so that none
/// starts a line or hides in a message. Quotes and backslashes stay as they are.
pub fn escape_unseen(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\'' | '\\') {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_characters_are_escaped_and_quotes_kept() {
        assert_eq!(
            escape_unseen("it's \"gone\" C:\\path\nnext\u{202e}\u{2028}\u{e0041}é"),
            r#"it's "gone" C:\path\nnext\u{202e}\u{2028}\u{e0041}é"#
        );
        assert_eq!(echoed_line(&"a\n".repeat(100)).chars().count(), 151);
    }

    #[test]
    fn echoed_text_is_cut_at_a_character_boundary() {
        assert_eq!(echoed("tools/call"), "tools/call");
        let long = "é".repeat(ECHO_CHARS + 1);
        let cut = echoed(&long);
        assert_eq!(cut.chars().count(), ECHO_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(echoed(&"a".repeat(ECHO_CHARS)), "a".repeat(ECHO_CHARS));
        let error = RpcError::method_not_found(&"x".repeat(600_000));
        assert!(error.message.len() < 200, "{}", error.message.len());
    }

    #[test]
    fn parses_a_request_a_notification_and_a_reply() {
        let request = parse(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#).unwrap();
        assert_eq!(
            request,
            Incoming::Single(Message::Request(Request {
                id: RequestId::Number(7),
                method: "ping".into(),
                params: None
            }))
        );
        let note = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(note, Incoming::Single(Message::Notification(_))));
        let reply = parse(br#"{"jsonrpc":"2.0","id":"s-1","result":{"ok":true}}"#).unwrap();
        match reply {
            Incoming::Single(Message::Reply(r)) => {
                assert_eq!(r.id, RequestId::String("s-1".into()));
                assert_eq!(r.outcome, Ok(json!({"ok": true})));
            }
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn bad_json_is_a_parse_error_without_id() {
        let err = parse(b"{not json").unwrap_err();
        assert_eq!(err.id, None);
        assert_eq!(err.outcome.unwrap_err().code, codes::PARSE_ERROR);
    }

    #[test]
    fn null_id_and_wrong_version_are_invalid_requests() {
        let err = parse(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).unwrap_err();
        assert_eq!(err.outcome.unwrap_err().code, codes::INVALID_REQUEST);
        let err = parse(br#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#).unwrap_err();
        assert_eq!(err.id, Some(RequestId::Number(3)));
        assert_eq!(err.outcome.unwrap_err().code, codes::INVALID_REQUEST);
        let err = parse(br#"[]"#).unwrap_err();
        assert_eq!(err.outcome.unwrap_err().code, codes::INVALID_REQUEST);
    }

    #[test]
    fn batches_keep_invalid_members_as_error_responses() {
        let batch = parse(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]"#).unwrap();
        match batch {
            Incoming::Batch(items) => {
                assert!(items[0].is_ok());
                assert_eq!(
                    items[1]
                        .as_ref()
                        .unwrap_err()
                        .outcome
                        .as_ref()
                        .unwrap_err()
                        .code,
                    codes::INVALID_REQUEST
                );
            }
            other => panic!("expected a batch, got {other:?}"),
        }
    }

    #[test]
    fn responses_serialize_with_result_or_error() {
        let ok = Response::result(RequestId::Number(1), json!({}));
        assert_eq!(ok.to_json(), json!({"jsonrpc":"2.0","id":1,"result":{}}));
        let err = Response::error(None, RpcError::new(codes::PARSE_ERROR, "Parse error"));
        assert_eq!(
            err.to_json(),
            json!({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}})
        );
        let null = Response::result(RequestId::String("a".into()), Value::Null);
        for response in [ok, err, null] {
            let text: Value = serde_json::from_str(&response.to_text()).unwrap();
            assert_eq!(text, response.to_json());
        }
    }
}
