//! The `test://` resources: static text and binary, a template, and a watched resource.

use serde_json::{json, Value};

use super::TEST_IMAGE_BASE64;
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::resource::{Completion, ResourceProvider};
use mcp_core::tool::{json_text, ToolError};

pub struct TestResources;

const TEMPLATE: &str = "test://template/{id}/data";

/// Listed in this order: the suite reads the first one.
const RESOURCES: &str = mcp_core::compact_json!(
    r#"[
    { "uri": "test://static-text", "name": "static-text", "title": "Static Text Resource", "description": "A static text resource for testing", "mimeType": "text/plain" },
    { "uri": "test://static-binary", "name": "static-binary", "title": "Static Binary Resource", "description": "A static binary resource (image) for testing", "mimeType": "image/png" },
    { "uri": "test://watched-resource", "name": "watched-resource", "title": "Watched Resource", "description": "A resource clients may subscribe to", "mimeType": "text/plain" }
]"#
);

impl ResourceProvider<GitHubApp> for TestResources {
    fn scheme(&self) -> &'static str {
        "test://"
    }

    fn resources(&self) -> Vec<Value> {
        match json_text(RESOURCES) {
            Value::Array(resources) => resources,
            _ => Vec::new(),
        }
    }

    fn templates(&self) -> Vec<Value> {
        vec![json!({
            "uriTemplate": TEMPLATE, "name": "template", "title": "Resource Template",
            "description": "A resource template with parameter substitution", "mimeType": "application/json"
        })]
    }

    fn read<'a>(
        &'a self,
        uri: &'a str,
        _: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Result<Vec<Value>, ToolError>>> {
        if !uri.starts_with("test://") {
            return None;
        }
        let contents = match uri {
            "test://static-text" => Ok(
                json!({ "uri": uri, "mimeType": "text/plain", "text": "This is the content of the static text resource." }),
            ),
            "test://static-binary" => {
                Ok(json!({ "uri": uri, "mimeType": "image/png", "blob": TEST_IMAGE_BASE64 }))
            }
            "test://watched-resource" => Ok(
                json!({ "uri": uri, "mimeType": "text/plain", "text": "Watched resource content" }),
            ),
            _ => match template_id(uri) {
                Some(id) => Ok(json!({
                    "uri": uri,
                    "mimeType": "application/json",
                    "text": json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }).to_string()
                })),
                None => Err(ToolError::NotFound(format!("Resource not found: {uri}"))),
            },
        };
        Some(Box::pin(async move { contents.map(|c| vec![c]) }))
    }

    fn complete<'a>(
        &'a self,
        uri_template: &'a str,
        argument: &'a str,
        value: &'a str,
        _: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Completion>> {
        if uri_template != TEMPLATE {
            return None;
        }
        let values = match argument {
            "id" => ["123", "456", "789"]
                .iter()
                .filter(|v| v.starts_with(value))
                .map(|v| v.to_string())
                .collect(),
            _ => Vec::new(),
        };
        Some(Box::pin(async move { Completion::from(values) }))
    }
}

/// The `{id}` of `test://template/{id}/data`: one non-empty path segment.
fn template_id(uri: &str) -> Option<&str> {
    let id = uri
        .strip_prefix("test://template/")?
        .strip_suffix("/data")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ids_are_single_segments() {
        assert_eq!(template_id("test://template/123/data"), Some("123"));
        assert_eq!(template_id("test://template//data"), None);
        assert_eq!(template_id("test://template/a/b/data"), None);
        assert_eq!(template_id("test://other"), None);
    }
}
