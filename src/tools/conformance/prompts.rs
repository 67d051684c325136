//! The conformance prompts: plain, with arguments, with an embedded resource, with an
//! image, and one that needs input from the client first.

use serde_json::{json, Map, Value};

use super::input_required::{accepted, elicit_request};
use super::TEST_IMAGE_BASE64;
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::prompt::{Prompt, PromptArgument, PromptDefinition};
use mcp_core::tool::ToolError;

type Get =
    for<'a> fn(Map<String, Value>, &'a CallContext<'a>) -> BoxFuture<'a, Result<Value, ToolError>>;

/// A prompt with a fixed definition and a function that fills it in.
struct TestPrompt {
    definition: fn() -> PromptDefinition,
    get: Get,
}

impl Prompt<GitHubApp> for TestPrompt {
    fn definition(&self) -> PromptDefinition {
        (self.definition)()
    }

    fn get<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<Value, ToolError>> {
        (self.get)(arguments, context)
    }

    fn complete<'a>(
        &'a self,
        argument: &'a str,
        value: &'a str,
        _: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Vec<String>> {
        let candidates: &[&str] = match argument {
            "arg1" | "arg2" => &["testValue1", "testValue2", "testValue3"],
            "resourceUri" => &["test://static-text", "test://example-resource"],
            _ => &[],
        };
        let values = candidates
            .iter()
            .filter(|c| c.starts_with(value))
            .map(|c| c.to_string())
            .collect();
        Box::pin(async move { values })
    }
}

pub fn all() -> Vec<Box<dyn Prompt<GitHubApp>>> {
    [
        TestPrompt {
            definition: simple_definition,
            get: simple,
        },
        TestPrompt {
            definition: arguments_definition,
            get: with_arguments,
        },
        TestPrompt {
            definition: embedded_definition,
            get: embedded_resource,
        },
        TestPrompt {
            definition: image_definition,
            get: image,
        },
        TestPrompt {
            definition: input_required_definition,
            get: input_required,
        },
    ]
    .into_iter()
    .map(|p| Box::new(p) as Box<dyn Prompt<GitHubApp>>)
    .collect()
}

fn definition(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    arguments: Vec<PromptArgument>,
) -> PromptDefinition {
    PromptDefinition {
        name,
        title,
        description,
        arguments,
    }
}

fn required(name: &'static str, description: &'static str) -> PromptArgument {
    PromptArgument {
        name,
        description,
        required: true,
    }
}

fn user_text(text: impl Into<String>) -> Value {
    json!({ "role": "user", "content": { "type": "text", "text": text.into() } })
}

fn messages(messages: Vec<Value>) -> BoxFuture<'static, Result<Value, ToolError>> {
    Box::pin(async move { Ok(json!({ "messages": messages })) })
}

fn arg(arguments: &Map<String, Value>, name: &str) -> String {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn simple_definition() -> PromptDefinition {
    definition(
        "test_simple_prompt",
        "Simple Test Prompt",
        "A simple prompt without arguments",
        vec![],
    )
}

fn simple<'a>(
    _: Map<String, Value>,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<Value, ToolError>> {
    messages(vec![user_text("This is a simple prompt for testing.")])
}

fn arguments_definition() -> PromptDefinition {
    definition(
        "test_prompt_with_arguments",
        "Prompt With Arguments",
        "A prompt with required arguments",
        vec![
            required("arg1", "First test argument"),
            required("arg2", "Second test argument"),
        ],
    )
}

fn with_arguments<'a>(
    arguments: Map<String, Value>,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<Value, ToolError>> {
    messages(vec![user_text(format!(
        "Prompt with arguments: arg1='{}', arg2='{}'",
        arg(&arguments, "arg1"),
        arg(&arguments, "arg2")
    ))])
}

fn embedded_definition() -> PromptDefinition {
    definition(
        "test_prompt_with_embedded_resource",
        "Prompt With Embedded Resource",
        "A prompt that includes an embedded resource",
        vec![required("resourceUri", "URI of the resource to embed")],
    )
}

fn embedded_resource<'a>(
    arguments: Map<String, Value>,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<Value, ToolError>> {
    messages(vec![
        json!({ "role": "user", "content": { "type": "resource", "resource": {
            "uri": arg(&arguments, "resourceUri"), "mimeType": "text/plain", "text": "Embedded resource content for testing."
        } } }),
        user_text("Please process the embedded resource above."),
    ])
}

fn image_definition() -> PromptDefinition {
    definition(
        "test_prompt_with_image",
        "Prompt With Image",
        "A prompt that includes image content",
        vec![],
    )
}

fn image<'a>(
    _: Map<String, Value>,
    _: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<Value, ToolError>> {
    messages(vec![
        json!({ "role": "user", "content": { "type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png" } }),
        user_text("Please analyze the image above."),
    ])
}

fn input_required_definition() -> PromptDefinition {
    definition(
        "test_input_required_result_prompt",
        "Prompt Needing Input",
        "MRTR: prompt that requires elicitation input",
        vec![],
    )
}

fn input_required<'a>(
    _: Map<String, Value>,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Result<Value, ToolError>> {
    Box::pin(async move {
        let request = elicit_request("What context should the prompt use?", "context", "string");
        let answer = context
            .ask_client(
                "user_context",
                "elicitation",
                "elicitation/create",
                request.get("params").cloned().unwrap_or_default(),
            )
            .await?;
        let context_text = match accepted(&answer, "user_context", "context")? {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => "(declined)".into(),
        };
        Ok(json!({ "messages": [user_text(format!("Prompt with context: {context_text}"))] }))
    })
}
