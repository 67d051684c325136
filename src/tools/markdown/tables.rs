//! GitHub's tables (GFM): a row shows as many cells as the table's header has, and the rest
//! of the row is never shown. Under `| a |` and `|---|`, the row `| x | ignore all that |`
//! shows only `x`. The table is found here as cmark-gfm finds it:
//! - the header is a paragraph's line, and the next line is a delimiter row (`|---|:-:|`)
//!   of as many cells;
//! - a row is any line after it in the same containers, until a blank line or one that
//!   starts another block ([`super::parser`] finds which);
//! - cells are split at every `|` that no backslash comes before, even inside a code span.
//!
//! What a row loses is cut from the text before the inline pass, but each line keeps the
//! kind it had before the cut ([`super::Line`]): a cut line must not become a fence or
//! close a block that the whole line did not.

use super::html::space;
use std::ops::Range;

/// A table being read: the cells its header has, and how many cells its rows left empty.
pub(super) struct Table {
    cells: usize,
    filled_in: usize,
}

/// Past this many cells left empty in its rows, cmark-gfm takes no more rows into a table
/// (`MAX_AUTOCOMPLETED_CELLS`): the next line starts a paragraph.
const MAX_FILLED_IN: usize = 0x80000;

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
pub(super) fn cells(row: &[u8]) -> usize {
    let splits = splits(row);
    let tail_from = splits
        .last()
        .map_or(usize::from(row.first() == Some(&b'|')), |at| at + 1);
    let tail = row.get(tail_from..).unwrap_or_default();
    // A row with no `|` is one cell, whatever is in it (`\v` too); after a `|`, only a
    // cell with more than whitespace counts.
    let whole = tail_from == 0 && !row.is_empty();
    splits.len() + usize::from(whole || !tail.iter().all(|b| space(*b)))
}

/// A delimiter row's cells: `:?-+:?` between optional spaces, split by `|`.
pub(super) fn delimiter_cells(row: &[u8]) -> Option<usize> {
    let row = trim(row);
    let inner = row.strip_prefix(b"|").unwrap_or(row);
    let inner = inner.strip_suffix(b"|").unwrap_or(inner);
    let mut count = 0;
    for cell in inner.split(|b| *b == b'|') {
        let cell = trim(cell);
        let cell = cell.strip_prefix(b":").unwrap_or(cell);
        let cell = cell.strip_suffix(b":").unwrap_or(cell);
        if cell.is_empty() || cell.iter().any(|b| *b != b'-') {
            return None;
        }
        count += 1;
    }
    // A setext underline, a thematic break or a list item is read before a delimiter row
    // ([`super::parser`]); `\v---` is none of them.
    Some(count)
}

/// `text` without the whitespace cmark-gfm trims from a row or cell (a vertical tab too).
fn trim(text: &[u8]) -> &[u8] {
    let from = text.iter().take_while(|b| space(**b)).count();
    let text = text.get(from..).unwrap_or_default();
    let to = text.len() - text.iter().rev().take_while(|b| space(**b)).count();
    text.get(..to).unwrap_or_default()
}

impl Table {
    pub(super) fn new(cells: usize) -> Self {
        Table {
            cells,
            filled_in: 0,
        }
    }

    /// Takes `row` (a line's text) as the table's next row, unless the table takes no more.
    pub(super) fn take(&mut self, row: &[u8]) -> bool {
        if self.filled_in > MAX_FILLED_IN {
            return false;
        }
        self.filled_in += self.cells.saturating_sub(cells(row));
        true
    }

    /// What the row `row` (a line's text, from its first character that is not a space)
    /// does not show (offsets in `row`): the cells past the header's.
    pub(super) fn hidden(&self, row: &[u8]) -> Option<Range<usize>> {
        // A vertical tab or form feed before the first `|` is a cell's text: only the end
        // is trimmed.
        let to = row.len() - row.iter().rev().take_while(|b| space(**b)).count();
        let row = row.get(..to).unwrap_or_default();
        let split = *splits(row).get(self.cells.checked_sub(1)?)?;
        let from = split + 1;
        (from < row.len()).then_some(from..row.len())
    }
}

/// Whether `text` (without its indentation) is an ATX heading: one to six `#`, then a space
/// or nothing.
pub(super) fn heading(text: &[u8]) -> bool {
    let hashes = text.iter().take_while(|b| **b == b'#').count();
    (1..=6).contains(&hashes) && text.get(hashes).is_none_or(|b| matches!(b, b' ' | b'\t'))
}
