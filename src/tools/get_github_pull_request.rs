//! `getGithubPullRequest`: one pull request with its changed files and review state.

use serde_json::Value;

use super::access::{is_private, remember_private};
use super::args::{input_schema, number, repo_ref, NumberArgs};
use super::get_github_commit::FEW_FILES;
use super::labels::Labels;
use super::list::github_tool;
use super::list_github_pull_requests::PULL_FIELDS;
use super::lockdown;
use super::shape::{
    add_fields, add_property, object_schema, pick, untrusted_paths, Field, Kind, MAX_BODY_CHARS,
    MAX_COMMENT_CHARS,
};
use crate::app::{CallContext, GitHubApp};
use crate::github::{GitHubError, Query};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubPullRequest;

const DETAIL_FIELDS: &[Field] = &[
    ("body", "body", Kind::Markdown(MAX_BODY_CHARS)),
    ("merged", "merged", Kind::Bool),
    ("mergeable", "mergeable", Kind::OptBool),
    ("headSha", "head.sha", Kind::Str),
    ("commits", "commits", Kind::Int),
    ("additions", "additions", Kind::Int),
    ("deletions", "deletions", Kind::Int),
    ("changedFiles", "changed_files", Kind::Int),
];

/// Changed files, shared with `getGithubCommit`.
pub const FILE_FIELDS: &[Field] = &[
    ("filename", "filename", Kind::Name),
    ("status", "status", Kind::Str),
    ("additions", "additions", Kind::Int),
    ("deletions", "deletions", Kind::Int),
    ("changes", "changes", Kind::Int),
];

const REVIEW_FIELDS: &[Field] = &[
    ("author", "user.login", Kind::OptName),
    ("state", "state", Kind::Str),
    ("body", "body", Kind::Markdown(MAX_COMMENT_CHARS)),
    ("submittedAt", "submitted_at", Kind::OptStr),
];

const EXTRA: &str = mcp_core::compact_json!(
    r#"{
    "repository": { "type": "string" },
    "filesTruncated": { "type": "boolean", "description": "Not all are in files" },
    "reviewDecision": { "type": "string", "enum": ["approved", "changes_requested", "commented", "none"], "description": "From each reviewer's latest review" }
}"#
);

impl Tool<GitHubApp> for GetGithubPullRequest {
    type Args = NumberArgs;

