//! The block structure of a Markdown body, line by line, as GitHub's parser (cmark-gfm)
//! finds it closely enough to know what each line is for the inline pass: prose, raw HTML,
//! or code. Also what GitHub never shows of a line however it is written: a fence's info
//! string, and table cells past the header's ([`super::tables`]). Those are cut from the
//! text before the inline pass, and each line keeps the kind it had before the cut.

use super::html::{self, contains_ci};
use super::tables;
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

/// The line that closes a fence of `n` `ch`s: up to 3 spaces, at least `n` of them, then
/// only whitespace.
fn closes_fence(line: &[u8], ch: u8, n: usize) -> bool {
    let indent = leading_spaces(line);
    let rest = line.get(indent..).unwrap_or_default();
    let run = rest.iter().take_while(|b| **b == ch).count();
    indent <= 3 && run >= n && is_blank(rest.get(run..).unwrap_or_default())
}

/// The line without leading whitespace and container markers (`>`, list markers), for
/// finding HTML blocks wherever they are: finding one too many only treats code as prose.
pub(super) fn without_containers(mut line: &[u8]) -> &[u8] {
    loop {
        let start = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        line = line.get(start..).unwrap_or_default();
        let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
        let marker = match line.get(digits) {
            Some(b'.' | b')') if digits > 0 => digits + 1,
            Some(b'>') if digits == 0 => 1,
            Some(b'-' | b'*' | b'+') if digits == 0 => 1,
            _ => return line,
        };
        let after = line.get(marker..).unwrap_or_default();
        let spaced = after.first().is_none_or(|b| b.is_ascii_whitespace());
        if !(spaced || line.first() == Some(&b'>')) {
            return line;
        }
        line = after;
    }
}

/// How many block quotes the line is in (its leading `>` markers), and the line after them.
pub(super) fn quoted(line: &[u8]) -> (usize, &[u8]) {
    let mut depth = 0;
    let mut rest = line;
    loop {
        let spaces = leading_spaces(rest).min(3);
        match rest.get(spaces..).and_then(|r| r.strip_prefix(b">")) {
            Some(after) => {
                depth += 1;
                rest = after;
            }
            None => return (depth, rest),
        }
    }
}

