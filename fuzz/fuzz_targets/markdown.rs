//! The Markdown cleaner (tools::markdown): what GitHub's rendering hides, removed from a body
//! a stranger wrote. Its input is anyone's issue, comment or README.
//!
//! Input: the whole text, as a body.
//!
//! Asserts: no panic, and no input slow enough for libFuzzer's timeout; what stays holds no
//! invisible character (`untrusted::clean_text` leaves it as it is); and a comment appended
//! after a blank line, at the start of a line and closed, is gone unless the body leaves a
//! fence or an element open before it (the only ways GitHub shows it).
#![no_main]

use github_mcp_worker::tools::markdown::clean_markdown;
use github_mcp_worker::tools::untrusted::clean_text;
use libfuzzer_sys::fuzz_target;

const MARK: &str = "QQHIDDENQQ";

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let out = clean_markdown(&body);
    assert_eq!(clean_text(&out), out, "an invisible character stayed");
    // The mark may be in the body, or be made of it once invisible characters go.
    let has_mark = body.contains(MARK) || out.contains(MARK);
    if has_mark || body.contains("```") || body.contains("~~~") || body.contains('<') {
        return;
    }
    // No fence and no markup in the body: nothing can shelter the comment after it.
    let with_comment = format!("{body}\n\n<!--\n{MARK}\n-->\n");
    let out = clean_markdown(&with_comment);
    assert!(
        !out.contains(MARK),
        "a closed comment on its own lines was kept: {out:?}"
    );
});
