//! `subscriptions/listen` (2026-07-28, SEP-2575): the stream a client opens to hear about
//! things that happen outside any one of its requests. What this server can say there is
//! the Tasks extension's `notifications/tasks`, for the tasks the client names in
//! `notifications.taskIds` (and owns), as ext-tasks `specification/draft/tasks.md` ("Task
//! Status Notifications") defines them: the acknowledgement lists the task ids the server
//! agreed to report on, each notification is the whole task as `tasks/get` would show it,
//! and a client that names tasks without declaring the extension gets -32021. Its tool,
//! prompt and resource lists never change while a deployment runs, so it honours no
//! list-changed kind and no resource subscription: the acknowledgement leaves them out, which
//! is how the spec says "not honoured".
//!
//! The transport owns the stream, the clock and the task store; this module reads the
//! request, writes every message, and decides which task states are news.

use serde_json::{json, Map, Value};

use crate::jsonrpc::{Notification, RequestId, RpcError};
use crate::task;

/// The `_meta` key that ties each message on the stream to the listen request.
pub const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The most tasks one stream watches. Each watched task holds one connection open from the
/// Worker to its Durable Object for the life of the stream, and a Workers invocation has 6
/// simultaneous connections: this leaves one for the checks of the caller's credential.
pub const MAX_TASKS: usize = 5;

/// The filter kinds of the base protocol: read and type-checked, never honoured here.
const LIST_KINDS: [&str; 3] = [
    "toolsListChanged",
    "promptsListChanged",
    "resourcesListChanged",
];

/// Reads a listen request's `params.notifications`. Returns the task ids to watch: those
/// named in `taskIds`, once each. Naming tasks needs the Tasks extension (-32021 without
/// it).
pub fn requested_tasks(
    params: &Map<String, Value>,
    client_capabilities: &Value,
) -> Result<Vec<String>, RpcError> {
    let Some(Value::Object(filter)) = params.get("notifications") else {
        return Err(RpcError::invalid_params(
            "params.notifications must be an object naming the notifications to receive, e.g. {\"taskIds\": [\"<taskId>\"]}",
        ));
    };
    for kind in LIST_KINDS {
        if filter.get(kind).is_some_and(|v| !v.is_boolean()) {
            return Err(RpcError::invalid_params(format!(
                "params.notifications.{kind} must be true or false"
            )));
        }
    }
    strings(filter, "resourceSubscriptions", usize::MAX)?;
    let tasks = strings(filter, "taskIds", MAX_TASKS)?;
    if !tasks.is_empty() && !task::declares_tasks(client_capabilities) {
        return Err(task::missing_capability());
    }
    let mut unique: Vec<String> = Vec::new();
    for id in tasks {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    Ok(unique)
}

/// The array of strings `filter[key]` (absent: empty), at most `max` long.
fn strings(filter: &Map<String, Value>, key: &str, max: usize) -> Result<Vec<String>, RpcError> {
    let invalid = || {
        RpcError::invalid_params(format!(
            "params.notifications.{key} must be an array of strings"
        ))
    };
    match filter.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() > max => Err(RpcError::invalid_params(format!(
            "params.notifications.{key} names {} items; one stream takes at most {max}",
            items.len()
        ))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(invalid))
            .collect(),
        Some(_) => Err(invalid()),
    }
}

/// `_meta` with the subscription id.
fn meta(id: &RequestId) -> Value {
    json!({ META_SUBSCRIPTION_ID: id })
}

/// The first message on the stream: what it will carry (`watched`: the task ids it
/// agreed to report on).
pub fn acknowledged(id: &RequestId, watched: &[String]) -> Notification {
    let mut honoured = Map::new();
    if !watched.is_empty() {
        honoured.insert("taskIds".into(), json!(watched));
    }
    Notification::new(
        "notifications/subscriptions/acknowledged",
        json!({ "notifications": honoured, "_meta": meta(id) }),
    )
}

/// A task's state, as `tasks/get` answered it (`snapshot`), as a status notification.
pub fn task_status(id: &RequestId, snapshot: &Value) -> Notification {
    let mut params = match snapshot {
        Value::Object(task) => task.clone(),
        _ => Map::new(),
    };
    params.remove("resultType");
    let mut meta_object = match params.remove("_meta") {
        Some(Value::Object(meta)) => meta,
        _ => Map::new(),
    };
    meta_object.insert(META_SUBSCRIPTION_ID.into(), json!(id));
    params.insert("_meta".into(), Value::Object(meta_object));
    Notification::new("notifications/tasks", Value::Object(params))
}

