//! The two shapes most read tools share, declared once: a page of a repository's list
//! (`/repos/{owner}/{repo}/…`) and a page of a search (`/search/…`). A tool of either shape
//! is a `const` in its own file: its name, texts, extra arguments, endpoint and fields.
//! Both label their results ([`super::labels`]), and lists of what people wrote (issues,
//! pull requests) go through lockdown ([`super::lockdown`]).

use serde_json::Value;

use super::access::is_private;
use super::args::{input_schema, repo_ref, text, Paging};
use super::labels::{Labels, Withheld};
use super::lockdown;
use super::shape::{
    fetch_page, list_result, list_schema, pick, repository_field, untrusted_paths, Field,
    REPOSITORY_FIELD, SEARCH_FIELDS,
};
use crate::app::{CallContext, GitHubApp};
use crate::github::repo::RepoRef;
use crate::github::Query;
use mcp_core::exchange::BoxFuture;
use mcp_core::task::TaskSupport;
use mcp_core::tool::{Annotations, Tool, ToolDefinition, ToolError, ToolResult};

/// Builds a tool's upstream query from its arguments (validating each value it uses).
pub type QueryFn = fn(&ListArgs) -> Result<Query, ToolError>;

mcp_core::arguments! {
    /// The arguments of every repository list: `owner`, `repo` and paging, and each list's own
    /// filters (a list declares some of them in its schema; the others stay `None`).
    #[derive(Debug)]
    pub struct ListArgs {
        pub owner: String,
        pub repo: String,
        pub page: u32,
        pub per_page as "perPage": u32,
        pub protected: Option<bool>,
        pub git_ref as "ref": Option<String>,
        pub path: Option<String>,
        pub author: Option<String>,
        pub since: Option<String>,
        pub until: Option<String>,
        pub state: Option<String>,
        pub labels: Option<String>,
        pub assignee: Option<String>,
        pub creator: Option<String>,
        pub base: Option<String>,
        pub sort: Option<String>,
        pub direction: Option<String>,
    }
}

mcp_core::arguments! {
    /// The arguments of every search: the query, paging, and each search's own (declared by
    /// some searches only).
    #[derive(Debug)]
    pub struct SearchArgs {
        pub query: String,
        pub page: u32,
        pub per_page as "perPage": u32,
        pub sort: Option<String>,
        pub order: Option<String>,
        pub max_pages as "maxPages": Option<u32>,
    }
}

/// A page of `GET /repos/{owner}/{repo}{endpoint}`.
pub struct RepoList {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The tool's own arguments (JSON object text of property schemas).
    pub arguments: &'static str,
    pub endpoint: &'static str,
    pub fields: &'static [Field],
    pub query: QueryFn,
    /// The items are issues or pull requests: lockdown applies.
    pub authored: bool,
}

/// What a search finds, which says where each result's repository and privacy are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Repositories,
    Code,
    /// Issues and pull requests: lockdown applies.
    Issues,
}

/// A page of `GET {endpoint}?q=…` (a search).
pub struct Search {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: &'static str,
    pub endpoint: &'static str,
    pub fields: &'static [Field],
    pub query: SearchQueryFn,
    pub found: Found,
}

/// At most this many repositories of one page of search results are looked up for the
/// `private` label; past that it is null (unknown).
const MAX_PRIVACY_LOOKUPS: usize = 10;

pub type SearchQueryFn = fn(&SearchArgs) -> Result<Query, ToolError>;

/// No extra query parameters.
pub fn no_query(_: &ListArgs) -> Result<Query, ToolError> {
    Ok(Query::new())
}

/// No extra query parameters for a search.
pub fn no_search_query(_: &SearchArgs) -> Result<Query, ToolError> {
    Ok(Query::new())
}

/// `sort` and `order` from the arguments of the same names (the schema's enums bound them).
pub fn sort_order(args: &SearchArgs) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query
        .opt("sort", args.sort.as_deref())
        .opt("order", args.order.as_deref());
    Ok(query)
}

/// The definition of a read-only GitHub tool with structured output (an object).
pub fn github_tool(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    input_schema: Value,
    mut output_schema: Value,
) -> ToolDefinition {
    if let Value::Object(schema) = &mut output_schema {
        schema.insert("type".into(), "object".into());
    }
    ToolDefinition {
        name,
        title,
        description,
        input_schema,
        output_schema: Some(output_schema),
        annotations: Annotations::REMOTE_READ,
    }
}

impl Tool<GitHubApp> for RepoList {
    type Args = ListArgs;

    fn definition(&self) -> ToolDefinition {
        let shared = ["owner", "repo", "page", "perPage"];
        github_tool(
            self.name,
            self.title,
            self.description,
            input_schema(&shared, self.arguments, &["owner", "repo"]),
            list_schema(self.fields, REPOSITORY_FIELD),
        )
    }

    fn call<'a>(
        &'a self,
        args: ListArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = repo_ref(&args.owner, &args.repo)?;
            let query = (self.query)(&args)?;
            super::lockdown_refs::check_ref(context, &repo, args.git_ref.as_deref()).await?;
            let path = format!("/repos/{repo}{}", self.endpoint);
            let what = format!("the repository {repo}");
            let paging = Paging::new(args.page, args.per_page);
            let page =
                fetch_page(context.app.github, &path, query, paging, &what, self.fields).await?;
            let (shown, withheld) = if self.authored {
                lockdown::filter(context, &repo, &page.items).await
            } else {
                (page.items.iter().collect(), Withheld::default())
            };
            let items = shown.iter().map(|i| Value::Object(pick(i, self.fields)));
            let out = list_result(
                items.collect(),
                paging,
                page.next_page,
                repository_field(&repo),
            );
            let mut result = super::render::structured(out);
            Labels::untrusted(untrusted_paths("items[].", self.fields))
                .private(is_private(context, &repo).await)
                .withheld(withheld)
                .apply(&mut result);
            Ok(result)
        })
    }
}

