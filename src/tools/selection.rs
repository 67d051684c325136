//! Per-connection tool selection and lockdown: a connection asks for less than the
//! deployment offers (`MCP_TOOLSETS` stays the upper bound), by URL or by header:
//! - `/mcp/x/issues,pulls` (or `/sse/x/…`): those toolsets;
//! - `X-MCP-Toolsets: issues,pulls`: toolsets, and `X-MCP-Tools: getGithubIssue,whoami`:
//!   single tools; together they add up;
//! - the URL and the headers each narrow: what is offered is in both;
//! - `/lockdown` at the end of the URL, or `X-MCP-Lockdown: true`, switches lockdown on
//!   for the connection; nothing switches it off.
//!
//! A toolset brings its prompts and resources; `whoami` comes with any GitHub toolset.
//! Names are case-insensitive toolsets (`github` or `all` for every one) and exact tool
//! names. An unknown name, or one this deployment does not offer, is refused with the
//! names that would work.

use crate::app::Server;
use mcp_core::connection::Connection;

/// The group of what every GitHub toolset brings (`whoami`).
pub const EVERY_TOOLSET: &str = "any";
/// The toolsets a connection may name, besides `github` and `all`.
pub const TOOLSETS: [&str; 5] = ["repos", "issues", "pulls", "search", "users"];
/// At most this many names in one list.
const MAX_NAMES: usize = 64;

/// What a request says about the connection it belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked<'a> {
    /// The toolsets in the URL (`/mcp/x/<these>`).
    pub url_toolsets: Option<&'a str>,
    /// The URL ends in `/lockdown`.
    pub url_lockdown: bool,
    pub toolsets_header: Option<&'a str>,
    pub tools_header: Option<&'a str>,
    pub lockdown_header: Option<&'a str>,
}

/// The connection `asked` describes on `server`, or why it cannot be had.
pub fn connection(server: &Server, asked: &Asked<'_>) -> Result<Connection, String> {
    let lockdown = match asked.lockdown_header.map(str::trim) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
        Some(other) => {
            return Err(format!(
            "X-MCP-Lockdown is '{}', but it must be true (a connection cannot switch lockdown off)",
            other.escape_debug()
        ))
        }
    };
    let from_url = match present(asked.url_toolsets) {
        Some(list) => Some(toolsets(server, list, "the URL")?),
        None => None,
    };
    let from_headers = match (present(asked.toolsets_header), present(asked.tools_header)) {
        (None, None) => None,
        (sets, tools) => {
            let mut offered = match sets {
                Some(list) => toolsets(server, list, "X-MCP-Toolsets")?,
                None => Vec::new(),
            };
            if let Some(list) = tools {
                for tool in tools_named(server, list)? {
                    add(&mut offered, tool);
                }
            }
            Some(offered)
        }
    };
    let offered = match (from_url, from_headers) {
        (Some(url), Some(headers)) => {
            let both: Vec<String> = url.into_iter().filter(|n| headers.contains(n)).collect();
            if both.is_empty() {
                return Err(
                    "the URL and the X-MCP-Toolsets/X-MCP-Tools headers select nothing in common"
                        .into(),
                );
            }
            Some(both)
        }
        (one, other) => one.or(other),
    };
    Ok(Connection {
        offered,
        lockdown: lockdown || asked.url_lockdown,
    })
}

/// Adds `name` unless it is there already.
fn add(names: &mut Vec<String>, name: &str) {
    if !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
}

fn present(list: Option<&str>) -> Option<&str> {
    list.map(str::trim).filter(|l| !l.is_empty())
}

/// The names in a comma-separated list.
fn names(list: &str) -> Result<Vec<&str>, String> {
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.len() > MAX_NAMES {
        return Err(format!("at most {MAX_NAMES} names may be given at once"));
    }
    Ok(names)
}

/// Everything the named toolsets bring on this server.
fn toolsets(server: &Server, list: &str, source: &str) -> Result<Vec<String>, String> {
    let offered: Vec<&str> = TOOLSETS
        .into_iter()
        .filter(|t| server.group_members(t).next().is_some())
        .collect();
    let mut groups: Vec<&str> = Vec::new();
    for name in names(list)? {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "github" | "all" => groups.extend(&offered),
            _ => match TOOLSETS.iter().find(|t| **t == lower) {
                Some(toolset) if offered.contains(toolset) => groups.push(toolset),
                Some(_) => {
                    return Err(format!(
                        "{source} names the toolset '{lower}', which this server does not offer; it offers: {}",
                        offered.join(", ")
                    ))
                }
                None => {
                    return Err(format!(
                        "{source} names '{}', which is not a toolset; the toolsets are: github (all of them), {}",
                        name.escape_debug(),
                        offered.join(", ")
                    ))
                }
            },
        }
    }
    if !groups.is_empty() {
        groups.push(EVERY_TOOLSET);
    }
    let mut offered = Vec::new();
    for name in groups.into_iter().flat_map(|g| server.group_members(g)) {
        add(&mut offered, name);
    }
    Ok(offered)
}

