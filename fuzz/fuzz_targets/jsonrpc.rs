//! JSON-RPC framing and batches: `mcp_core::jsonrpc::parse` and the conversion of each message
//! (`message_from_value`, `params_object`), then the checks a modern (2026-07-28) request
//! passes before dispatch (`modern::check`, `decode_header_value`, version negotiation).
//!
//! Input: a POST body.
//!
//! Asserts: no panic; a body that is not JSON is a parse error without an id, and JSON that
//! is refused is an invalid request; a batch has one entry per array member, in order, each
//! as `message_from_value` reads it alone; every message survives being written back to
//! JSON and read again (floats to within serde_json's rounding); requests carry object or array params and only arrays are refused
//! by `params_object`; every error response is a JSON-RPC response a client reads back as
//! the same error; with headers that repeat the body (encoded as a client would), the
//! modern checks never report a header mismatch, and with a wrong `Mcp-Method` they
//! never pass; `initialize` never negotiates a stateless revision.
#![no_main]

use github_mcp_worker_fuzz::{check_oracles, header_value};
use libfuzzer_sys::fuzz_target;
use mcp_core::jsonrpc::{
    codes, message_from_value, parse, ClientReply, Incoming, Message, Request, Response,
};
use mcp_core::modern;
use mcp_core::version::ProtocolVersion;
use serde_json::{json, Map, Value};

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let json = serde_json::from_slice::<Value>(data).ok();
    match parse(data) {
        Err(response) => {
            let code = error_code(&response);
            match &json {
                None => {
                    assert_eq!(code, codes::PARSE_ERROR);
                    assert_eq!(response.id, None);
                }
                Some(_) => assert_eq!(code, codes::INVALID_REQUEST),
            }
            check_response(&response);
        }
        Ok(incoming) => {
            let value = json.expect("a parsed body is JSON");
            match incoming {
                Incoming::Single(message) => {
                    assert!(value.is_object());
                    check_message(&message, &value);
                }
                Incoming::Batch(items) => {
                    let members = value.as_array().expect("a batch is an array");
                    assert!(!members.is_empty());
                    assert_eq!(items.len(), members.len());
                    for (item, member) in items.iter().zip(members) {
                        assert_eq!(item, &message_from_value(member));
                        match item {
                            Ok(message) => check_message(message, member),
                            Err(response) => {
                                assert_eq!(error_code(response), codes::INVALID_REQUEST);
                                check_response(response);
                            }
                        }
                    }
                }
            }
        }
    }
});

fn error_code(response: &Response) -> i32 {
    response
        .outcome
        .as_ref()
        .expect_err("a refusal is an error response")
        .code
}

/// The response we would send is a JSON-RPC response that reads back as the same thing.
fn check_response(response: &Response) {
    let wire = response.to_json();
    assert_eq!(wire["jsonrpc"], "2.0");
    let text = serde_json::to_string(&wire).expect("a response serializes");
    let back: Value = serde_json::from_str(&text).expect("a response is JSON");
    match &response.id {
        Some(id) => {
            let read = message_from_value(&back).expect("a response with an id is a reply");
            assert_eq!(
                read,
                Message::Reply(ClientReply {
                    id: id.clone(),
                    outcome: response.outcome.clone(),
                })
            );
        }
        None => assert!(message_from_value(&back).is_err()),
    }
}

fn check_message(message: &Message, raw: &Value) {
    assert_eq!(raw["jsonrpc"], "2.0");
    let wire = match message {
        Message::Request(request) => {
            let mut object = Map::new();
            object.insert("jsonrpc".into(), json!("2.0"));
            object.insert("id".into(), json!(request.id));
            object.insert("method".into(), json!(request.method));
            if let Some(params) = &request.params {
                object.insert("params".into(), params.clone());
            }
            check_request(request, raw);
            Value::Object(object)
        }
        Message::Notification(notification) => notification.to_json(),
        Message::Reply(reply) => match &reply.outcome {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": reply.id, "result": result }),
            Err(error) => json!({ "jsonrpc": "2.0", "id": reply.id, "error": error }),
        },
    };
    assert_eq!(message_from_value(&wire).as_ref(), Ok(message), "{wire}");
    let text = serde_json::to_string(&wire).expect("a message serializes");
    let back: Value = serde_json::from_str(&text).expect("a message is JSON");
    assert!(same_json(&back, &wire), "{text} read back as {back}");
}

/// `a` and `b` are the same JSON, except that a number with a fraction or an exponent may
/// differ in its last bits: serde_json without its `float_roundtrip` feature (left off, as it
/// costs 7.6 KB of gzipped bundle) reads a long decimal a unit or two in the last place off
/// (at most 2 over 20 million written back and read again; 4 are allowed). Integers,
/// strings, keys and structure compare exactly.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x == y || x.to_bits().abs_diff(y.to_bits()) <= 4
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_json(vx, vy))
        }
        _ => a == b,
    }
}

fn check_request(request: &Request, raw: &Value) {
    match &request.params {
        None | Some(Value::Object(_)) => assert!(request.params_object().is_ok()),
        Some(Value::Array(_)) => assert!(request.params_object().is_err()),
        Some(other) => panic!("params {other} got through"),
    }
    let declared = modern::declared_version(raw);
    assert_eq!(modern::is_modern(None, raw), declared.is_some());
    if request.method == "initialize" {
        let requested = request
            .params
            .as_ref()
            .and_then(|p| p.get("protocolVersion"))
            .and_then(Value::as_str);
        assert!(!ProtocolVersion::negotiate(requested).is_modern());
    }

    // Headers that repeat the body, as a conforming client sends them.
    let name = ["tools/call", "prompts/get"]
        .contains(&request.method.as_str())
        .then_some("name")
        .or((request.method == "resources/read").then_some("uri"))
        .map(|field| {
            request
                .params
                .as_ref()
                .and_then(|p| p.get(field))
                .and_then(Value::as_str)
                .unwrap_or_default()
        });
    let method = header_value(&request.method);
    for header in [&method, &header_value(&format!("{}x", request.method))] {
        let consistent = header == &method;
        let headers = |h: &str| match h {
            "mcp-protocol-version" => declared.map(str::to_string),
            "mcp-method" => Some(header.clone()),
            "mcp-name" => name.map(header_value),
            _ => None,
        };
        match modern::check(request, &headers) {
            Ok(declared_ok) => {
                assert!(consistent, "a wrong Mcp-Method passed");
                assert!(declared_ok.version.is_modern());
                assert!(declared_ok.client_capabilities.is_object());
            }
            Err(rejection) => {
                assert_eq!(rejection.status, 400);
                if consistent {
                    assert_ne!(
                        rejection.error.code,
                        codes::HEADER_MISMATCH,
                        "headers that repeat the body were refused: {}",
                        rejection.error.message
                    );
                }
            }
        }
    }
    for value in [request.method.as_str(), name.unwrap_or_default()] {
        assert_eq!(
            modern::decode_header_value(&header_value(value)).as_deref(),
            Some(value),
            "{value:?}"
        );
    }
}
