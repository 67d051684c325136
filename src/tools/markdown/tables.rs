//! GitHub's tables (GFM): a row shows as many cells as the table's header has, and the rest
//! of the row is never shown. Under `| a |` and `|---|`, the row `| x | ignore all that |`
//! shows only `x`. The table is found here as cmark-gfm finds it:
//! - the header is a paragraph's line, and the next line is a delimiter row (`|---|:-:|`)
//!   of as many cells;
//! - a row is any line after it, until a blank line, a line in fewer or more block quotes,
//!   or one that starts another block (a heading, list item, block quote, thematic break,
//!   fence, indented code, or an HTML block of the kinds that interrupt a paragraph);
//! - cells are split at every `|` that no backslash comes before, even inside a code span.
//!
//! What a row loses is cut from the text before the inline pass, but each line keeps the
//! kind it had before the cut ([`super::Line`]): a cut line must not become a fence or
//! close a block that the whole line did not.
//!
//! Where a container's bounds are unclear (a table in a list item whose marker is on an
//! earlier line), rows are taken to go on: cutting a line GitHub shows in full costs only
//! what GitHub shows, and the other mistake would keep what it hides.

use super::blocks::{
    fence_opening, html_block_start, interrupts, is_blank, quoted, tag_alone, without_containers,
    HtmlEnd,
};
use std::ops::Range;

/// A table being read: the cells its header has, and the container its lines are in.
pub(super) struct Table {
    cells: usize,
    /// How many block quotes its lines are in.
    depth: usize,
    /// How far (after the quotes) its lines are indented at least: a list item's content.
    indent: usize,
}

/// A line's place and text: how many block quotes it is in, how far it is indented after
/// them (a tab as four spaces), and where its text starts (after that) and ends (before
/// trailing whitespace).
pub(super) fn content(line: &[u8]) -> (usize, usize, Range<usize>) {
    let (depth, mut rest) = quoted(line);
    let mut indent = 0;
    if depth > 0 {
        // A block quote's marker takes one space after the `>`, or one column of a tab (from
        // the column after `>`, a tab goes to 4: two are left).
        if let Some(after) = rest.strip_prefix(b" ") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(b"\t") {
            rest = after;
            indent = 2;
        }
    }
    let mut from = line.len() - rest.len();
    while let Some(b) = line.get(from) {
        match b {
            b' ' => indent += 1,
            b'\t' => indent += 4,
            _ => break,
        }
        from += 1;
    }
    let to = from + line.get(from..).unwrap_or_default().trim_ascii_end().len();
    (depth, indent, from..to)
}

/// Each `|` in `text` that no backslash comes before: the edges of a table line's cells.
pub(super) fn cell_edges(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let escaped = |at: usize| at > 0 && text.get(at - 1) == Some(&b'\\');
    (0..text.len()).filter(move |&at| text.get(at) == Some(&b'|') && !escaped(at))
}

/// Where the row's cells end: each `|` that splits it, after the one it may open with.
fn splits(row: &[u8]) -> Vec<usize> {
    cell_edges(row).filter(|&at| at > 0).collect()
}

/// How many cells the row has: one per `|` that splits it, and one more when text follows
/// the last.
fn cells(row: &[u8]) -> usize {
    let splits = splits(row);
    let tail_from = splits
        .last()
        .map_or(usize::from(row.first() == Some(&b'|')), |at| at + 1);
    let tail = row.get(tail_from..).unwrap_or_default();
    splits.len() + usize::from(!is_blank(tail))
}

/// A delimiter row's cells: `:?-+:?` between optional spaces, split by `|`.
fn delimiter_cells(row: &[u8]) -> Option<usize> {
    let row = row.trim_ascii();
    let inner = row.strip_prefix(b"|").unwrap_or(row);
    let inner = inner.strip_suffix(b"|").unwrap_or(inner);
    let mut count = 0;
    for cell in inner.split(|b| *b == b'|') {
        let cell = cell.trim_ascii();
        let cell = cell.strip_prefix(b":").unwrap_or(cell);
        let cell = cell.strip_suffix(b":").unwrap_or(cell);
        if cell.is_empty() || cell.iter().any(|b| *b != b'-') {
            return None;
        }
        count += 1;
    }
    // Dashes alone underline a heading, and `- ` opens a list item.
    let piped = row.contains(&b'|');
    let setext = !piped && !row.contains(&b':');
    let list_item = row.starts_with(b"- ") || row.starts_with(b"-\t");
    (!setext && !list_item).then_some(count)
}

/// The container a line's text is in: how many block quotes, and, after a list item's
/// marker on the line, the column the item's content starts at (else 0).
#[derive(Clone, Copy)]
pub(super) struct Container {
    depth: usize,
    column: usize,
}

