//! The labels a result carries in `_meta`, for a client to apply its own policy (keys under
//! [`PREFIX`], per the spec's `_meta` naming rules; `io.modelcontextprotocol/` is the spec's):
//! - `untrusted` (integrity): the fields of `structuredContent` a third party wrote, as
//!   paths (`body`, `items[].title`, `commentList.items[].body`);
//! - `private` (confidentiality): whether the repository is private; `null` when GitHub
//!   would not say. A search is private when any of its results is;
//! - `withheld`: how many items lockdown withheld.
//!
//! A label is left out when it does not apply (`whoami` has none).

use mcp_core::tool::{text_content, ToolResult};

/// The prefix of our `_meta` keys.
pub const PREFIX: &str = "io.github.github-mcp-worker/";

/// What lockdown withheld from one result, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Withheld {
    pub count: usize,
    /// Why push access could not be checked for some authors, when it could not.
    pub unchecked: Option<String>,
}

impl Withheld {
    pub fn add(&mut self, other: Withheld) {
        self.count += other.count;
        self.unchecked = self.unchecked.take().or(other.unchecked);
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    untrusted: Vec<String>,
    private: Option<Option<bool>>,
    withheld: Withheld,
}

impl Labels {
    /// Labels naming `untrusted` fields.
    pub fn untrusted(untrusted: Vec<String>) -> Self {
        Labels {
            untrusted,
            ..Labels::default()
        }
    }

    /// The result is about a repository that is (or is not, or may be) private.
    pub fn private(mut self, private: Option<bool>) -> Self {
        self.private = Some(private);
        self
    }

    /// Lockdown withheld items from the result.
    pub fn withheld(mut self, withheld: Withheld) -> Self {
        self.withheld.add(withheld);
        self
    }

    /// Puts the labels in the result's `_meta`, and a note for the model when lockdown
    /// withheld something.
    pub fn apply(self, result: &mut ToolResult) {
        let mut meta = result.meta.take().unwrap_or_default();
        if !self.untrusted.is_empty() {
            meta.insert(format!("{PREFIX}untrusted"), self.untrusted.into());
        }
        if let Some(private) = self.private {
            meta.insert(format!("{PREFIX}private"), private.into());
        }
        if self.withheld.count > 0 {
            meta.insert(format!("{PREFIX}withheld"), self.withheld.count.into());
            result.content.push(text_content(note(&self.withheld)));
        }
        result.meta = (!meta.is_empty()).then_some(meta);
    }
}

/// The note for the model: how many items were withheld, and why.
fn note(withheld: &Withheld) -> String {
    let items = if withheld.count == 1 {
        "item was"
    } else {
        "items were"
    };
    let mut note = format!(
        "Lockdown: {} {items} withheld from this result. On a public repository, lockdown shows issues, pull requests, comments and reviews only by people with push access (and trusted bots).",
        withheld.count
    );
    if let Some(why) = &withheld.unchecked {
        note.push_str(&format!(
            " Push access could not be checked for some authors: {why}."
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn labels_go_in_meta_and_a_withheld_note_in_the_text() {
        let mut result = ToolResult::structured(json!({}), "x".into());
        Labels::untrusted(vec!["title".into(), "items[].body".into()])
            .private(Some(false))
            .withheld(Withheld {
                count: 2,
                unchecked: Some("403".into()),
            })
            .apply(&mut result);
        let meta = result.meta.clone().unwrap();
        assert_eq!(
            Value::Object(meta),
            json!({
                "io.github.github-mcp-worker/untrusted": ["title", "items[].body"],
                "io.github.github-mcp-worker/private": false,
                "io.github.github-mcp-worker/withheld": 2
            })
        );
        let note = result.content[1]["text"].as_str().unwrap();
        assert!(note.starts_with("Lockdown: 2 items were withheld") && note.contains("403"));
        let mut plain = ToolResult::structured(json!({}), "x".into());
        Labels::default().apply(&mut plain);
        assert_eq!(plain.meta, None);
        assert_eq!(plain.content.len(), 1);
    }
}
