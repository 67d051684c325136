//! Link reference definitions: which a reference uses, and the lines those no one refers to
//! go on over, which GitHub never shows. (Footnotes are containers: [`super::footnotes`].)

use super::blocks::{leading_spaces, Line};
use super::html;
use super::parser::Blocks;
use super::{Doc, Uses, MAX_CODE_SPAN};
use std::ops::Range;

/// The longest label cmark reads, in bytes (`MAX_LINK_LABEL_LENGTH`): a longer one is no
/// label, and matches no reference.
pub(super) const MAX_LABEL: usize = 1000;

/// A label as cmark-gfm matches a reference to a definition or a footnote: runs of
/// whitespace (spaces, tabs, line ends: not a vertical tab or form feed) are one space, none
/// at either end, and ASCII letters are in lower case. cmark folds other letters' case
/// too: a label that differs in them matches no reference here ([`super::footnotes::key`]).
pub(super) fn normalized_label(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    for word in raw.split(space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend(word.iter().map(u8::to_ascii_lowercase));
    }
    out
}

impl Doc<'_> {
    /// Marks link reference definitions that no link refers to, with the lines they go on
    /// over (see [`Definition`]). Definitions in block quotes and list
    /// items count too. A label counts as used where `[label]` shows when no definition is
    /// used: not in a comment, in code, in an inline link's text or in another definition,
    /// which would let one hidden `[//]` keep every `[//]: #` comment.
    ///
    /// `paragraph_text` says, for each line of a paragraph, where its text starts after its
    /// block quotes, list items and indentation, and which is the paragraph's last line:
    /// only a paragraph's lines may be definitions, and a label may go on over them; not
    /// those of a paragraph whose last line became a table's header ([`Blocks::before_tables`]).
    ///
    /// Of definitions with one label, GitHub uses the first in the source: the others are
    /// [`Blocks::shadowed_definitions`], or found here if the lines are in the source's
    /// order. Returns the first lines of the definitions found unused so.
    pub(super) fn mark_unused_definitions(
        &mut self,
        paragraph_text: &[Option<(usize, usize)>],
        blocks: &Blocks,
    ) -> Vec<usize> {
        let shadowed = &blocks.shadowed_definitions;
        let mut definitions = Vec::new();
        let mut may_be_defined = Vec::new();
        let mut index = 0;
        while let Some(paragraph) = paragraph_text.get(index) {
            let Some((_, last)) = *paragraph else {
                index += 1;
                continue;
            };
            if blocks.before_tables.binary_search(&index).is_ok() {
                index = last.max(index) + 1;
                continue;
            }
            // Definitions follow one another from the paragraph's first line; what follows
            // them is its text.
            let mut at = index;
            while let Some(((label, shape), label_end)) =
                self.definition_at(at, last, paragraph_text)
            {
                definitions.push((at..label_end + 1, normalized_label(label.as_bytes()), shape));
                at = label_end + 1;
                // A title on the next line is the definition's; one left open there takes the
                // rest of the paragraph, as an open definition does.
                let next = self
                    .paragraph_line(at, last, paragraph_text)
                    .map(<[u8]>::trim_ascii);
                let open = match next {
                    _ if shape == Definition::Open => true,
                    Some(text) if is_title(text) => {
                        at += 1;
                        false
                    }
                    Some([b'"' | b'\'' | b'(', ..]) => true,
                    _ => false,
                };
                if open {
                    // Where it ends is not known here: a later line that looks like a
                    // definition may be one, and come before another of its label.
                    for line in at..=last {
                        let text = self.paragraph_line(line, last, paragraph_text);
                        if let Some((label, _)) = text.and_then(definition) {
                            may_be_defined.push((line, normalized_label(label.as_bytes())));
                        }
                    }
                    break;
                }
            }
            index = last.max(index) + 1;
        }
        if definitions.is_empty() {
            return Vec::new();
        }
        self.caret_definition = (definitions.iter()).any(|(_, label, _)| label.starts_with(b"^"));
        let kinds: Vec<Line> = self.lines.iter().map(|line| line.2).collect();
        self.drop_definitions(
            definitions
                .iter()
                .map(|(lines, _, shape)| (lines.clone(), *shape)),
            paragraph_text,
        );
        let uses: std::collections::HashSet<Vec<u8>> =
            labels_in_order(self.text_for_uses(Uses::Links).as_bytes())
                .0
                .iter()
                .map(|label| normalized_label(label))
                .collect();
        for (line, kind) in self.lines.iter_mut().zip(kinds) {
            line.2 = kind;
        }
        let mut seen = std::collections::HashSet::new();
        let mut not_first = Vec::new();
        let mut may_be_defined = may_be_defined.into_iter().peekable();
        let (used, unused): (Vec<_>, Vec<_>) = definitions
            .into_iter()
            .map(|(lines, label, shape)| {
                while let Some((_, label)) = may_be_defined.next_if(|(at, _)| *at < lines.start) {
                    seen.insert(label);
                }
                let first =
                    shadowed.binary_search(&lines.start).is_err() && seen.insert(label.clone());
                if !first {
                    not_first.push(lines.start);
                }
                (lines, shape, first && uses.contains(&label))
            })
            // A label over lines is not kept short: it goes whole.
            .partition(|(lines, shape, used)| {
                *used && *shape != Definition::Open && lines.len() == 1
            });
        let unused = unused.into_iter().map(|(lines, shape, _)| (lines, shape));
        self.drop_definitions(unused, paragraph_text);
        for (lines, shape, _) in used {
            if shape == Definition::Whole {
                // The title on the next line goes; the definition itself is kept short.
                let index = lines.start;
                self.drop_definitions(std::iter::once((lines, shape)), paragraph_text);
                if let Some(entry) = self.lines.get_mut(index) {
                    entry.2 = Line::Reference;
                }
            }
        }
        not_first
    }

    /// The definition on line `at` of a paragraph whose last line is `last`, and the line
    /// where its label closes.
    fn definition_at(
        &self,
        at: usize,
        last: usize,
        paragraph_text: &[Option<(usize, usize)>],
    ) -> Option<((String, Definition), usize)> {
        let line = self.paragraph_line(at, last, paragraph_text)?;
        // cmark reads a definition from the byte where the line's text starts, which is
        // past its indentation except on a lazy line: one indented there is no definition.
        if line.first().is_some_and(|b| matches!(b, b' ' | b'\t')) {
            return None;
        }
        match definition(line) {
            Some(found) => Some((found, at)),
            None => self.label_over_lines(at, last, paragraph_text),
        }
    }

    /// The text of line `at`, if it is a line of prose of the paragraph whose last line is
    /// `last`.
    fn paragraph_line(
        &self,
        at: usize,
        last: usize,
        paragraph_text: &[Option<(usize, usize)>],
    ) -> Option<&[u8]> {
        let &(_, end, kind) = self.lines.get(at).filter(|_| at <= last)?;
        let (from, _) = paragraph_text.get(at).copied().flatten()?;
        (kind == Line::Prose).then(|| self.bytes.get(from..end).unwrap_or_default())
    }

    /// The definition whose label opens on line `index` and closes on a later line of its
    /// paragraph (whose last line is `last`), within the longest label cmark reads, and the
    /// line where the label closes.
    fn label_over_lines(
        &self,
        index: usize,
        last: usize,
        paragraph_text: &[Option<(usize, usize)>],
    ) -> Option<((String, Definition), usize)> {
        let first = self.paragraph_line(index, last, paragraph_text)?;
        if !opens_label(first) || first.len() > MAX_LABEL {
            return None;
        }
        let bracket_after = |text: &[u8], from: usize| {
            (from..text.len())
                .find(|&at| matches!(text.get(at), Some(b'[' | b']')) && !escaped(text, at))
        };
        // Each line is read once: a `[` ends the search (no label holds one), and the next
        // label over lines opens with one.
        let mut joined = first.to_vec();
        for at in index + 1..=last {
            let line = self.paragraph_line(at, last, paragraph_text)?;
            let from = joined.len();
            joined.extend_from_slice(line);
            match bracket_after(&joined, from).and_then(|at| joined.get(at)) {
                Some(b']') => return definition(&joined).map(|found| (found, at)),
                Some(_) => return None,
                None if joined.len() > MAX_LABEL => return None,
                None => {}
            }
        }
        None
    }

    /// Marks the definitions at these lines (the label's: one, or more when it goes on
    /// over lines) as dropped, with the lines they go on over, in order of their lines.
    fn drop_definitions(
        &mut self,
        definitions: impl Iterator<Item = (Range<usize>, Definition)>,
        paragraph_text: &[Option<(usize, usize)>],
    ) {
        // Lines up to here are dropped already: each is looked at once.
        let mut dropped_through = 0;
        for (lines, shape) in definitions {
            let index = lines.start;
            if index < dropped_through {
                continue;
            }
            if let Some(label_lines) = self.lines.get_mut(lines.clone()) {
                label_lines
                    .iter_mut()
                    .for_each(|entry| entry.2 = Line::Drop);
            }
            let last =
                (paragraph_text.get(index).copied().flatten()).map_or(index, |(_, last)| last);
            let mut at = lines.end;
            // The next line of the paragraph: a title, closed there or not.
            let title = self.paragraph_line(at, last, paragraph_text).map(|text| {
                let text = text.trim_ascii();
                (
                    is_title(text),
                    matches!(text.first(), Some(b'"' | b'\'' | b'(')),
                )
            });
            let paragraph_on = match (shape, title) {
                (Definition::Open, _) => true,
                // A title on the next line: dropped with it, and if it is not closed there,
                // the rest of the paragraph too.
                (Definition::Whole, Some((true, _))) => {
                    if let Some(entry) = self.lines.get_mut(at) {
                        entry.2 = Line::Drop;
                    }
                    false
                }
                (Definition::Whole, Some((false, opens))) => opens,
                (Definition::Whole, None) => false,
            };
            while paragraph_on && self.paragraph_line(at, last, paragraph_text).is_some() {
                if let Some(entry) = self.lines.get_mut(at) {
                    entry.2 = Line::Drop;
                }
                at += 1;
            }
            // A title left open: the definition may be rejected.
            if paragraph_on && self.opens_hiding(index, at) {
                // GitHub may reject the definition and show its lines as text, where this
                // would go on hiding what follows: all of it goes.
                at = self.lines.len();
                self.lines
                    .iter_mut()
                    .skip(index)
                    .for_each(|line| line.2 = Line::Drop);
            }
            dropped_through = dropped_through.max(at);
        }
    }

    /// Whether lines `from..to` hold a comment's start or a start tag that hides.
    fn opens_hiding(&self, from: usize, to: usize) -> bool {
        let start = self.lines.get(from).map_or(0, |line| line.0);
        let end = to
            .checked_sub(1)
            .and_then(|last| self.lines.get(last))
            .map_or(start, |line| line.1);
        let text = self.bytes.get(start..end).unwrap_or_default();
        (0..text.len()).any(|at| {
            text.get(at) == Some(&b'<')
                && (text.get(at..).is_some_and(|rest| rest.starts_with(b"<!--"))
                    || html::tag(text, at).is_some_and(|tag| tag.hides && !tag.closing))
        })
    }
}

