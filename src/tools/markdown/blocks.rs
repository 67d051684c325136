//! What each line is for the inline pass (prose, a table's line, raw HTML, code), and how
//! the leaf blocks that decide it start and end as cmark-gfm finds them: fences, HTML
//! blocks of CommonMark's seven kinds, headings and thematic breaks. [`super::parser`]
//! reads the body with them; a fence's info string, which GitHub never shows, is found
//! here too.

use super::html::{self, space};
use std::ops::Range;

/// What kind of line, for the inline pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line {
    /// Markdown: code spans count.
    Prose,
    /// A table's line (header, delimiter or row): Markdown whose code spans and comments end
    /// at the edge of their cell.
    Row,
    /// Inside an HTML block: raw, no code spans.
    Html,
    /// A fenced code block, its fences included: copied as it is.
    Code,
    /// An unused link reference definition: removed.
    Drop,
    /// A used link reference definition: kept without its title (never shown but on
    /// hover, and where a reference is miscounted, the words a hidden one would carry).
    Reference,
}

/// How an HTML block ends (CommonMark 4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HtmlEnd {
    Blank,
    /// A line holding any of these.
    Marker(&'static [&'static str]),
}

/// A blank line: spaces and tabs only (CommonMark; a form feed is not blank).
pub(super) fn is_blank(line: &[u8]) -> bool {
    line.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

pub(super) fn leading_spaces(line: &[u8]) -> usize {
    line.iter().take_while(|b| **b == b' ').count()
}

/// A fence opening a code block: at the very start of a line (an indented one may belong
/// to a list item, or close a fence in one, or be indented code: taking it for an opening
/// would shelter what follows), ``` or ~~~ or longer; a backtick fence's info string has no
/// backtick.
pub(super) fn fence_opening(line: &[u8]) -> Option<(u8, usize)> {
    let ch = *line.first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let n = line.iter().take_while(|b| **b == ch).count();
    let info = line.get(n..).unwrap_or_default();
    (n >= 3 && !(ch == b'`' && info.contains(&b'`'))).then_some((ch, n))
}

/// Whether `text` (from its first character that is not a space, indented less than four
/// columns) closes a fence of `n` `ch`s: at least `n` of them, then only whitespace.
pub(super) fn closes_fence(text: &[u8], ch: u8, n: usize) -> bool {
    let run = text.iter().take_while(|b| **b == ch).count();
    run >= n && is_blank(text.get(run..).unwrap_or_default())
}

/// Whether the line starts an HTML block, and how that block ends.
pub(super) fn html_block_start(line: &[u8]) -> Option<HtmlEnd> {
    let lower: Vec<u8> = line.iter().take(12).map(u8::to_ascii_lowercase).collect();
    let after = |n: usize| lower.get(n).copied();
    for tag in ["<pre", "<script", "<style", "<textarea"] {
        let next = after(tag.len());
        if lower.starts_with(tag.as_bytes()) && next.is_none_or(|b| b == b'>' || space(b)) {
            // Any of the four end tags ends it, not only its own.
            return Some(HtmlEnd::Marker(&[
                "</pre>",
                "</script>",
                "</style>",
                "</textarea>",
            ]));
        }
    }
    Some(match lower.as_slice() {
        [b'<', b'!', b'-', b'-', ..] => HtmlEnd::Marker(&["-->"]),
        [b'<', b'?', ..] => HtmlEnd::Marker(&["?>"]),
        // cmark-gfm's kinds 4 and 5: `<!` and a capital letter, and all of `<![CDATA[`.
        _ if lower.starts_with(b"<![cdata[") && line.starts_with(b"<![CDATA[") => {
            HtmlEnd::Marker(&["]]>"])
        }
        [b'<', b'!', ..] if line.get(2).is_some_and(u8::is_ascii_uppercase) => {
            HtmlEnd::Marker(&[">"])
        }
        [b'<', b'!', ..] => return None,
        [b'<', b'/', c, ..] | [b'<', c, ..] if c.is_ascii_alphabetic() => HtmlEnd::Blank,
        _ => return None,
    })
}

/// Block-level elements whose tag starts an HTML block even inside a paragraph or table
/// (CommonMark 0.29's sixth kind; any other tag is the row's text).
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "section",
    "source",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

/// Whether `name` is one of HTML's special elements that stays open (not void), as GitHub
/// lets them through: a browser does not honour the end tag of an element that is neither
/// special nor formatting while one of these is open inside it.
pub(super) fn special(name: &str) -> bool {
    const ALSO_SPECIAL: [&str; 19] = [
        "button", "caption", "dd", "dt", "form", "hgroup", "li", "listing", "p", "pre", "search",
        "select", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    ];
    closes_through_blocks(name) || ALSO_SPECIAL.contains(&name)
}

/// Whether a browser honours the end tag of element `name` inside blocks GitHub opened in
/// it (a `</div>` in a paragraph in the `<div>`). Where unsure, an end tag is ignored here
/// that a browser honours, never the other way.
pub(super) fn closes_through_blocks(name: &str) -> bool {
    // HTML's "in body" end tags that pop every element above theirs, and headings'.
    const POP_THROUGH: [&str; 21] = [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "header",
        "main",
        "menu",
        "nav",
        "ol",
        "section",
        "summary",
        "ul",
    ];
    let heading = matches!(name.as_bytes(), [b'h', b'1'..=b'6']);
    heading || POP_THROUGH.contains(&name)
}

/// Whether the tag `row` starts with is a block-level element's, followed by a space, the
/// tag's end or the line's.
pub(super) fn interrupts(row: &[u8]) -> bool {
    let name_from = if row.starts_with(b"</") { 2 } else { 1 };
    let rest = row.get(name_from..).unwrap_or_default();
    let len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = rest.get(..len).unwrap_or_default();
    let ends = matches!(
        rest.get(len..).unwrap_or_default(),
        [] | [b'>', ..] | [b'/', b'>', ..]
    ) || rest.get(len).is_some_and(|b| space(*b));
    ends && BLOCK_ELEMENTS
        .iter()
        .any(|block| name.eq_ignore_ascii_case(block.as_bytes()))
}

/// Whether `text` is a complete tag, however long, then only whitespace (an HTML block of
/// the seventh kind, where no paragraph is open).
pub(super) fn tag_alone(text: &[u8]) -> bool {
    // After it, cmark's scanner takes spaces, tabs, form feeds and line ends: not a
    // vertical tab, which leaves the line a paragraph's.
    html::complete_tag_end(text, 0).is_some_and(|end| {
        text.get(end..)
            .unwrap_or_default()
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c))
    })
}

/// What GitHub never shows of a fence's opening line (offsets in `line`, whose fence is `n`
/// long): its info string past the first word, which names the code's language for
/// highlighting, and that word too unless it reads as a language's name.
pub(super) fn unseen_info(line: &[u8], n: usize) -> Option<Range<usize>> {
    let end = line.len() - usize::from(line.last() == Some(&b'\n'));
    let info = line.get(n..end).unwrap_or_default();
    if info.iter().any(|b| matches!(b, 0x0b | 0x0c)) {
        // Where a language's name ends then is cmark's reading, not a word's: all of it goes.
        return (n < end).then_some(n..end);
    }
    let word_from = info.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let word = info.get(word_from..).unwrap_or_default();
    let word_len = word.iter().take_while(|b| !b.is_ascii_whitespace()).count();
    let language = |b: &u8| b.is_ascii_alphanumeric() || b"+#._-,{}".contains(b);
    let named = word_len <= 32 && word.iter().take(word_len).all(language);
    let kept = if named { n + word_from + word_len } else { n };
    (kept < end).then_some(kept..end)
}
