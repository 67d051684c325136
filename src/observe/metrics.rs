//! The metrics: counts that each isolate gathers and the metrics object adds up, and their
//! Prometheus text exposition. Plain Rust, tested on the host.
//!
//! Label values are bounded: `method` is a known MCP method (else `other`), `tool` a tool
//! this server has (else empty), `status` an [`Outcome`], GitHub's `status` an HTTP status
//! code (else `error`), so no request can grow the series without bound.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::record::{Outcome, Record};

/// Histogram bucket bounds, in milliseconds: around the SLO (p95 < 1 s) and the alert
/// (p95 > 2 s).
pub const BUCKETS_MS: [u64; 10] = [25, 50, 100, 250, 500, 750, 1000, 2000, 3000, 5000];

/// The MCP methods counted under their own name.
const METHODS: [&str; 17] = [
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "notifications/initialized",
    "notifications/cancelled",
    "batch",
];

/// The `method` label for a JSON-RPC method, or for a request that carried none.
pub fn method_label(method: Option<&str>, http_method: &str) -> String {
    match method {
        Some(m) if METHODS.contains(&m) => m.to_string(),
        Some(m) if m.starts_with("notifications/") => "notifications/other".into(),
        Some(_) => "other".into(),
        None => format!("http:{}", http_method.to_ascii_uppercase()),
    }
}

/// Counts of durations by bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Observations at or under each bound of [`BUCKETS_MS`] (not cumulative).
    pub buckets: Vec<u64>,
    pub count: u64,
    pub sum_ms: u64,
}

impl Histogram {
    pub fn observe(&mut self, ms: i64) {
        let ms = u64::try_from(ms).unwrap_or(0);
        if self.buckets.len() != BUCKETS_MS.len() {
            self.buckets.resize(BUCKETS_MS.len(), 0);
        }
        if let Some(i) = BUCKETS_MS.iter().position(|bound| ms <= *bound) {
            if let Some(slot) = self.buckets.get_mut(i) {
                *slot += 1;
            }
        }
        self.count += 1;
        self.sum_ms += ms;
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.buckets.len() != BUCKETS_MS.len() {
            self.buckets.resize(BUCKETS_MS.len(), 0);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum_ms += other.sum_ms;
    }
}

/// Every count, for an isolate's batch or the whole deployment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// By `method \u{1f} tool \u{1f} status`.
    pub requests: BTreeMap<String, u64>,
    pub duration: Histogram,
    /// Tool results with `isError`, by tool.
    pub tool_errors: BTreeMap<String, u64>,
    /// By reason (the OAuth error code).
    pub auth_failures: BTreeMap<String, u64>,
    /// By the limit that refused.
    pub rate_limited: BTreeMap<String, u64>,
    /// By GitHub's status.
    pub github_requests: BTreeMap<String, u64>,
    pub github_duration: Histogram,
    /// The last `x-ratelimit-remaining` seen: (epoch ms, value).
    pub github_rate_limit_remaining: Option<(i64, u64)>,
    pub sessions_opened: u64,
    pub sessions_closed: u64,
    /// Batches the metrics object received (only it counts these).
    pub flushes: u64,
}

const SEP: char = '\u{1f}';

impl Totals {
    pub fn is_empty(&self) -> bool {
        *self == Totals::default()
    }