/// The labels that `text` refers to, in order: `[label]`, `[text][label]`, `[label][]`,
/// `[^footnote]`; not an inline link's text (`[text](…)`), an escaped bracket (`\[`, `\]`),
/// a `[^x]` before another `[` that is not `[^` (a link if its label names a definition),
/// brackets in a word GitHub may make a link of (`https://…`, `www.…`, an address with
/// `@`), or brackets inside a `[^…]` (cmark drops what a footnote's reference holds).
/// Also whether a `[^…]` was left out that may be a footnote's reference after all (before
/// `(` or `[`, or in such a word): which footnotes show, and in which order, is then unsure.
pub(super) fn labels_in_order(text: &[u8]) -> (Vec<Vec<u8>>, bool) {
    let mut used = Vec::new();
    let mut unsure = false;
    // The `[`s open: where, and whether one opened inside it. How many open with `[^`.
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut carets_open = 0;
    let mut in_url = false;
    let mut line_has_text = false;
    for (at, &byte) in text.iter().enumerate() {
        if byte == b'\n' && !line_has_text {
            // A blank line ends the paragraph, and the brackets left open in it.
            open.clear();
            carets_open = 0;
        }
        if byte.is_ascii_whitespace() {
            in_url = false;
            line_has_text &= byte != b'\n';
            continue;
        }
        line_has_text = true;
        let rest = text.get(at..).unwrap_or_default();
        if byte == b'@' || rest.starts_with(b"://") || rest.starts_with(b"www.") {
            in_url = true;
        }
        if !matches!(byte, b'[' | b']') || escaped(text, at) {
            continue;
        }
        if byte == b'[' {
            unsure |= in_url && rest.get(1) == Some(&b'^');
            if !in_url {
                if let Some(outer) = open.last_mut() {
                    outer.1 = true;
                }
                carets_open += usize::from(rest.get(1) == Some(&b'^'));
                open.push((at, false));
            }
            continue;
        }
        let Some((start, nested)) = open.pop() else {
            continue;
        };
        let caret = text.get(start + 1) == Some(&b'^');
        carets_open -= usize::from(caret);
        let label = text.get(start + 1..at).unwrap_or_default();
        if nested || label.len() > MAX_CODE_SPAN || carets_open > 0 {
            continue;
        }
        match (rest.get(1), rest.get(2)) {
            (Some(b'['), Some(b'^')) => used.push(label.to_ascii_lowercase()),
            (Some(b'(' | b'['), _) => unsure |= caret,
            _ => used.push(label.to_ascii_lowercase()),
        }
    }
    (used, unsure)
}