    fn definition(&self) -> ToolDefinition {
        let mut output = object_schema(PULL_FIELDS, EXTRA);
        add_fields(&mut output, DETAIL_FIELDS);
        let files = json_text(r#"{"type":"array"}"#);
        add_property(&mut output, "files", with_items(files, FILE_FIELDS));
        let reviews = json_text(r#"{"type":"array"}"#);
        add_property(&mut output, "reviews", with_items(reviews, REVIEW_FIELDS));
        github_tool(
            "getGithubPullRequest",
            "Get a pull request with files and reviews",
            "One pull request: text, branches, merge state, changed files (up to 100, with counts) and reviews. For the diff use getGithubPullRequestDiff.",
            input_schema(&["owner", "repo", "number"], "{}", &["owner", "repo", "number"]),
            output,
        )
    }

    fn call<'a>(
        &'a self,
        args: NumberArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = repo_ref(&args.owner, &args.repo)?;
            let number = number(args.number)?;
            let what = format!("pull request #{number} in {repo}");
            let path = format!("/repos/{repo}/pulls/{number}");
            let mut first_100 = Query::new();
            first_100.push("per_page", 100);
            let progress = |step: f64, message: &str| {
                context.exchange.progress(step, Some(3.0), Some(message));
            };
            progress(0.0, "Reading the pull request");
            let pull = context.app.github.get_json(&path, &what).await?;
            let mut out = pick(&pull, PULL_FIELDS);
            out.extend(pick(&pull, DETAIL_FIELDS));
            out.insert("repository".into(), repo.to_string().into());
            let mut withheld = lockdown::check_item(context, &repo, &pull, &mut out).await;
            progress(1.0, "Reading its files");
            let (files, more) = if withheld.count > 0 {
                // Lockdown withheld it: its branch and file names are the stranger's words
                // too, and so is what its head commit holds.
                out.insert("head".into(), "".into());
                out.insert("headSha".into(), "".into());
                (Value::Array(Vec::new()), None)
            } else {
                let files_path = format!("{path}/files");
                let github = context.app.github;
                // A page of 100 files with their patches can be larger than one call reads.
                match github.get_page(&files_path, &first_100, &what).await {
                    Err(GitHubError::TooLarge { .. }) => {
                        let mut few = Query::new();
                        few.push("per_page", FEW_FILES);
                        github.get_page(&files_path, &few, &what).await?
                    }
                    page => page?,
                }
            };
            progress(2.0, "Reading its reviews");
            let reviews_path = format!("{path}/reviews");
            let (reviews, _) = context
                .app
                .github
                .get_page(&reviews_path, &first_100, &what)
                .await?;
            progress(3.0, "Done");
            if let Some(private) = pull.pointer("/base/repo/private").and_then(Value::as_bool) {
                remember_private(context, &repo, private);
            }
            out.insert("files".into(), pick_all(&files, FILE_FIELDS));
            out.insert("filesTruncated".into(), more.is_some().into());
            let reviews = reviews.as_array().map(Vec::as_slice).unwrap_or_default();
            let (reviews, reviews_withheld) = lockdown::filter(context, &repo, reviews).await;
            withheld.add(reviews_withheld);
            let reviews: Value = reviews
                .iter()
                .map(|r| Value::Object(pick(r, REVIEW_FIELDS)))
                .collect();
            out.insert("reviewDecision".into(), review_decision(&reviews).into());
            out.insert("reviews".into(), reviews);
            let mut untrusted = untrusted_paths("", PULL_FIELDS);
            untrusted.extend(untrusted_paths("", DETAIL_FIELDS));
            untrusted.extend(untrusted_paths("files[].", FILE_FIELDS));
            untrusted.extend(untrusted_paths("reviews[].", REVIEW_FIELDS));
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(untrusted)
                .private(is_private(context, &repo).await)
                .withheld(withheld)
                .apply(&mut result);
            Ok(result)
        })
    }
}

/// An array schema (a JSON object) whose items are `fields` objects.
pub fn with_items(mut array: Value, fields: &[Field]) -> Value {
    if let Some(schema) = array.as_object_mut() {
        schema.insert("items".into(), object_schema(fields, "{}"));
    }
    array
}

/// Picks `fields` from each object of a JSON array.
pub fn pick_all(array: &Value, fields: &[Field]) -> Value {
    let items = array.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .map(|item| Value::Object(pick(item, fields)))
        .collect()
}

/// The decision each reviewer's latest approving, rejecting or commenting review adds up to.
fn review_decision(reviews: &Value) -> &'static str {
    let mut latest: Vec<(&str, &str)> = Vec::new();
    for review in reviews.as_array().into_iter().flatten() {
        let author = review["author"].as_str().unwrap_or("");
        let state = review["state"].as_str().unwrap_or("");
        if !["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"].contains(&state) {
            continue;
        }
        latest.retain(|(a, _)| *a != author);
        latest.push((author, state));
    }
    let any = |s: &str| latest.iter().any(|(_, state)| *state == s);
    if any("CHANGES_REQUESTED") {
        "changes_requested"
    } else if any("APPROVED") {
        "approved"
    } else if any("COMMENTED") {
        "commented"
    } else {
        "none"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn each_reviewers_latest_review_counts() {
        let decide = |reviews| super::review_decision(&reviews);
        assert_eq!(decide(json!([])), "none");
        assert_eq!(
            decide(json!([{ "author": "a", "state": "APPROVED" }])),
            "approved"
        );
        assert_eq!(
            decide(
                json!([{ "author": "a", "state": "CHANGES_REQUESTED" }, { "author": "a", "state": "APPROVED" }])
            ),
            "approved"
        );
        assert_eq!(
            decide(
                json!([{ "author": "a", "state": "APPROVED" }, { "author": "b", "state": "CHANGES_REQUESTED" }])
            ),
            "changes_requested"
        );
        assert_eq!(
            decide(
                json!([{ "author": "a", "state": "COMMENTED" }, { "author": "b", "state": "PENDING" }])
            ),
            "commented"
        );
    }
}