    /// MCP requests counted so far.
    pub fn request_count(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Adds one request; `known_tool` says whether its tool name is one of ours.
    pub fn add(&mut self, record: &Record) {
        if let Some(reason) = record.auth_failure {
            *self.auth_failures.entry(reason.to_string()).or_default() += 1;
        }
        if record.outcome() == Outcome::RateLimited {
            let limit = record.limited_by.unwrap_or("other");
            *self.rate_limited.entry(limit.to_string()).or_default() += 1;
        }
        for call in &record.github.calls {
            let status = call
                .status
                .filter(|s| (100..600).contains(s))
                .map_or_else(|| "error".to_string(), |s| s.to_string());
            *self.github_requests.entry(status).or_default() += 1;
            self.github_duration.observe(call.duration_ms);
        }
        if let Some(remaining) = record.github.rate_limit_remaining {
            self.github_rate_limit_remaining = Some((record.ts_ms, remaining));
        }
        if !record.transport.is_mcp() {
            return;
        }
        let method = method_label(record.method.as_deref(), &record.http_method);
        let tool = record.tool.clone().unwrap_or_default();
        let outcome = record.outcome();
        if outcome == Outcome::ToolError {
            *self.tool_errors.entry(tool.clone()).or_default() += 1;
        }
        let key = format!("{method}{SEP}{tool}{SEP}{}", outcome.as_str());
        *self.requests.entry(key).or_default() += 1;
        self.duration.observe(record.duration_ms);
    }

    pub fn merge(&mut self, other: &Totals) {
        let add = |mine: &mut BTreeMap<String, u64>, theirs: &BTreeMap<String, u64>| {
            for (k, v) in theirs {
                *mine.entry(k.clone()).or_default() += v;
            }
        };
        add(&mut self.requests, &other.requests);
        add(&mut self.tool_errors, &other.tool_errors);
        add(&mut self.auth_failures, &other.auth_failures);
        add(&mut self.rate_limited, &other.rate_limited);
        add(&mut self.github_requests, &other.github_requests);
        self.duration.merge(&other.duration);
        self.github_duration.merge(&other.github_duration);
        if let Some((at, value)) = other.github_rate_limit_remaining {
            let newer = self
                .github_rate_limit_remaining
                .is_none_or(|(mine, _)| at >= mine);
            if newer {
                self.github_rate_limit_remaining = Some((at, value));
            }
        }
        self.sessions_opened += other.sessions_opened;
        self.sessions_closed += other.sessions_closed;
        self.flushes += other.flushes;
    }

    /// A compact text form, one count per line (`kind \t key \t value`), for batches sent
    /// to the metrics object and the totals it stores. Keys are label values, which hold
    /// no tabs or newlines.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (kind, map) in self.maps() {
            for (key, count) in map {
                let _ = writeln!(out, "{kind}\t{key}\t{count}");
            }
        }
        for (kind, h) in [("d", &self.duration), ("D", &self.github_duration)] {
            let buckets: Vec<String> = h.buckets.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "{kind}\t{}\t{}\t{}",
                h.count,
                h.sum_ms,
                buckets.join(" ")
            );
        }
        if let Some((at, value)) = self.github_rate_limit_remaining {
            let _ = writeln!(out, "R\t{at}\t{value}");
        }
        let (opened, closed, flushes) = (self.sessions_opened, self.sessions_closed, self.flushes);
        let _ = writeln!(out, "s\t{opened}\t{closed}\t{flushes}");
        out
    }

    /// Reads [`Totals::encode`]'s form; lines it does not understand are skipped.
    pub fn decode(text: &str) -> Totals {
        let mut totals = Totals::default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let num = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            match fields.as_slice() {
                ["R", at, _] => {
                    totals.github_rate_limit_remaining = at.parse().ok().map(|at| (at, num(2)));
                }
                [kind, key, _] => {
                    if let Some(map) = totals.map_mut(kind) {
                        *map.entry((*key).to_string()).or_default() += num(2);
                    }
                }
                ["d" | "D", _, _, buckets] => {
                    let h = Histogram {
                        buckets: buckets.split(' ').map(|b| b.parse().unwrap_or(0)).collect(),
                        count: num(1),
                        sum_ms: num(2),
                    };
                    if fields.first() == Some(&"d") {
                        totals.duration.merge(&h);
                    } else {
                        totals.github_duration.merge(&h);
                    }
                }
                ["s", _, _, _] => {
                    totals.sessions_opened += num(1);
                    totals.sessions_closed += num(2);
                    totals.flushes += num(3);
                }
                _ => {}
            }
        }
        totals
    }

    fn maps(&self) -> [(&'static str, &BTreeMap<String, u64>); 5] {
        [
            ("r", &self.requests),
            ("e", &self.tool_errors),
            ("a", &self.auth_failures),
            ("l", &self.rate_limited),
            ("g", &self.github_requests),
        ]
    }

    fn map_mut(&mut self, kind: &str) -> Option<&mut BTreeMap<String, u64>> {
        match kind {
            "r" => Some(&mut self.requests),
            "e" => Some(&mut self.tool_errors),
            "a" => Some(&mut self.auth_failures),
            "l" => Some(&mut self.rate_limited),
            "g" => Some(&mut self.github_requests),
            _ => None,
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        header(
            &mut out,
            "mcp_requests_total",
            "counter",
            "MCP requests by JSON-RPC method, tool and outcome.",
        );
        for (key, count) in &self.requests {
            let mut parts = key.split(SEP);
            let (method, tool, status) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let labels = format!(
                "method=\"{}\",tool=\"{}\",status=\"{}\"",
                escape(method),
                escape(tool),
                escape(status)
            );
            sample(&mut out, "mcp_requests_total", &labels, *count);
        }
        histogram(
            &mut out,
            "mcp_request_duration_seconds",
            "MCP request duration, from arrival to the last byte of its answer.",
            &self.duration,
        );
        header(
            &mut out,
            "mcp_tool_errors_total",
            "counter",
            "Tool results with isError, by tool.",
        );
        for (tool, count) in &self.tool_errors {
            sample(
                &mut out,
                "mcp_tool_errors_total",
                &format!("tool=\"{}\"", escape(tool)),
                *count,
            );
        }
        header(
            &mut out,
            "mcp_auth_failures_total",
            "counter",
            "Requests refused by authentication, by reason.",
        );
        for (reason, count) in &self.auth_failures {
            sample(
                &mut out,
                "mcp_auth_failures_total",
                &format!("reason=\"{}\"", escape(reason)),
                *count,
            );
        }
        header(
            &mut out,
            "mcp_rate_limited_total",
            "counter",
            "Requests refused by a rate limit, by limit.",
        );
        for (limit, count) in &self.rate_limited {
            sample(
                &mut out,
                "mcp_rate_limited_total",
                &format!("limit=\"{}\"", escape(limit)),
                *count,
            );
        }
        header(
            &mut out,
            "github_requests_total",
            "counter",
            "Requests to the GitHub API, by status (error: no answer).",
        );
        for (status, count) in &self.github_requests {
            sample(
                &mut out,
                "github_requests_total",
                &format!("status=\"{}\"", escape(status)),
                *count,
            );
        }
        histogram(
            &mut out,
            "github_request_duration_seconds",
            "GitHub API request duration.",
            &self.github_duration,
        );
        header(
            &mut out,
            "github_rate_limit_remaining",
            "gauge",
            "x-ratelimit-remaining of the latest GitHub answer that carried it.",
        );
        if let Some((_, remaining)) = self.github_rate_limit_remaining {
            sample(&mut out, "github_rate_limit_remaining", "", remaining);
        }
        header(
            &mut out,
            "mcp_active_sessions",
            "gauge",
            "Legacy-era sessions opened and not yet ended or expired.",
        );
        sample(
            &mut out,
            "mcp_active_sessions",
            "",
            self.sessions_opened.saturating_sub(self.sessions_closed),
        );
        header(
            &mut out,
            "mcp_metrics_flushes_total",
            "counter",
            "Batches of counts the metrics object received from isolates.",
        );
        sample(&mut out, "mcp_metrics_flushes_total", "", self.flushes);
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: u64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    header(out, name, "histogram", help);
    let mut cumulative = 0;
    for (i, bound) in BUCKETS_MS.iter().enumerate() {
        cumulative += h.buckets.get(i).copied().unwrap_or(0);
        let le = seconds(*bound);
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum {}", seconds(h.sum_ms));
    let _ = writeln!(out, "{name}_count {}", h.count);
}

/// Milliseconds as seconds, without float noise: 50 → 0.05, 2000 → 2.
fn seconds(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
            .trim_end_matches('0')
            .to_string()
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::record::tests::sample as record;
    use crate::observe::record::{GitHubCall, Transport};

    #[test]
    fn requests_are_counted_by_method_tool_and_outcome() {
        let mut totals = Totals::default();
        totals.add(&record());
        let mut failed = record();
        failed.is_error = true;
        failed.duration_ms = 1500;
        totals.add(&failed);
        let mut other = Totals::default();
        other.add(&record());
        totals.merge(&other);
        assert_eq!(totals.request_count(), 3);
        let text = totals.render();
        assert!(text.contains(
            "mcp_requests_total{method=\"tools/call\",tool=\"getGithubReadme\",status=\"ok\"} 2\n"
        ));
        assert!(text.contains("mcp_requests_total{method=\"tools/call\",tool=\"getGithubReadme\",status=\"tool_error\"} 1\n"));
        assert!(text.contains("mcp_tool_errors_total{tool=\"getGithubReadme\"} 1\n"));
        assert!(text.contains("mcp_request_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("mcp_request_duration_seconds_bucket{le=\"1\"} 2\n"));
        assert!(text.contains("mcp_request_duration_seconds_bucket{le=\"2\"} 3\n"));
        assert!(text.contains("mcp_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("mcp_request_duration_seconds_sum 1.584\n"));
        assert!(text.contains("github_requests_total{status=\"304\"} 3\n"));
        assert!(text.contains("github_rate_limit_remaining 4999\n"));
    }

    #[test]
    fn other_requests_count_only_auth_failures_and_github() {
        let mut r = record();
        r.transport = Transport::None;
        r.http_status = 401;
        r.auth_failure = Some("invalid_token");
        r.github.calls = vec![GitHubCall {
            status: None,
            duration_ms: 20_000,
        }];
        let mut totals = Totals::default();
        totals.add(&r);
        assert_eq!(totals.request_count(), 0);
        assert_eq!(totals.auth_failures["invalid_token"], 1);
        assert_eq!(totals.github_requests["error"], 1);
        assert!(totals
            .render()
            .contains("github_request_duration_seconds_bucket{le=\"5\"} 0\n"));
    }

    #[test]
    fn labels_are_bounded_and_escaped() {
        assert_eq!(method_label(Some("tools/call"), "POST"), "tools/call");
        assert_eq!(method_label(Some("x/\"evil\""), "POST"), "other");
        assert_eq!(
            method_label(Some("notifications/progress"), "POST"),
            "notifications/other"
        );
        assert_eq!(method_label(None, "get"), "http:GET");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(seconds(50), "0.05");
        assert_eq!(seconds(2000), "2");
        assert_eq!(seconds(1584), "1.584");
    }

    #[test]
    fn the_newest_rate_limit_reading_wins_and_sessions_net_out() {
        let mut a = Totals {
            github_rate_limit_remaining: Some((10, 100)),
            sessions_opened: 3,
            ..Totals::default()
        };
        a.merge(&Totals {
            github_rate_limit_remaining: Some((5, 999)),
            sessions_closed: 1,
            ..Totals::default()
        });
        assert_eq!(a.github_rate_limit_remaining, Some((10, 100)));
        assert!(a.render().contains("mcp_active_sessions 2\n"));
        a.add(&record());
        let mut failed = record();
        failed.is_error = true;
        a.add(&failed);
        assert_eq!(Totals::decode(&a.encode()), a);
        assert_eq!(Totals::decode("x\ty\nr\tonly two"), Totals::default());
    }
}
