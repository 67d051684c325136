//! Footnotes where GitHub shows them. cmark-gfm moves each footnote definition that a
//! reference uses to the end of the page, in the order of their first references, and
//! shows no other: one no reference uses, and all but the first with a label. So what a
//! footnote holds is shown after everything else on the page (a comment left open at the
//! page's end hides it), and what is left open in one goes on into those after it, not
//! into the text after its definition. The body is put in that order before the inline
//! pass reads it; each line keeps its kind.
//!
//! Where the footnotes GitHub shows are not known for sure, none is kept: they are the end
//! of the page, so leaving them all out hides nothing else. That is so when a label or a
//! reference holds a letter cmark-gfm folds by Unicode's tables (`É`, the Kelvin sign) or a
//! NUL (which cmark reads as U+FFFD), when a link reference definition's label starts with
//! `^` (a `[^x]` may then be its link), and when a footnote left out holds a `<`: if a
//! reference the inline pass does not see (in a hidden element, say) uses it after all, what
//! it leaves open would hide the footnotes after it.

use super::definitions::normalized_label;
use super::parser::Blocks;
use std::collections::HashMap;
use std::ops::Range;

/// A footnote definition, `[^label]: …`.
pub(super) struct Footnote {
    /// The label as references are matched to it ([`key`]).
    pub(super) label: Option<Vec<u8>>,
    /// Its lines: from the marker's to the last that goes on in it, those of footnotes in
    /// it included.
    pub(super) lines: Range<usize>,
    /// When it ended among the footnotes (one in another ends first): of footnotes with one
    /// label, cmark-gfm shows the first to end.
    pub(super) ended: usize,
}

/// What the references on a page say of its footnotes.
pub(super) enum References {
    /// The labels they use ([`key`]), in the order of their first references.
    Known(Vec<Vec<u8>>),
    /// Which they use is not known for sure (see the module's documentation).
    Unsure,
}

/// A footnote's label or a reference's as cmark-gfm matches them ([`normalized_label`]),
/// or `None` when the match is not known for sure: for any byte that is not ASCII, or a NUL.
pub(super) fn key(raw: &[u8]) -> Option<Vec<u8>> {
    let sure = raw.iter().all(|b| b.is_ascii() && *b != 0);
    sure.then(|| normalized_label(raw))
}

/// `text`'s lines in the order GitHub shows them: the lines in no footnote, then each
/// footnote that the `references` use, with its own lines. The lines of the other
/// footnotes are left out.
pub(super) fn in_page_order(
    text: &str,
    blocks: Blocks,
    references: &References,
) -> (String, Blocks) {
    let count = blocks.lines.len();
    // Each line's footnote: the innermost one it is in, or [`NONE`].
    let mut owner: Vec<u32> = vec![NONE; count];
    let mut first_to_end: HashMap<&[u8], usize> = HashMap::new();
    let mut sure = matches!(references, References::Known(_));
    for (index, footnote) in blocks.footnotes.iter().enumerate() {
        if let Some(slots) = owner.get_mut(footnote.lines.clone()) {
            slots.fill(index as u32);
        }
        let Some(label) = &footnote.label else {
            sure = false;
            continue;
        };
        let ended = |index: &usize| blocks.footnotes.get(*index).map(|f| f.ended);
        let first = first_to_end.entry(label).or_insert(index);
        if ended(&index) < ended(first) {
            *first = index;
        }
    }
    let mut shown = Vec::new();
    if let (References::Known(labels), true) = (references, sure) {
        for label in labels {
            if let Some(index) = first_to_end.remove(label.as_slice()) {
                shown.push(index);
            }
        }
    }
    // A footnote left out that holds a `<` may be shown after all: then none is.
    let owners = &owner;
    let own_lines = |index: usize| {
        let lines = (blocks.footnotes.get(index)).map_or(0..0, |f| f.lines.clone());
        lines.filter(move |line| owners.get(*line) == Some(&(index as u32)))
    };
    let holds_markup = |index: usize| {
        own_lines(index).any(|line| {
            let text_of = |&(start, end, _): &(usize, usize, _)| text.get(start..end);
            let line = blocks.lines.get(line).and_then(text_of);
            line.is_some_and(|line| line.contains('<'))
        })
    };
    let mut is_shown = vec![false; blocks.footnotes.len()];
    for index in &shown {
        if let Some(slot) = is_shown.get_mut(*index) {
            *slot = true;
        }
    }
    let mut left_out =
        (0..blocks.footnotes.len()).filter(|index| is_shown.get(*index) == Some(&false));
    if left_out.any(holds_markup) {
        shown.clear();
    }
    let mut order: Vec<usize> = (0..count)
        .filter(|line| owner.get(*line) == Some(&NONE))
        .collect();
    let in_no_footnote = order.len();
    for index in shown {
        order.extend(own_lines(index));
    }
    drop(owner);
    let (text, mut blocks) = reorder(text, blocks, &order);
    blocks.footnotes_from = blocks.lines.get(in_no_footnote).map(|line| line.0);
    (text, blocks)
}