/// The named tools, each one this server has.
fn tools_named<'l>(server: &Server, list: &'l str) -> Result<Vec<&'l str>, String> {
    let mut tools = Vec::new();
    for name in names(list)? {
        let known = server.tool_definitions().any(|d| d.name == name);
        if !known {
            let all: Vec<&str> = server.tool_definitions().map(|d| d.name).collect();
            return Err(format!(
                "X-MCP-Tools names '{}', which is not a tool here; the tools are: {}",
                name.escape_debug(),
                all.join(", ")
            ));
        }
        tools.push(name);
    }
    Ok(tools)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn server(toolsets: &str) -> Server {
        let toolsets = toolsets.to_string();
        let config =
            Config::from_lookup(|name| (name == "MCP_TOOLSETS").then(|| toolsets.clone())).unwrap();
        super::super::build_server(&config)
    }

    fn offered(connection: &Connection) -> Vec<&str> {
        let mut names: Vec<&str> = connection
            .offered
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn toolsets_bring_their_tools_prompts_resources_and_whoami() {
        let server = server("github");
        let asked = Asked {
            url_toolsets: Some("Issues,pulls"),
            ..Asked::default()
        };
        let connection = connection(&server, &asked).unwrap();
        assert_eq!(
            offered(&connection),
            [
                "getGithubIssue",
                "getGithubPullRequest",
                "getGithubPullRequestDiff",
                "listGithubIssues",
                "listGithubPullRequests",
                "reviewPullRequest",
                "searchGithubIssues",
                "triageIssues",
                "whoami"
            ]
        );
        assert!(!connection.lockdown);
        let repos = super::connection(
            &server,
            &Asked {
                toolsets_header: Some("repos"),
                ..Asked::default()
            },
        )
        .unwrap();
        assert!(repos.offers("github://") && repos.offers("summariseRepository"));
        assert_eq!(connection_of(&server, Asked::default()).offered, None);
    }

    fn connection_of(server: &Server, asked: Asked<'_>) -> Connection {
        connection(server, &asked).unwrap()
    }

    #[test]
    fn headers_add_up_and_the_url_narrows_them() {
        let server = server("github");
        let headers = Asked {
            toolsets_header: Some("users"),
            tools_header: Some("getGithubIssue, getGithubReadme"),
            ..Asked::default()
        };
        assert_eq!(
            offered(&connection_of(&server, headers)),
            [
                "getGithubIssue",
                "getGithubReadme",
                "getGithubUser",
                "whoami"
            ]
        );
        let both = Asked {
            url_toolsets: Some("issues"),
            ..headers
        };
        assert_eq!(
            offered(&connection_of(&server, both)),
            ["getGithubIssue", "whoami"]
        );
        let disjoint = Asked {
            url_toolsets: Some("search"),
            tools_header: Some("getGithubIssue"),
            ..Asked::default()
        };
        assert!(connection(&server, &disjoint)
            .unwrap_err()
            .contains("nothing in common"));
        let just_tools = Asked {
            tools_header: Some("whoami"),
            ..Asked::default()
        };
        assert_eq!(offered(&connection_of(&server, just_tools)), ["whoami"]);
    }

    #[test]
    fn lockdown_can_be_switched_on_never_off() {
        let server = server("github");
        for (header, url, on) in [
            (Some("true"), false, true),
            (Some("TRUE"), false, true),
            (Some("1"), false, true),
            (None, true, true),
            (Some("false"), true, true),
            (Some("0"), false, false),
            (None, false, false),
        ] {
            let asked = Asked {
                lockdown_header: header,
                url_lockdown: url,
                ..Asked::default()
            };
            assert_eq!(
                connection_of(&server, asked).lockdown,
                on,
                "{header:?} {url}"
            );
        }
        let bad = Asked {
            lockdown_header: Some("maybe"),
            ..Asked::default()
        };
        assert!(connection(&server, &bad)
            .unwrap_err()
            .contains("X-MCP-Lockdown"));
    }

    #[test]
    fn unknown_or_unoffered_names_are_refused_with_the_valid_ones() {
        let narrow = server("issues,users");
        let cases = [
            (
                Asked {
                    url_toolsets: Some("pulls"),
                    ..Asked::default()
                },
                "does not offer; it offers: issues, users",
            ),
            (
                Asked {
                    url_toolsets: Some("gitlab"),
                    ..Asked::default()
                },
                "not a toolset; the toolsets are: github (all of them), issues, users",
            ),
            (
                Asked {
                    tools_header: Some("getGithubReadme"),
                    ..Asked::default()
                },
                "the tools are: listGithubIssues, getGithubIssue",
            ),
            (
                Asked {
                    toolsets_header: Some("x\ny"),
                    ..Asked::default()
                },
                "'x\\ny'",
            ),
        ];
        for (asked, message) in cases {
            let error = connection(&narrow, &asked).unwrap_err();
            assert!(error.contains(message), "{error}");
        }
        let all = connection_of(
            &narrow,
            Asked {
                url_toolsets: Some("all"),
                ..Asked::default()
            },
        );
        assert_eq!(offered(&all).len(), 6);
        let many = vec!["issues"; MAX_NAMES + 1].join(",");
        let asked = Asked {
            toolsets_header: Some(&many),
            ..Asked::default()
        };
        assert!(connection(&narrow, &asked).is_err());
    }
}