/// The listen request's result, which ends the stream gracefully.
pub fn ended(id: &RequestId) -> Value {
    json!({ "_meta": meta(id) })
}

/// What a stream last said about one task: what is news, and when it is finished.
#[derive(Debug, Default)]
pub struct Watch {
    said: Option<(Value, Value)>,
    finished: bool,
}

impl Watch {
    /// Records a state of the task (as `tasks/get` shows it); true when it is news: the
    /// status or its last update differ from what was said, and the task was not finished.
    pub fn observe(&mut self, snapshot: &Value) -> bool {
        if self.finished {
            return false;
        }
        let key = (
            snapshot.get("status").cloned().unwrap_or_default(),
            snapshot.get("lastUpdatedAt").cloned().unwrap_or_default(),
        );
        self.finished = key
            .0
            .as_str()
            .and_then(task::Status::parse)
            .is_some_and(task::Status::is_terminal);
        let news = self.said.as_ref() != Some(&key);
        self.said = Some(key);
        news
    }

    /// True once the task has reached a terminal status: nothing more will change.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tasks() -> Value {
        json!({ "extensions": { task::EXTENSION: {} } })
    }

    fn params(notifications: Value) -> Map<String, Value> {
        match json!({ "notifications": notifications }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_filter_is_checked_and_tasks_need_the_extension() {
        let asked = params(json!({ "taskIds": ["a", "b", "a"], "toolsListChanged": true }));
        assert_eq!(requested_tasks(&asked, &with_tasks()).unwrap(), ["a", "b"]);
        let undeclared = requested_tasks(&asked, &json!({})).unwrap_err();
        assert_eq!(
            undeclared.code,
            crate::jsonrpc::codes::MISSING_REQUIRED_CLIENT_CAPABILITY
        );
        let lists_only = params(json!({ "toolsListChanged": true, "taskIds": [] }));
        assert!(requested_tasks(&lists_only, &json!({})).unwrap().is_empty());
        for bad in [
            json!({ "taskIds": "a" }),
            json!({ "taskIds": [1] }),
            json!({ "toolsListChanged": "yes" }),
            json!({ "resourceSubscriptions": [true] }),
            json!({ "taskIds": vec!["x"; MAX_TASKS + 1] }),
        ] {
            let error = requested_tasks(&params(bad.clone()), &with_tasks()).unwrap_err();
            assert_eq!(error.code, crate::jsonrpc::codes::INVALID_PARAMS, "{bad}");
        }
        let missing = requested_tasks(&Map::new(), &with_tasks()).unwrap_err();
        assert!(
            missing.message.contains("params.notifications"),
            "{missing:?}"
        );
    }

    #[test]
    fn every_message_carries_the_subscription_id() {
        let id = RequestId::Number(7);
        let ack = acknowledged(&id, &["t1".into()]).to_json();
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        assert_eq!(ack["params"]["notifications"], json!({ "taskIds": ["t1"] }));
        assert_eq!(ack["params"]["_meta"][META_SUBSCRIPTION_ID], 7);
        let none = acknowledged(&id, &[]).to_json();
        assert_eq!(none["params"]["notifications"], json!({}));

        let snapshot = json!({ "resultType": "complete", "taskId": "t1", "status": "completed", "result": { "content": [] } });
        let status = task_status(&id, &snapshot).to_json();
        assert_eq!(status["method"], "notifications/tasks");
        assert_eq!(status["params"]["taskId"], "t1");
        assert_eq!(status["params"]["result"], json!({ "content": [] }));
        assert!(status["params"].get("resultType").is_none());
        assert_eq!(status["params"]["_meta"][META_SUBSCRIPTION_ID], 7);
        assert_eq!(
            ended(&RequestId::String("s".into()))["_meta"][META_SUBSCRIPTION_ID],
            "s"
        );
    }

    #[test]
    fn a_watch_reports_changes_once_and_stops_at_the_end() {
        let mut watch = Watch::default();
        let working = json!({ "status": "working", "lastUpdatedAt": "t0" });
        assert!(watch.observe(&working));
        assert!(!watch.observe(&working), "the same state again is no news");
        let progressed = json!({ "status": "working", "lastUpdatedAt": "t1" });
        assert!(watch.observe(&progressed));
        assert!(!watch.is_finished());
        assert!(watch.observe(&json!({ "status": "completed", "lastUpdatedAt": "t2" })));
        assert!(watch.is_finished());
        assert!(!watch.observe(&working), "nothing follows the end");
    }
}