/// No footnote, or no line. As an index, one fits in a `u32`: a body has fewer lines and
/// footnotes than that.
const NONE: u32 = u32::MAX;

/// `text` with the lines at `order`, in that order, and its blocks to match. Each of the
/// blocks' per-line lists is dropped once the new one is made: a body may have a million
/// lines.
fn reorder(text: &str, mut blocks: Blocks, order: &[usize]) -> (String, Blocks) {
    let mut out = String::with_capacity(text.len() + 1);
    let mut lines = Vec::with_capacity(order.len());
    // Each line's index in the new order, or [`NONE`] if it is left out.
    let mut moves: Vec<u32> = vec![NONE; blocks.lines.len()];
    for (position, &old) in order.iter().enumerate() {
        let Some(&(start, end, kind)) = blocks.lines.get(old) else {
            continue;
        };
        let from = out.len();
        out.push_str(text.get(start..end).unwrap_or_default());
        if !out.ends_with('\n') && position + 1 < order.len() {
            out.push('\n');
        }
        if let Some(slot) = moves.get_mut(old) {
            *slot = lines.len() as u32;
        }
        lines.push((from, out.len(), kind));
    }
    let new_index = |old: usize| {
        let index = moves.get(old).copied().filter(|index| *index != NONE);
        index.map(|index| index as usize)
    };
    // Where each line starts, before and after.
    let starts = |old: usize| {
        let before = blocks.lines.get(old).map_or(0, |line| line.0);
        let after = new_index(old)
            .and_then(|new| lines.get(new))
            .map_or(0, |line| line.0);
        (before, after)
    };
    let content = {
        let content = std::mem::take(&mut blocks.content);
        let moved = order.iter().map(|&old| {
            let (before, after) = starts(old);
            content.get(old).map_or(after, |at| at - before + after)
        });
        moved.collect()
    };
    let raw_starts = {
        let raw_starts = std::mem::take(&mut blocks.raw_starts);
        let moved = order.iter().map(|&old| raw_starts.get(old) != Some(&false));
        moved.collect()
    };
    let paragraph_last = {
        let paragraph_last = std::mem::take(&mut blocks.paragraph_last);
        let moved = order.iter().map(|&old| {
            let last = paragraph_last.get(old).copied().flatten();
            last.and_then(new_index)
        });
        moved.collect()
    };
    let mut markers: Vec<Range<usize>> = Vec::new();
    for marker in std::mem::take(&mut blocks.markers) {
        let line = blocks.lines.partition_point(|line| line.0 <= marker.start);
        let line = line
            .checked_sub(1)
            .filter(|line| new_index(*line).is_some());
        if let Some((before, after)) = line.map(starts) {
            markers.push(marker.start - before + after..marker.end - before + after);
        }
    }
    markers.sort_by_key(|marker| marker.start);
    let mut shadowed_definitions: Vec<usize> = (blocks.shadowed_definitions.iter())
        .filter_map(|&old| new_index(old))
        .collect();
    shadowed_definitions.sort_unstable();
    let mut before_tables: Vec<usize> = (blocks.before_tables.iter())
        .filter_map(|&old| new_index(old))
        .collect();
    before_tables.sort_unstable();
    let moved = Blocks {
        end: out.len(),
        lines,
        hidden: Vec::new(),
        markers,
        paragraph_last,
        content,
        raw_starts,
        footnotes: Vec::new(),
        footnotes_from: None,
        shadowed_definitions,
        before_tables,
    };
    (out, moved)
}
