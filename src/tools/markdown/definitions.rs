//! Link reference definitions: which a reference uses, and the lines those no one refers to
//! go on over, which GitHub never shows. (Footnotes are containers: [`super::footnotes`].)

use super::blocks::{is_blank, leading_spaces, without_containers, Line};
use super::html;
use super::{Doc, MAX_CODE_SPAN};

impl Doc<'_> {
    /// Marks link reference definitions that no link refers to, with the lines they go on
    /// over (see [`Definition`]). Definitions in block quotes and list
    /// items count too. A label counts as used where `[label]` shows when no definition is
    /// used: not in a comment, in code, in an inline link's text or in another definition,
    /// which would let one hidden `[//]` keep every `[//]: #` comment.
    ///
    /// `paragraph_text` says, for each line of a paragraph, where its text starts after its
    /// block quotes, list items and indentation: only a paragraph's lines may be definitions.
    pub(super) fn mark_unused_definitions(&mut self, paragraph_text: &[Option<usize>]) {
        let mut definitions = Vec::new();
        for (index, &(_, end, kind)) in self.lines.iter().enumerate() {
            let Some(Some(from)) = paragraph_text.get(index) else {
                continue;
            };
            let line = self.bytes.get(*from..end).unwrap_or_default();
            if let (Line::Prose, Some((label, shape))) = (kind, definition(line)) {
                definitions.push((index, label.to_ascii_lowercase().into_bytes(), shape));
            }
        }
        if definitions.is_empty() {
            return;
        }
        let kinds: Vec<Line> = self.lines.iter().map(|line| line.2).collect();
        self.drop_definitions(definitions.iter().map(|(index, _, shape)| (*index, *shape)));
        let uses: std::collections::HashSet<Vec<u8>> =
            labels_in_order(self.text_for_uses().as_bytes())
                .into_iter()
                .collect();
        for (line, kind) in self.lines.iter_mut().zip(kinds) {
            line.2 = kind;
        }
        // Of definitions with one label, GitHub uses the first: the others are unused.
        let mut seen = std::collections::HashSet::new();
        let (used, unused): (Vec<_>, Vec<_>) = definitions
            .into_iter()
            .map(|(index, label, shape)| {
                let first = seen.insert(label.clone());
                (index, shape, first && uses.contains(&label))
            })
            .partition(|(_, shape, used)| *used && *shape != Definition::Open);
        self.drop_definitions(unused.into_iter().map(|(index, shape, _)| (index, shape)));
        for (index, shape, _) in used {
            if shape == Definition::Whole {
                // The title on the next line goes; the definition itself is kept short.
                self.drop_definitions(std::iter::once((index, shape)));
                if let Some(entry) = self.lines.get_mut(index) {
                    entry.2 = Line::Reference;
                }
            }
        }
    }

    /// Marks the definitions starting at these lines as dropped, with the lines they go on
    /// over, in order of their lines.
    fn drop_definitions(&mut self, definitions: impl Iterator<Item = (usize, Definition)>) {
        // Lines up to here are dropped already: each is looked at once.
        let mut dropped_through = 0;
        for (index, shape) in definitions {
            if index < dropped_through {
                continue;
            }
            if let Some(entry) = self.lines.get_mut(index) {
                entry.2 = Line::Drop;
            }
            let next_line = |lines: &[(usize, usize, Line)], at: usize| {
                let &(start, end, kind) = lines.get(at)?;
                let text = self.bytes.get(start..end).unwrap_or_default();
                (kind == Line::Prose && !is_blank(text)).then(|| without_containers(text))
            };
            let mut at = index + 1;
            let paragraph_on = match shape {
                Definition::Open => true,
                // A title on the next line: dropped with it, and if it is not closed there,
                // the rest of the paragraph too.
                Definition::Whole => match next_line(&self.lines, at) {
                    Some(text) if is_title(text.trim_ascii()) => {
                        if let Some(entry) = self.lines.get_mut(at) {
                            entry.2 = Line::Drop;
                        }
                        false
                    }
                    Some(text) => matches!(text.first(), Some(b'"' | b'\'' | b'(')),
                    None => false,
                },
            };
            while paragraph_on && next_line(&self.lines, at).is_some() {
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
/// `[^footnote]`; not an inline link's text (`[text](…)`).
pub(super) fn labels_in_order(text: &[u8]) -> Vec<Vec<u8>> {
    let mut used = Vec::new();
    for (at, _) in text.iter().enumerate().filter(|(_, b)| **b == b'[') {
        // `\[` is a bracket shown as text.
        if at > 0 && text.get(at - 1) == Some(&b'\\') {
            continue;
        }
        let rest = text.get(at + 1..).unwrap_or_default();
        let inside = rest
            .iter()
            .take(MAX_CODE_SPAN)
            .position(|b| *b == b']' || *b == b'[');
        if let Some(len) = inside.filter(|len| rest.get(*len) == Some(&b']')) {
            if rest.get(len + 1) != Some(&b'(') {
                used.push(rest.get(..len).unwrap_or_default().to_ascii_lowercase());
            }
        }
    }
    used
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

/// Whether `line` (a paragraph line's text) starts a link reference definition.
pub(super) fn starts_definition(line: &[u8]) -> bool {
    definition(line).is_some()
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