/// How a definition's first line says it goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Definition {
    /// `[label]: destination`, with or without a title: the next line may hold a title.
    Whole,
    /// `[label]:` with no destination, or a title not closed on the line: the definition
    /// goes on over the next lines of its paragraph, which are dropped with it.
    Open,
}

/// Whether `line` (a paragraph line's text) starts a link reference definition, or may:
/// a label left open on it may close on a later line. Taken for one when it is not, a
/// setext underline under it is read as text, and what follows as the paragraph's, not
/// code: its hidden parts are then removed, never kept.
pub(super) fn starts_definition(line: &[u8]) -> bool {
    definition(line).is_some() || opens_label(line)
}

/// Whether a paragraph's `lines` (their text) may hold only link reference definitions,
/// as cmark-gfm reads them when a setext underline comes under them: then the underline is
/// text. Where that cannot be told line by line (a label or title left open), they may.
/// Also whether lines added after them leave the answer as it is: they do after a line of
/// text or a definition left open.
pub(super) fn only_definitions<'a>(lines: impl Iterator<Item = &'a [u8]>) -> (bool, bool) {
    let mut lines = lines.enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        // cmark reads a definition from the line's first byte: a lazy line's indentation
        // is text.
        let indented = index > 0 && matches!(line.first(), Some(b' ' | b'\t'));
        match definition(line).filter(|_| !indented) {
            Some((_, Definition::Whole)) => match lines.peek().map(|(_, next)| next.trim_ascii()) {
                Some(next) if is_title(next) => {
                    lines.next();
                }
                Some([b'"' | b'\'' | b'(', ..]) => return (true, true),
                _ => {}
            },
            Some((_, Definition::Open)) => return (true, true),
            None => return (!indented && opens_label(line), true),
        }
    }
    (true, false)
}

