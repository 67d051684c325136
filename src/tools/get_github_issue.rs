//! `getGithubIssue`: one issue (or pull request) with a page of its comments.

use serde_json::{Map, Value};

use super::access::is_private;
use super::args::{input_schema, number, repo_ref, Paging};
use super::labels::Labels;
use super::list::github_tool;
use super::list_github_issues::ISSUE_FIELDS;
use super::lockdown;
use super::shape::{
    add_property, list_result, list_schema, object_schema, pick, untrusted_paths, Field, Kind,
    MAX_BODY_CHARS, MAX_COMMENT_CHARS,
};
use crate::app::{CallContext, GitHubApp};
use crate::github::Query;
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubIssue;

const COMMENT_FIELDS: &[Field] = &[
    ("id", "id", Kind::Int),
    ("author", "user.login", Kind::OptName),
    ("body", "body", Kind::Markdown(MAX_COMMENT_CHARS)),
    ("createdAt", "created_at", Kind::Str),
    ("htmlUrl", "html_url", Kind::Link),
];

const BODY: &str = mcp_core::compact_json!(r#"{ "type": ["string", "null"] }"#);

mcp_core::arguments! {
    /// `getGithubIssue`'s arguments.
    #[derive(Debug)]
    pub struct IssueArgs {
        pub owner: String,
        pub repo: String,
        pub number: u32,
        pub page: u32,
        pub per_page as "perPage": u32,
    }
}

impl Tool<GitHubApp> for GetGithubIssue {
    type Args = IssueArgs;

    fn definition(&self) -> ToolDefinition {
        let mut output = object_schema(ISSUE_FIELDS, "{}");
        add_property(&mut output, "body", json_text(BODY));
        add_property(
            &mut output,
            "closedAt",
            json_text(r#"{"type":["string","null"]}"#),
        );
        add_property(&mut output, "repository", json_text(r#"{"type":"string"}"#));
        add_property(
            &mut output,
            "commentList",
            list_schema(COMMENT_FIELDS, "{}"),
        );
        let shared = ["owner", "repo", "number", "page", "perPage"];
        github_tool(
            "getGithubIssue",
            "Get an issue with its comments",
            "One issue (text, labels, assignees, state) and a page of its comments, oldest first; `page` pages the comments.",
            input_schema(&shared, "{}", &["owner", "repo", "number"]),
            output,
        )
    }

    fn call<'a>(
        &'a self,
        args: IssueArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = repo_ref(&args.owner, &args.repo)?;
            let number = number(args.number)?;
            let paging = Paging::new(args.page, args.per_page);
            let what = format!("issue #{number} in {repo}");
            let path = format!("/repos/{repo}/issues/{number}");
            context
                .exchange
                .progress(0.0, Some(2.0), Some("Reading the issue"));
            let issue = context.app.github.get_json(&path, &what).await?;
            context
                .exchange
                .progress(1.0, Some(2.0), Some("Reading its comments"));
            let mut query = Query::new();
            query
                .push("per_page", paging.per_page)
                .push("page", paging.page);
            let comments_path = format!("{path}/comments");
            let (comments, next_page) = context
                .app
                .github
                .get_page(&comments_path, &query, &what)
                .await?;
            context.exchange.progress(2.0, Some(2.0), Some("Done"));
            let mut out = pick(&issue, ISSUE_FIELDS);
            let extra: &[Field] = &[
                ("body", "body", Kind::Markdown(MAX_BODY_CHARS)),
                ("closedAt", "closed_at", Kind::OptStr),
            ];
            out.extend(pick(&issue, extra));
            out.insert("repository".into(), repo.to_string().into());
            let mut withheld = lockdown::check_item(context, &repo, &issue, &mut out).await;
            let comments = comments.as_array().map(Vec::as_slice).unwrap_or_default();
            let (comments, comments_withheld) = lockdown::filter(context, &repo, comments).await;
            withheld.add(comments_withheld);
            let comments = comments
                .iter()
                .map(|c| Value::Object(pick(c, COMMENT_FIELDS)));
            let list = list_result(comments.collect(), paging, next_page, Map::new());
            out.insert("commentList".into(), list);
            let mut untrusted = untrusted_paths("", ISSUE_FIELDS);
            untrusted.push("body".into());
            untrusted.extend(untrusted_paths("commentList.items[].", COMMENT_FIELDS));
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(untrusted)
                .private(is_private(context, &repo).await)
                .withheld(withheld)
                .apply(&mut result);
            Ok(result)
        })
    }
}