impl Container {
    /// Whether a paragraph in this container may go on to `line`: a list item's marker or a
    /// deeper block quote opens a new one.
    pub(super) fn goes_on_to(&self, line: &[u8]) -> bool {
        let (depth, _, text) = content(line);
        let row = line.get(text).unwrap_or_default();
        // Only a list item that is not empty, and if ordered starts at 1 (`01.` too),
        // interrupts one.
        let item = list_marker(row).is_some_and(|(len, number)| {
            !is_blank(row.get(len..).unwrap_or_default()) && number.is_none_or(|n| n == 1)
        });
        !item && depth <= self.depth
    }

    /// Whether `line` is still in this container: in as many block quotes, and, in a list
    /// item, blank or indented as far as its content.
    pub(super) fn holds(&self, line: &[u8]) -> bool {
        let (depth, spaces, text) = content(line);
        if self.column > 0 && self.depth == 0 && depth > 0 {
            // A block quote in a list item is indented as far as the item's content.
            return line.iter().take_while(|b| **b == b' ').count() >= self.column;
        }
        depth >= self.depth && (text.is_empty() || spaces >= self.column)
    }
}

/// The list item marker `row` starts with: its length with the space after it, and its
/// number if it is ordered.
fn list_marker(row: &[u8]) -> Option<(usize, Option<u64>)> {
    let digits = row.iter().take_while(|b| b.is_ascii_digit()).count();
    let (len, number) = match row.first()? {
        b'-' | b'+' | b'*' => (1, None),
        _ if (1..=9).contains(&digits) && matches!(row.get(digits), Some(b'.' | b')')) => {
            let number = std::str::from_utf8(row.get(..digits)?).ok()?.parse().ok()?;
            (digits + 1, Some(number))
        }
        _ => return None,
    };
    let spaced = row
        .get(len)
        .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\n'));
    spaced.then_some((len + usize::from(row.get(len).is_some()), number))
}

/// The container of a line that starts a paragraph.
pub(super) fn container(line: &[u8]) -> Container {
    let (depth, spaces, text) = content(line);
    let row = line.get(text).unwrap_or_default();
    let inner = without_containers(row);
    let marker = row.len() - inner.len();
    // An item that starts empty has its content one space after the marker.
    let column = match marker {
        0 => 0,
        _ if inner.is_empty() => spaces + marker + 1,
        _ => spaces + marker,
    };
    Container { depth, column }
}

/// What a paragraph's line makes of the delimiter row that may follow it.
pub(super) enum Header {
    /// The line is the header of this table.
    Opens(Table),
    /// The next line is a delimiter row in the paragraph's container, but the cells do not
    /// match: cmark-gfm tries the paragraph no more.
    Fails,
    /// No delimiter row follows in the paragraph's container.
    No,
}

/// Whether `line` is the header of a table whose delimiter row is `next`. `paragraph` is
/// the container of the paragraph the line goes on, if it goes on one: then the line may
/// be lazy or indented, and the delimiter row must be in that container; else the line
/// starts a paragraph in its own.
pub(super) fn header(
    line: &[u8],
    next: &[u8],
    paragraph: Option<&Container>,
    list_column: usize,
) -> Header {
    let (next_depth, next_indent, delimiter) = content(next);
    let Some(delimiter_cells) = delimiter_cells(next.get(delimiter).unwrap_or_default()) else {
        return Header::No;
    };
    let (_, spaces, text) = content(line);
    let row = line.get(text).unwrap_or_default();
    let own = container(line);
    let (inner, Container { depth, column }) = match paragraph {
        Some(&Container { depth, column }) => (row, Container { depth, column }),
        // Indented four spaces, a line that starts no paragraph is code.
        None if own.column == 0 && spaces >= list_column + 4 => return Header::No,
        None => (without_containers(row), own),
    };
    let placed = next_depth == depth && (column..column + 4).contains(&next_indent);
    if !placed || starts_block(inner) {
        return Header::No;
    }
    let cells = cells(inner);
    if cells > 0 && delimiter_cells == cells {
        Header::Opens(Table {
            cells,
            depth,
            indent: column,
        })
    } else {
        Header::Fails
    }
}

impl Table {
    /// Whether `line` is a row of the table, or the table ended before it.
    pub(super) fn goes_on(&self, line: &[u8]) -> bool {
        let (depth, indent, text) = content(line);
        let row = line.get(text).unwrap_or_default();
        let placed = depth == self.depth && (self.indent..self.indent + 4).contains(&indent);
        placed && cells(row) > 0 && !starts_block(row)
    }