/// Whether `line` opens a label (`[`, indented less than four columns) that no `]` on it
/// closes.
fn opens_label(line: &[u8]) -> bool {
    let open = leading_spaces(line);
    open <= 3
        && line.get(open) == Some(&b'[')
        && !(open + 1..line.len())
            .any(|at| matches!(line.get(at), Some(b'[' | b']')) && !escaped(line, at))
}

/// The first line of a link reference definition: its label and shape.
fn definition(line: &[u8]) -> Option<(String, Definition)> {
    let indent = leading_spaces(line);
    if indent > 3 {
        return None;
    }
    let rest = line.get(indent..)?.strip_prefix(b"[")?;
    // The first `]` not escaped with `\` ends the label.
    let close = (0..rest.len()).find(|&at| rest.get(at) == Some(&b']') && !escaped(rest, at))?;
    let label = rest.get(..close)?;
    let after = rest.get(close + 1..)?.strip_prefix(b":")?.trim_ascii();
    if label.trim_ascii().is_empty() || label.contains(&b'[') {
        return None;
    }
    let named = String::from_utf8_lossy(label).into_owned();
    if after.is_empty() {
        return Some((named, Definition::Open));
    }
    let destination_len = if after.first() == Some(&b'<') {
        after.iter().position(|b| *b == b'>')? + 1
    } else {
        after
            .iter()
            .take_while(|b| !b.is_ascii_whitespace())
            .count()
    };
    let title = after.get(destination_len..)?.trim_ascii();
    if title.is_empty() || is_title(title) {
        Some((named, Definition::Whole))
    } else if matches!(title.first(), Some(b'"' | b'\'' | b'(')) {
        Some((named, Definition::Open))
    } else {
        None
    }
}

/// Whether the character at `at` is escaped: an odd number of `\` just before it.
fn escaped(text: &[u8], at: usize) -> bool {
    let before = text.get(..at).unwrap_or_default();
    before.iter().rev().take_while(|b| **b == b'\\').count() % 2 == 1
}

/// Where the destination of the definition on `line` starts and ends (its label and
/// destination are what comes before the end), or `None` when it cannot be read.
pub(super) fn destination(line: &[u8]) -> Option<(usize, usize)> {
    let open = line.iter().position(|b| *b == b'[')?;
    let close =
        (open + 1..line.len()).find(|&at| line.get(at) == Some(&b']') && !escaped(line, at))?;
    let colon = close + 1;
    if line.get(colon) != Some(&b':') {
        return None;
    }
    let spaces = line
        .iter()
        .skip(colon + 1)
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let start = colon + 1 + spaces;
    let rest = line.get(start..)?;
    let len = if rest.first() == Some(&b'<') {
        rest.iter()
            .position(|b| *b == b'>')
            .map_or(rest.len(), |i| i + 1)
    } else {
        rest.iter().take_while(|b| !b.is_ascii_whitespace()).count()
    };
    Some((start, start + len))
}

/// `"…"`, `'…'` or `(…)`.
fn is_title(text: &[u8]) -> bool {
    matches!(
        (text.first(), text.last()),
        (Some(b'"'), Some(b'"')) | (Some(b'\''), Some(b'\'')) | (Some(b'('), Some(b')'))
    ) && text.len() >= 2
}
