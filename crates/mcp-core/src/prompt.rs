//! Prompts: named message templates with arguments, listed by `prompts/list` and filled in
//! by `prompts/get`.

use serde_json::{json, Map, Value};

use super::context::{App, CallContext};
use super::exchange::BoxFuture;
use super::tool::ToolError;

#[derive(Debug, Clone)]
pub struct PromptArgument {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct PromptDefinition {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: Vec<PromptArgument>,
}

impl PromptDefinition {
    pub fn to_json(&self) -> Value {
        let arguments: Vec<Value> = self
            .arguments
            .iter()
            .map(
                |a| json!({ "name": a.name, "description": a.description, "required": a.required }),
            )
            .collect();
        json!({
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "arguments": arguments,
        })
    }
}

pub trait Prompt<A: App> {
    fn definition(&self) -> PromptDefinition;

    /// Fills in the prompt (`GetPromptResult`: `description` and `messages`). Required
    /// arguments are present; the dispatcher checked.
    fn get<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Result<Value, ToolError>>;

    /// Completion values for one argument, given what the user typed so far.
    fn complete<'a>(
        &'a self,
        _argument: &'a str,
        _value: &'a str,
        _context: &'a CallContext<'a, A>,
    ) -> BoxFuture<'a, Vec<String>> {
        Box::pin(async { Vec::new() })
    }
}
