//! Resources: concrete ones listed by `resources/list`, and URI templates listed by
//! `resources/templates/list`. A provider owns a URI scheme or prefix and reads its URIs.

use serde_json::Value;

use super::context::{App, CallContext};
use super::exchange::BoxFuture;
use super::tool::ToolError;

pub trait ResourceProvider<A: App> {
    /// The URI scheme the provider owns, such as `github://`: what a connection names to
    /// be offered its resources.
    fn scheme(&self) -> &'static str;

    /// Concrete resources (`Resource` objects: `uri`, `name`, `mimeType`, …).
    fn resources(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Templates (`ResourceTemplate` objects: `uriTemplate`, `name`, …).
    fn templates(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Reads `uri` into its contents (`TextResourceContents` or `BlobResourceContents`).
    /// `None` means the URI is not this provider's; `Some(Ok(vec![]))` is not allowed, a
    /// provider that owns the URI but has nothing there answers `ToolError::NotFound`.
    fn read<'a>(
        &'a self,
        uri: &'a str,
        context: &'a CallContext<'a, A>,
    ) -> Option<BoxFuture<'a, Result<Vec<Value>, ToolError>>>;

    /// Completion values for `argument` of the template `uri_template`, or `None` when the
    /// template is not this provider's.
    fn complete<'a>(
        &'a self,
        _uri_template: &'a str,
        _argument: &'a str,
        _value: &'a str,
        _context: &'a CallContext<'a, A>,
    ) -> Option<BoxFuture<'a, Completion>> {
        None
    }
}

/// What `completion/complete` answers: the values (the dispatcher sends the first 100),
/// how many there are when that is known, and whether there are more than it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub values: Vec<String>,
    pub total: Option<usize>,
    pub has_more: bool,
}

impl Default for Completion {
    /// No values at all.
    fn default() -> Self {
        Completion::from(Vec::new())
    }
}

impl From<Vec<String>> for Completion {
    /// Every value there is.
    fn from(values: Vec<String>) -> Self {
        Completion {
            total: Some(values.len()),
            values,
            has_more: false,
        }
    }
}
