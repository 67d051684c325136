//! The two shapes most read tools share, declared once: a page of a repository's list
//! (`/repos/{owner}/{repo}/…`) and a page of a search (`/search/…`). A tool of either shape
//! is a `const` in its own file: its name, texts, extra arguments, endpoint and fields.

use serde_json::{Map, Value};

use super::args::{input_schema, Args};
use super::shape::{
    fetch_list, list_schema, repository_field, Field, REPOSITORY_FIELD, SEARCH_FIELDS,
};
use crate::github::Query;
use crate::mcp::exchange::BoxFuture;
use crate::mcp::tool::{Annotations, CallContext, Tool, ToolDefinition, ToolError, ToolResult};

/// Builds a tool's upstream query from its arguments (validating each value it uses).
pub type QueryFn = fn(&Args) -> Result<Query, ToolError>;

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
}

/// A page of `GET {endpoint}?q=…` (a search).
pub struct Search {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: &'static str,
    pub endpoint: &'static str,
    pub fields: &'static [Field],
    pub query: QueryFn,
}

/// No extra query parameters.
pub fn no_query(_: &Args) -> Result<Query, ToolError> {
    Ok(Query::new())
}

/// `sort` and `order` from the arguments of the same names (the schema's enums bound them).
pub fn sort_order(args: &Args) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query
        .opt("sort", args.str("sort"))
        .opt("order", args.str("order"));
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
    output_schema["type"] = "object".into();
    ToolDefinition {
        name,
        title,
        description,
        input_schema,
        output_schema: Some(output_schema),
        annotations: Annotations::READS_GITHUB,
    }
}

impl Tool for RepoList {
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
        arguments: Map<String, Value>,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let args = Args(arguments);
            let repo = args.repo()?;
            let query = (self.query)(&args)?;
            let path = format!("/repos/{repo}{}", self.endpoint);
            let what = format!("the repository {repo}");
            let extra = repository_field(&repo);
            let paging = args.paging();
            fetch_list(
                context.github,
                &path,
                query,
                paging,
                self.fields,
                &what,
                extra,
            )
            .await
        })
    }
}

impl Tool for Search {
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

    fn call<'a>(
        &'a self,
        arguments: Map<String, Value>,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let args = Args(arguments);
            let q = args.text("query", 256)?.unwrap_or_default().to_string();
            let mut query = Query::new();
            query.push("q", &q);
            query.append(&(self.query)(&args)?);
            let mut extra = Map::new();
            extra.insert("query".into(), q.into());
            let what = format!("results for {}", self.endpoint);
            let paging = args.paging();
            fetch_list(
                context.github,
                self.endpoint,
                query,
                paging,
                self.fields,
                &what,
                extra,
            )
            .await
        })
    }
}
