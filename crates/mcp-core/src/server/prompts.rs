//! `prompts/get` and `completion/complete`: the requests that name a prompt or a resource
//! template, answered for what the connection is offered.

use serde_json::{json, Map, Value};

use super::{required_str, Outcome, Scope, Server};
use crate::context::App;
use crate::jsonrpc::{echoed, RpcError};
use crate::resource::Completion;
use crate::tool::ToolError;

/// The most completion values one answer may carry (the spec's limit).
const MAX_COMPLETIONS: usize = 100;

impl<A: App> Server<A> {
    pub(super) async fn get_prompt(
        &self,
        params: &Map<String, Value>,
        scope: &Scope<'_, A>,
    ) -> Result<Outcome, RpcError> {
        let name = required_str(params, "name")?;
        let found = self.prompts(scope.connection).find(|(d, _)| d.name == name);
        let Some((definition, prompt)) = found else {
            return Err(RpcError::invalid_params(format!(
                "Unknown prompt: '{}'. Call prompts/list to see the prompts this server offers.",
                echoed(name)
            )));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(arguments)) => arguments.clone(),
            Some(_) => return Err(RpcError::invalid_params("arguments must be an object")),
        };
        if let Some(missing) = definition
            .arguments
            .iter()
            .find(|a| a.required && !arguments.contains_key(a.name))
        {
            return Err(RpcError::invalid_params(format!(
                "prompt '{name}' needs the argument '{}'",
                missing.name
            )));
        }
        if let Some((key, _)) = arguments.iter().find(|(_, v)| !v.is_string()) {
            return Err(RpcError::invalid_params(format!(
                "prompt argument '{key}' must be a string"
            )));
        }
        let exchange = self.exchange(scope, params);
        let context = self.context(scope, &exchange, params);
        match prompt.get(arguments, &context).await {
            Ok(result) => Ok(Outcome::Complete(result)),
            Err(ToolError::InputRequired(value)) if scope.version.is_modern() => {
                Ok(Outcome::InputRequired(value))
            }
            Err(ToolError::Protocol(error)) => Err(error),
            Err(ToolError::InvalidArgument(why)) | Err(ToolError::NotFound(why)) => {
                Err(RpcError::invalid_params(why))
            }
            Err(ToolError::Failed(why)) => Err(RpcError::internal(why)),
            Err(ToolError::InputRequired(_)) => Err(RpcError::internal(
                "this prompt needs input from the client, which only protocol 2026-07-28 can carry",
            )),
        }
    }

    pub(super) async fn complete(
        &self,
        params: &Map<String, Value>,
        scope: &Scope<'_, A>,
    ) -> Result<Value, RpcError> {
        let reference = params
            .get("ref")
            .and_then(Value::as_object)
            .ok_or_else(|| RpcError::invalid_params("completion/complete needs params.ref"))?;
        let argument = params
            .get("argument")
            .and_then(Value::as_object)
            .ok_or_else(|| RpcError::invalid_params("completion/complete needs params.argument"))?;
        let argument_name = required_str(argument, "name")?;
        let value = argument.get("value").and_then(Value::as_str).unwrap_or("");
        let exchange = self.exchange(scope, params);
        let context = self.context(scope, &exchange, params);
        let completion = match reference.get("type").and_then(Value::as_str) {
            Some("ref/prompt") => {
                let name = required_str(reference, "name")?;
                let found = self.prompts(scope.connection).find(|(d, _)| d.name == name);
                let Some((_, prompt)) = found else {
                    return Err(RpcError::invalid_params(format!(
                        "Unknown prompt: '{}'",
                        echoed(name)
                    )));
                };
                Completion::from(prompt.complete(argument_name, value, &context).await)
            }
            Some("ref/resource") => {
                let uri = required_str(reference, "uri")?;
                let mut found = None;
                for provider in self.resources(scope.connection) {
                    if let Some(completion) = provider.complete(uri, argument_name, value, &context)
                    {
                        found = Some(completion.await);
                        break;
                    }
                }
                found.ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "Unknown resource template: '{}'",
                        crate::jsonrpc::echoed(uri)
                    ))
                })?
            }
            _ => {
                return Err(RpcError::invalid_params(
                    "params.ref.type must be \"ref/prompt\" or \"ref/resource\"",
                ))
            }
        };
        let Completion {
            mut values,
            total,
            has_more,
        } = completion;
        let has_more = has_more || values.len() > MAX_COMPLETIONS;
        values.truncate(MAX_COMPLETIONS);
        let mut answer = json!({ "values": values, "hasMore": has_more });
        if let (Some(total), Some(answer)) = (total, answer.as_object_mut()) {
            answer.insert("total".into(), total.into());
        }
        Ok(json!({ "completion": answer }))
    }
}