impl Tool<GitHubApp> for Search {
    type Args = SearchArgs;

    fn definition(&self) -> ToolDefinition {
        let shared = ["query", "page", "perPage"];
        github_tool(
            self.name,
            self.title,
            self.description,
            input_schema(&shared, self.arguments, &["query"]),
            list_schema(self.fields, SEARCH_FIELDS),
        )
    }

    fn tasks(&self) -> TaskSupport {
        TaskSupport::Optional
    }

    fn wants_task(&self, args: &SearchArgs) -> bool {
        args.max_pages.unwrap_or(1) > 1
    }

    fn call<'a>(
        &'a self,
        args: SearchArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let q = text("query", Some(&args.query), 256)?
                .unwrap_or_default()
                .to_string();
            let mut query = Query::new();
            query.push("q", &q);
            query.append(&(self.query)(&args)?);
            let what = format!("results for {}", self.endpoint);
            let paging = Paging::new(args.page, args.per_page);
            let mut page = fetch_page(
                context.app.github,
                self.endpoint,
                query.clone(),
                paging,
                &what,
                self.fields,
            )
            .await?;
            // `maxPages` (where a search declares it): the next pages, one after another.
            let pages = args.max_pages.unwrap_or(1);
            for fetched in 1..pages {
                let Some(next) = page.next_page else { break };
                let message = format!("{fetched} of up to {pages} pages");
                context.exchange.progress(
                    f64::from(fetched),
                    Some(f64::from(pages)),
                    Some(&message),
                );
                let more = Paging {
                    page: next,
                    ..paging
                };
                let more = fetch_page(
                    context.app.github,
                    self.endpoint,
                    query.clone(),
                    more,
                    &what,
                    self.fields,
                )
                .await?;
                page.items.extend(more.items);
                page.next_page = more.next_page;
            }
            let mut shown = Vec::with_capacity(page.items.len());
            let mut withheld = Withheld::default();
            let lookups = lockdown::Lookups::default();
            for item in &page.items {
                let repo = self.repository_of(item);
                let verdict = match (self.found, &repo) {
                    (Found::Issues, Some(repo)) => {
                        lockdown::verdict(context, repo, item, &lookups).await
                    }
                    (Found::Issues, None) if context.app.policy.lockdown => {
                        lockdown::Verdict::Withheld(None)
                    }
                    _ => lockdown::Verdict::Shown,
                };
                match verdict {
                    lockdown::Verdict::Shown => shown.push(item),
                    lockdown::Verdict::Withheld(unchecked) => withheld.add(Withheld {
                        count: 1,
                        unchecked,
                    }),
                }
            }
            let private = self.private(context, &shown).await;
            let mut extra = page.extra;
            extra.insert("query".into(), q.into());
            let items = shown.iter().map(|i| Value::Object(pick(i, self.fields)));
            let out = list_result(items.collect(), paging, page.next_page, extra);
            let mut result = super::render::structured(out);
            Labels::untrusted(untrusted_paths("items[].", self.fields))
                .private(private)
                .withheld(withheld)
                .apply(&mut result);
            Ok(result)
        })
    }
}

impl Search {
    /// The repository a search result belongs to.
    fn repository_of(&self, item: &Value) -> Option<RepoRef> {
        let full_name = match self.found {
            Found::Repositories => item.get("full_name").and_then(Value::as_str)?.to_string(),
            Found::Code => item
                .pointer("/repository/full_name")
                .and_then(Value::as_str)?
                .to_string(),
            Found::Issues => {
                let url = item.get("repository_url").and_then(Value::as_str)?;
                let mut parts = url.rsplit('/');
                let (repo, owner) = (parts.next()?, parts.next()?);
                format!("{owner}/{repo}")
            }
        };
        let (owner, repo) = full_name.split_once('/')?;
        Some(RepoRef {
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }

    /// Whether any result is from a private repository: from the results themselves where
    /// GitHub says, else by looking the repositories up (a few at most).
    async fn private(&self, context: &CallContext<'_>, items: &[&Value]) -> Option<bool> {
        let flag = match self.found {
            Found::Repositories => Some("/private"),
            Found::Code => Some("/repository/private"),
            Found::Issues => None,
        };
        if let Some(pointer) = flag {
            return Some(
                items
                    .iter()
                    .any(|i| i.pointer(pointer) == Some(&Value::Bool(true))),
            );
        }
        let mut repos: Vec<String> = Vec::new();
        for repo in items.iter().filter_map(|i| self.repository_of(i)) {
            let name = repo.to_string();
            if !repos.contains(&name) {
                repos.push(name);
            }
        }
        if repos.len() > MAX_PRIVACY_LOOKUPS {
            return None;
        }
        let mut any = Some(false);
        for repo in items.iter().filter_map(|i| self.repository_of(i)) {
            match is_private(context, &repo).await {
                Some(true) => return Some(true),
                Some(false) => {}
                None => any = None,
            }
        }
        any
    }
}
