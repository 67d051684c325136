//! Inline parts' extents: where inline parts must end (a paragraph, a heading's line, a
//! table's cell), brackets and footnote references, code spans and autolinks.

use super::blocks::{is_blank, Line};
use super::{Doc, MAX_CODE_SPAN, NO_CLOSE};

impl Doc<'_> {
    /// Where inline parts that start on each line must end ([`Doc::paragraph_ends`]), from
    /// the index of the last line of each line's paragraph.
    pub(super) fn index_paragraph_ends(&mut self, paragraph_last: &[Option<usize>]) {
        let mut next_blank = self.bytes.len();
        let mut ends = vec![0; self.lines.len()];
        for (index, &(start, line_end, kind)) in self.lines.iter().enumerate().rev() {
            let last = paragraph_last.get(index).copied().flatten();
            let end = match last.and_then(|last| self.lines.get(last)) {
                Some(&(_, paragraph_end, _)) => paragraph_end,
                // A table's line is a block of its own, like a heading.
                None if matches!(kind, Line::Prose | Line::Row) => line_end,
                None => next_blank,
            };
            if let Some(slot) = ends.get_mut(index) {
                *slot = end;
            }
            if is_blank(self.bytes.get(start..line_end).unwrap_or_default()) {
                next_blank = start;
            }
        }
        self.paragraph_ends = ends;
    }

    /// Where inline parts that start at `pos`, on a line of `kind` ending at `line_end`,
    /// must end: in a table's line, at the edge of the cell.
    pub(super) fn inline_end(&self, pos: usize, kind: Line, line_end: usize) -> usize {
        if kind != Line::Row {
            return line_end;
        }
        let next = self.cell_edges.partition_point(|edge| *edge < pos);
        self.cell_edges
            .get(next)
            .copied()
            .map_or(line_end, |edge| edge.min(line_end))
    }

    /// Where inline parts starting at `at` must end: its paragraph's end (a heading's line's),
    /// or in a table its cell's.
    pub(super) fn inline_limit(&self, at: usize) -> usize {
        let line = self.line_index(at);
        match self.lines.get(line) {
            Some(&(_, line_end, Line::Row)) => self.inline_end(at, Line::Row, line_end),
            _ => self.paragraph_ends.get(line).copied().unwrap_or_default(),
        }
    }

    /// Where the footnote reference at `pos` (on a line of `kind`) ends, if a `[^…]` there
    /// closes in its paragraph and is no link (no `(` or `[` after it). cmark drops what
    /// else its brackets hold: a tag in them is no tag.
    pub(super) fn footnote_reference_end(&self, pos: usize, kind: Line) -> Option<usize> {
        let end = self.footnote_brackets_end(pos, kind)?;
        (!matches!(self.bytes.get(end), Some(b'(' | b'['))).then_some(end)
    }

    /// Where a `[^…]` at `pos` (on a line of `kind`) that closes in its paragraph, and holds
    /// no backtick, ends. With `(` or `[` after it, it is a link if a destination or
    /// definition makes one, and a footnote's reference otherwise, whose brackets hold no
    /// tag either.
    pub(super) fn footnote_brackets_end(&self, pos: usize, kind: Line) -> Option<usize> {
        if !matches!(kind, Line::Prose | Line::Row) || !self.starts_with(pos, "[^") {
            return None;
        }
        let found = self
            .bracket_closes
            .binary_search_by_key(&pos, |(open, _)| *open);
        let (_, close) = found.ok().and_then(|at| self.bracket_closes.get(at))?;
        if *close == NO_CLOSE {
            return None;
        }
        let end = close + 1;
        // A backtick in it may open a code span that runs past its `]` (CommonMark's code
        // spans bind more tightly than brackets): then it is none.
        let code = (self.bytes.get(pos..end)).is_some_and(|inside| inside.contains(&b'`'));
        (end > pos + 3 && end - pos <= MAX_CODE_SPAN && !code).then_some(end)
    }

    /// Pairs each `[` in prose or a table with the `]` that closes it, brackets in pairs,
    /// in its paragraph or table cell (`\` escapes the byte after it): in one pass, so a
    /// body of brackets is read in linear time.
    pub(super) fn index_brackets(&mut self) {
        // Each `[` gets its place in order, and its `]` when one closes it.
        let mut open: Vec<usize> = Vec::new();
        let mut open_until = 0;
        let mut at = 0;
        while at < self.bytes.len() {
            let byte = self.bytes.get(at).copied().unwrap_or_default();
            if !matches!(byte, b'[' | b']' | b'\\')
                || !matches!(self.kind_at(at), Line::Prose | Line::Row)
            {
                at += 1;
                continue;
            }
            let limit = self.inline_limit(at);
            if limit != open_until {
                open.clear();
                open_until = limit;
            }
            match byte {
                b'\\' => at += 1,
                b'[' => {
                    open.push(self.bracket_closes.len());
                    self.bracket_closes.push((at, NO_CLOSE));
                }
                _ => {
                    let pair = open
                        .pop()
                        .and_then(|pair| self.bracket_closes.get_mut(pair));
                    if let Some(pair) = pair {
                        pair.1 = at;
                    }
                }
            }
            at += 1;
        }
    }

    /// The end of a code span opened by the backtick run at `pos` on this line, or the
    /// end of the run when nothing closes it (the backticks are then text).
    pub(super) fn code_span_end(&self, pos: usize, line_end: usize) -> usize {
        let run = |at: usize| {
            self.bytes
                .get(at..line_end)
                .map_or(0, |r| r.iter().take_while(|b| **b == b'`').count())
        };
        let n = run(pos);
        let mut at = pos + n;
        let line_end = line_end.min(pos + MAX_CODE_SPAN);
        while at < line_end {
            if self.bytes.get(at) == Some(&b'`') {
                let m = run(at);
                if m == n {
                    return at + m;
                }
                at += m;
            } else {
                at += 1;
            }
        }
        pos + n
    }
}

/// Where the autolink at `pos` ends (CommonMark 6.5): `<scheme:…>` or `<local@domain>`.
pub(super) fn autolink_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let rest = bytes.get(pos..)?.strip_prefix(b"<")?;
    let close = rest
        .iter()
        .take(MAX_CODE_SPAN)
        .position(|b| *b == b'>' || *b == b'<' || *b == b' ' || b.is_ascii_control())?;
    if rest.get(close) != Some(&b'>') {
        return None;
    }
    let inside = rest.get(..close)?;
    let scheme_len = inside
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        .count();
    let uri = inside.first().is_some_and(u8::is_ascii_alphabetic)
        && (2..=32).contains(&scheme_len)
        && inside.get(scheme_len) == Some(&b':');
    let email = inside.iter().position(|b| *b == b'@').is_some_and(|at| {
        let (local, domain) = inside.split_at(at);
        let domain = domain.get(1..).unwrap_or_default();
        !local.is_empty()
            && local
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(b))
            && domain.split(|b| *b == b'.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                    && label.first() != Some(&b'-')
                    && label.last() != Some(&b'-')
            })
    });
    (uri || email).then_some(pos + 1 + close + 1)
}
