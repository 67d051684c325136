//! What one connection asked for: a subset of what the deployment offers (by the URL it
//! connected to, or headers), and lockdown. A legacy session keeps it from `initialize`
//! (or `GET /sse`); a 2026-07-28 request brings its own.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The tools and prompts (by name) and resource providers (by URI scheme, such as
    /// `github://`) offered; `None` for everything the server has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered: Option<Vec<String>>,
    /// The connection switched lockdown on. It cannot switch it off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lockdown: bool,
}

impl Connection {
    /// True when the tool, prompt or resource scheme `name` is offered.
    pub fn offers(&self, name: &str) -> bool {
        self.offered
            .as_ref()
            .is_none_or(|offered| offered.iter().any(|o| o == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_everything_unless_narrowed_and_round_trips() {
        let all = Connection::default();
        assert!(all.offers("whoami"));
        assert_eq!(serde_json::to_string(&all).unwrap(), "{}");
        let some = Connection {
            offered: Some(vec!["getGithubIssue".to_string()]),
            lockdown: true,
        };
        assert!(some.offers("getGithubIssue") && !some.offers("whoami"));
        let back: Connection =
            serde_json::from_str(&serde_json::to_string(&some).unwrap()).unwrap();
        assert_eq!(back, some);
    }
}