/// Whether the line starts an HTML block, and how that block ends.
pub(super) fn html_block_start(line: &[u8]) -> Option<HtmlEnd> {
    let line = without_containers(line);
    let lower: Vec<u8> = line.iter().take(12).map(u8::to_ascii_lowercase).collect();
    let after = |n: usize| lower.get(n).copied();
    for tag in ["<pre", "<script", "<style", "<textarea"] {
        let next = after(tag.len());
        if lower.starts_with(tag.as_bytes())
            && next.is_none_or(|b| b == b'>' || b.is_ascii_whitespace())
        {
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
        [b'<', b'!', b'[', ..] => HtmlEnd::Marker(&["]]>"]),
        [b'<', b'!', c, ..] if c.is_ascii_alphabetic() => HtmlEnd::Marker(&[">"]),
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

/// Whether the tag `row` starts with is a block-level element's, followed by a space, the
/// tag's end or the line's.
pub(super) fn interrupts(row: &[u8]) -> bool {
    let row = row.trim_ascii_end();
    let name_from = if row.starts_with(b"</") { 2 } else { 1 };
    let rest = row.get(name_from..).unwrap_or_default();
    let len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = rest.get(..len).unwrap_or_default();
    let ends = matches!(
        rest.get(len..).unwrap_or_default(),
        [] | [b' ' | b'\t' | b'>', ..] | [b'/', b'>', ..]
    );
    ends && BLOCK_ELEMENTS
        .iter()
        .any(|block| name.eq_ignore_ascii_case(block.as_bytes()))
}

/// Whether an HTML block starts at `line`, which [`html_block_start`] says may open one
/// that ends as `ending`: those of the first six kinds (CommonMark 4.6) always; one of the
/// seventh (any other complete tag, alone on its line) only outside a `paragraph`, which it
/// cannot interrupt. Elsewhere the line is a paragraph's, where GitHub finds fences and
/// tables after it.
fn opens_html_block(line: &[u8], ending: HtmlEnd, paragraph: bool) -> bool {
    let opener = without_containers(line);
    match ending {
        HtmlEnd::Marker(_) => true,
        HtmlEnd::Blank => interrupts(opener) || (!paragraph && tag_alone(opener)),
    }
}

/// Whether `text` is a complete tag, then only whitespace (an HTML block of the seventh
/// kind, where no paragraph is open).
pub(super) fn tag_alone(text: &[u8]) -> bool {
    html::tag(text, 0).is_some_and(|tag| is_blank(text.get(tag.end..).unwrap_or_default()))
}

/// A fence that opens in a block quote or list item (whose content starts at
/// `list_column`), or indented one to three spaces: where in `line` it starts, its
/// character and its length.
fn fence_in_container(line: &[u8], list_column: usize) -> Option<(usize, u8, usize)> {
    let (_, spaces, text) = tables::content(line);
    let row = line.get(text.clone())?;
    let inner = without_containers(row);
    let marker = row.len() - inner.len();
    if marker == 0 && spaces >= list_column + 4 {
        return None;
    }
    let (ch, n) = fence_opening(inner)?;
    Some((text.start + marker, ch, n))
}

/// Whether `line` closes a fence of `n` `ch`s that opened in a container (after the
/// container's markers and indentation).
fn closes_fence_in_container(line: &[u8], ch: u8, n: usize) -> bool {
    let (_, _, text) = tables::content(line);
    let rest = line.get(text.start..).unwrap_or_default();
    closes_fence(rest, ch, n)
}

/// Whether `line` ends the paragraph it might be in: a heading, a thematic break, a fence,
/// or, when the paragraph's container `held` the line, a setext heading's underline.
fn ends(line: &[u8], held: bool) -> bool {
    // A heading, a rule or a fence, in a block quote or list item too.
    let inner = without_containers(line).trim_ascii();
    // A setext underline only under a paragraph in its container; a lazy `===` is text.
    let quoted_text = quoted(line).1.trim_ascii();
    let underline = held && tables::run_of(quoted_text, b"-=", 1);
    // `* * *` is a rule, not list items.
    let rule = tables::rule(inner) || tables::rule(quoted_text);
    tables::heading(inner) || rule || underline || fence_opening(inner).is_some()
}

/// A paragraph being read.
struct Paragraph {
    container: tables::Container,
    /// Whether a delimiter row under one of its lines failed to make it a table: cmark-gfm
    /// tries a paragraph once.
    tried: bool,
}

/// Each line's start offset, end offset (after its newline) and kind, and the parts of
/// lines GitHub never shows: table cells past the header's ([`tables`]), fence info strings.
pub(super) type Lines = (Vec<(usize, usize, Line)>, Vec<Range<usize>>);

/// The lines of `text`, each with its kind, and the parts of them GitHub never shows.
pub(super) fn lines(text: &str) -> Lines {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut hidden = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    // The HTML block the line before is in: how it ends, and the container it ends with.
    let mut html: Option<(HtmlEnd, tables::Container)> = None;
    let mut table: Option<tables::Table> = None;
    // The paragraph the line before is in, which the next may go on.
    let mut paragraph: Option<Paragraph> = None;
    // Where the contents of the list items the text may be in start (innermost last).
    let mut lists: Vec<usize> = Vec::new();
    // A fence open in a block quote or list item, or indented: its container, character
    // and length.
    let mut inner_fence: Option<(tables::Container, u8, usize)> = None;
    let line_end = |start: usize| {
        bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
            .map_or(bytes.len(), |i| start + i + 1)
    };
    let mut start = 0;
    while start < bytes.len() {
        let end = line_end(start);
        let line = bytes.get(start..end).unwrap_or_default();
        if !is_blank(line) {
            let container = paragraph.as_ref().map(|p| &p.container);
            tables::update_lists(&mut lists, line, container);
        }
        let list_column = lists.last().copied().unwrap_or(0);
        // An HTML block or a fence in a block quote or list item ends with it.
        html = html.filter(|(_, container)| container.holds(line));
        inner_fence = inner_fence.filter(|(container, _, _)| container.holds(line));
        let in_fence = inner_fence.is_some();
        if fence.is_none() && html.is_none() && !in_fence {
            table = table.filter(|table| table.goes_on(line));
        }
        // Whether the line may be a table's header, and is: not in a paragraph that failed
        // to be one already.
        let next = bytes.get(end..line_end(end)).unwrap_or_default();
        let free = fence.is_none() && html.is_none() && table.is_none() && !in_fence;
        let free = free && fence_opening(line).is_none();
        let on = paragraph.as_ref().filter(|p| p.container.goes_on_to(line));
        let header = match on {
            Some(p) if p.tried => tables::Header::No,
            _ if !free => tables::Header::No,
            _ => tables::header(line, next, on.map(|p| &p.container), list_column),
        };
        let failed_header = matches!(header, tables::Header::Fails);
        let kind = if let Some((ch, n)) = fence {
            if closes_fence(line, ch, n) {
                fence = None;
            }
            Line::Code
        } else if let Some((_, ch, n)) = inner_fence {
            if closes_fence_in_container(line, ch, n) {
                inner_fence = None;
            }
            Line::Prose
        } else if let Some((ending, _)) = html {
            match ending {
                HtmlEnd::Blank if is_blank(line) => {
                    html = None;
                    Line::Prose
                }
                HtmlEnd::Marker(ends) if ends.iter().any(|m| contains_ci(line, m)) => {
                    html = None;
                    Line::Html
                }
                _ => Line::Html,
            }
        } else if let Some(table) = &table {
            // A row: what would open an HTML block here (a tag of an inline element) is
            // the row's text.
            if let Some(cut) = table.hidden(line) {
                hidden.push(start + cut.start..start + cut.end);
            }
            Line::Row
        } else if let Some(opening) = fence_opening(line) {
            fence = Some(opening);
            if let Some(info) = unseen_info(line, opening.1) {
                hidden.push(start + info.start..start + info.end);
            }
            Line::Code
        } else if let tables::Header::Opens(opened) = header {
            // Before HTML blocks: a line that starts with an inline element's tag can be a
            // table's header.
            table = Some(opened);
            Line::Row
        } else if let Some(ending) = html_block_start(line)
            .filter(|ending| {
                // A lazy line is out of the paragraph's container: a tag alone starts a block.
                let in_paragraph = paragraph
                    .as_ref()
                    .is_some_and(|p| p.container.holds(line) && p.container.goes_on_to(line));
                opens_html_block(line, *ending, in_paragraph)
            })
            .filter(|_| !tables::indented_code(line, list_column))
        {
            let opener = without_containers(line);
            let closed_here = match ending {
                // After the `<`: `<?>` closes where it opens.
                HtmlEnd::Marker(ends) => {
                    let rest = opener.get(1..).unwrap_or_default();
                    ends.iter().any(|m| contains_ci(rest, m))
                }
                HtmlEnd::Blank => false,
            };
            if !closed_here {
                html = Some((ending, tables::container_in_list(line, list_column)));
            }
            Line::Html
        } else {
            // A fence this server cannot place for sure: what it holds is read as prose, not
            // copied as code, so it shelters nothing; its info string goes.
            if let Some((from, ch, n)) = fence_in_container(line, list_column) {
                let info = line.get(from..).and_then(|rest| unseen_info(rest, n));
                if let Some(info) = info {
                    hidden.push(start + from + info.start..start + from + info.end);
                }
                inner_fence = Some((tables::container_in_list(line, list_column), ch, n));
            }
            Line::Prose
        };
        let text = without_containers(line);
        let code = paragraph.is_none() && tables::indented_code(line, list_column);

        let code = code || in_fence;
        // An empty container ends a paragraph, but an empty list item cannot interrupt one:
        // it is the paragraph's text.
        let held = paragraph.as_ref().is_some_and(|p| p.container.holds(line));
        let empty = is_blank(text) && !(held && tables::empty_item(line));
        paragraph = if kind == Line::Prose && !empty && !ends(line, held) && !code {
            let on = paragraph.filter(|p| p.container.goes_on_to(line));
            let mut here = on.unwrap_or_else(|| Paragraph {
                container: tables::container_in_list(line, list_column),
                tried: false,
            });
            here.tried |= failed_header;
            Some(here)
        } else {
            None
        };
        lines.push((start, end, kind));
        start = end;
    }
    (lines, hidden)
}

/// What GitHub never shows of a fence's opening line (offsets in `line`, whose fence is `n`
/// long): its info string past the first word, which names the code's language for
/// highlighting, and that word too unless it reads as a language's name.
fn unseen_info(line: &[u8], n: usize) -> Option<Range<usize>> {
    let end = line.len() - usize::from(line.last() == Some(&b'\n'));
    let info = line.get(n..end).unwrap_or_default();
    let word_from = info.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let word = info.get(word_from..).unwrap_or_default();
    let word_len = word.iter().take_while(|b| !b.is_ascii_whitespace()).count();
    let language = |b: &u8| b.is_ascii_alphanumeric() || b"+#._-,{}".contains(b);
    let named = word_len <= 32 && word.iter().take(word_len).all(language);
    let kept = if named { n + word_from + word_len } else { n };
    (kept < end).then_some(kept..end)
}

/// `text` without the `hidden` ranges (in order, each inside one line), and `lines` moved to
/// match it: each keeps its kind.
pub(super) fn without(
    text: &str,
    hidden: &[Range<usize>],
    lines: &mut [(usize, usize, Line)],
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for range in hidden {
        out.push_str(text.get(from..range.start).unwrap_or_default());
        from = range.end;
    }
    out.push_str(text.get(from..).unwrap_or_default());
    let mut removed = 0;
    let mut next = hidden.iter().peekable();
    for (start, end, _) in lines.iter_mut() {
        *start -= removed;
        while let Some(range) = next.next_if(|range| range.start < *end) {
            removed += range.len();
        }
        *end -= removed;
    }
    out
}
