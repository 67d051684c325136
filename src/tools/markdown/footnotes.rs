//! Footnotes where GitHub shows them. cmark-gfm moves each footnote definition that a
//! reference uses to the end of the page, in the order of their first references, and
//! shows no other: one no reference uses, and all but the first with a label. So what a
//! footnote holds is shown after everything else on the page (a comment left open at the
//! page's end hides it), and what is left open in one goes on into those after it, not
//! into the text after its definition. The body is put in that order before the inline
//! pass reads it; each line keeps its kind.

use super::parser::Blocks;
use std::collections::HashMap;
use std::ops::Range;

/// A footnote definition, `[^label]: …`.
#[derive(Clone)]
pub(super) struct Footnote {
    /// The label as references are matched to it ([`super::definitions::normalized_label`]).
    pub(super) label: Vec<u8>,
    /// Its lines: from the marker's to the last that goes on in it, those of footnotes in
    /// it included.
    pub(super) lines: Range<usize>,
}

/// `text`'s lines in the order GitHub shows them: the lines in no footnote, then each
/// footnote that `referenced` (labels in the order of their first references) uses, with
/// its own lines. The lines of the other footnotes are left out. A footnote whose label no
/// reference can match stays where it is, as cmark-gfm leaves it.
pub(super) fn in_page_order(
    text: &str,
    blocks: Blocks,
    referenced: &[Vec<u8>],
) -> (String, Blocks) {
    let count = blocks.lines.len();
    // Each line's footnote: the innermost one it is in, or [`NONE`].
    let mut owner: Vec<u32> = vec![NONE; count];
    let mut first_with_label = HashMap::new();
    for (index, footnote) in blocks.footnotes.iter().enumerate() {
        if footnote.label.is_empty() {
            continue;
        }
        first_with_label.entry(&footnote.label).or_insert(index);
        if let Some(slots) = owner.get_mut(footnote.lines.clone()) {
            slots.fill(index as u32);
        }
    }
    let mut shown = Vec::new();
    for label in referenced {
        if let Some(index) = first_with_label.remove(label) {
            shown.push(index);
        }
    }
    let mut order: Vec<usize> = (0..count)
        .filter(|line| owner.get(*line) == Some(&NONE))
        .collect();
    for index in shown {
        let lines = (blocks.footnotes.get(index)).map_or(0..0, |f| f.lines.clone());
        order.extend(lines.filter(|line| owner.get(*line) == Some(&(index as u32))));
    }
    drop(owner);
    reorder(text, blocks, &order)
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
    let moved = Blocks {
        end: out.len(),
        lines,
        hidden: Vec::new(),
        markers,
        paragraph_last,
        content,
        raw_starts,
        footnotes: Vec::new(),
    };
    (out, moved)
}