    /// What the row `line` does not show (offsets in `line`): the cells past the header's.
    pub(super) fn hidden(&self, line: &[u8]) -> Option<Range<usize>> {
        let (_, _, text) = content(line);
        let row = line.get(text.clone()).unwrap_or_default();
        let split = *splits(row).get(self.cells - 1)?;
        let from = text.start + split + 1;
        (from < text.end).then_some(from..text.end)
    }
}

/// Whether a row's text starts a block that ends the table.
pub(super) fn starts_block(row: &[u8]) -> bool {
    let first = row.first().copied().unwrap_or_default();
    let after = |n: usize| row.get(n).is_none_or(|b| matches!(b, b' ' | b'\t'));
    let digits = row.iter().take_while(|b| b.is_ascii_digit()).count();
    let bullet = matches!(first, b'-' | b'+' | b'*') && after(1);
    let ordered = (1..=9).contains(&digits)
        && matches!(row.get(digits), Some(b'.' | b')'))
        && after(digits + 1);
    let fence = fence_opening(row).is_some();
    let html = match html_block_start(row) {
        Some(HtmlEnd::Marker(_)) => true,
        // A table is no paragraph: a tag alone on its line starts a block after it too.
        Some(HtmlEnd::Blank) => interrupts(row) || tag_alone(row),
        None => false,
    };
    first == b'>' || heading(row) || bullet || ordered || rule(row) || fence || html
}

/// Whether `text` (without its indentation) is an ATX heading: one to six `#`, then a space
/// or nothing.
pub(super) fn heading(text: &[u8]) -> bool {
    let hashes = text.iter().take_while(|b| **b == b'#').count();
    (1..=6).contains(&hashes) && text.get(hashes).is_none_or(|b| matches!(b, b' ' | b'\t'))
}

/// Whether `text` is one of `chars` repeated, with spaces or tabs between (at least
/// `least` of it).
pub(super) fn run_of(text: &[u8], chars: &[u8], least: usize) -> bool {
    let first = text.first().copied().unwrap_or_default();
    chars.contains(&first)
        && text.iter().filter(|b| **b == first).count() >= least
        && text
            .iter()
            .all(|b| *b == first || matches!(b, b' ' | b'\t'))
}

/// Whether `text` is a thematic break: three or more `-`, `*` or `_`.
pub(super) fn rule(text: &[u8]) -> bool {
    run_of(text, b"-*_", 3)
}

/// Whether `line`, where no paragraph is open, is indented code: four columns in from its
/// block quotes and from the content of the list item it may be in (at `list_column`),
/// without a list item's marker.
pub(super) fn indented_code(line: &[u8], list_column: usize) -> bool {
    let (_, spaces, _) = content(line);
    container(line).column == 0 && spaces >= list_column + 4
}

/// The content columns of the list items text may be in after `line` (innermost last),
/// where they were `lists` before: a list item's marker ends the items its indentation is
/// short of and opens its own; any other line indented less than an item's content ends
/// that item, unless it is a lazy line of an open `paragraph`.
pub(super) fn update_lists(lists: &mut Vec<usize>, line: &[u8], paragraph: Option<&Container>) {
    let (depth, spaces, text) = content(line);
    let text = line.get(text).unwrap_or_default();
    // Under a paragraph in its container, dashes alone underline it: a heading, not a list
    // item. A lazy line goes on a paragraph, but no line that starts a block (a block quote
    // among them) is lazy.
    let underline = paragraph.is_some_and(|p| p.holds(line))
        && !text.is_empty()
        && text.iter().all(|b| *b == b'-');
    let lazy = paragraph.is_some_and(|p| depth <= p.depth) && !starts_block(text);
    match container(line).column {
        _ if underline => {}
        0 if lazy => {}
        0 => {
            while lists.last().is_some_and(|column| *column > spaces) {
                lists.pop();
            }
        }
        column => {
            while lists.last().is_some_and(|open| *open > spaces) {
                lists.pop();
            }
            lists.push(column);
        }
    }
}

/// The container of a line that may be in a list item whose content starts at
/// `list_column`: that item's when it is indented as far.
pub(super) fn container_in_list(line: &[u8], list_column: usize) -> Container {
    let own = container(line);
    let (_, spaces, _) = content(line);
    match own.column {
        0 if list_column > 0 && spaces >= list_column => Container {
            column: list_column,
            ..own
        },
        _ => own,
    }
}

/// Whether `line` is a list item's marker with nothing after it.
pub(super) fn empty_item(line: &[u8]) -> bool {
    let (_, _, text) = content(line);
    let row = line.get(text).unwrap_or_default();
    list_marker(row).is_some_and(|(len, _)| is_blank(row.get(len..).unwrap_or_default()))
}
