//! Where comments end, and the other raw markup a browser reads as comments (processing
//! instructions, declarations, CDATA sections, and in raw HTML `</` or `<!` that start no tag):
//! as cmark-gfm passes it through, and as far as a browser hides it. Where the scanners end
//! each kind is [`super::markup`]'s.

use super::blocks::Line;
use super::html;
use super::markup::{empty_comment_end, raw_markup_closer};
use super::{Code, Doc, NO_CLOSE};

/// How cmark-gfm reads a `<!` in a paragraph ([`Doc::reads_bang`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reads {
    Markup,
    Text,
    /// Markup or text: what it hides is what either hides.
    Either,
}

impl Doc<'_> {
    /// Finds each byte that may shelter a comment opener, each `<!--` in prose or a table
    /// that needs a `-->` to close it, each `-->` and `--!>`, and those in raw HTML.
    pub(super) fn index_comments(&mut self) {
        self.shelters = (self.bytes.iter().enumerate())
            .filter(|(_, byte)| matches!(byte, b'`' | b'\\' | b'<' | b'('))
            .map(|(at, _)| at)
            .collect();
        for (at, window) in self.bytes.windows(4).enumerate() {
            if window != b"<!--" {
                continue;
            }
            let closed =
                empty_comment_end(&self.bytes, at).is_some() || self.starts_with(at + 4, "-->");
            if !closed && matches!(self.kind_at(at), Line::Prose | Line::Row) {
                self.inline_comment_opens.push(at);
            }
        }
        for (at, window) in self.bytes.windows(3).enumerate() {
            // A browser ends a comment at `--!>` too (cmark-gfm does not).
            let bang = self.starts_with(at, "--!>");
            if window == b"-->" || bang {
                let end = at + if bang { 4 } else { 3 };
                self.comment_closes.push(end);
                if self.kind_at(at) == Line::Html {
                    self.raw_comment_closes.push(end);
                }
            }
        }
    }

    /// Just past the first of `closes` (ends of `-->` or `--!>`) that starts at `body` or
    /// after, where a browser ends a comment whose text starts at `body`.
    fn browser_comment_close(&self, closes: &[usize], body: usize) -> Option<usize> {
        let start = |end: usize| {
            let bang = end >= 2 && self.bytes.get(end - 2) == Some(&b'!');
            end.saturating_sub(if bang { 4 } else { 3 })
        };
        let first = closes.partition_point(|end| start(*end) < body);
        closes.get(first).copied()
    }

    /// Whether a `-->` or `--!>` in a paragraph or table line from `body` to `raw` may be one
    /// GitHub writes as it is: one after a `<` in its paragraph, which may open markup that
    /// cmark-gfm passes (`<!-->`, `<b-->`, `<b x="-->">`). Elsewhere GitHub escapes its `>`.
    fn may_close_in_prose(&self, body: usize, raw: usize) -> bool {
        let first = self.comment_closes.partition_point(|end| *end < body);
        let mut scanned = body;
        let mut paragraph_end = None;
        for &close in self.comment_closes.get(first..).unwrap_or_default() {
            if close >= raw {
                return false;
            }
            let line = self.line_index(close - 1);
            if !matches!(self.lines.get(line), Some((_, _, Line::Prose | Line::Row))) {
                continue;
            }
            // Each paragraph is read once, from its first line (or `body`) on.
            let end = self.paragraph_ends.get(line).copied();
            if paragraph_end != end {
                paragraph_end = end;
                let mut start = line;
                while start > 0
                    && self.paragraph_ends.get(start - 1) == end.as_ref()
                    && matches!(
                        self.lines.get(start - 1),
                        Some((_, _, Line::Prose | Line::Row))
                    )
                {
                    start -= 1;
                }
                scanned = self.lines.get(start).map_or(close, |l| l.0).max(body);
            }
            let before = self.bytes.get(scanned..close).unwrap_or_default();
            if before.contains(&b'<') {
                return true;
            }
            scanned = close;
        }
        false
    }

    /// Where the comment at `pos` ends, or `None` when it is text ([`Doc::comment_extent`]).
    pub(super) fn comment_end(&self, pos: usize) -> Option<usize> {
        self.comment_extent(pos).map(|(hidden, _)| hidden)
    }

    /// Where what a browser hides of the comment at `pos` ends, and where the raw markup
    /// cmark-gfm passes for it ends, or `None` when it is text. In raw HTML (an HTML block)
    /// it runs to the first `-->` or `--!>` in raw HTML, or to the end; inside a paragraph it
    /// must close before the paragraph does, and what a browser shows of it is raw HTML.
    pub(super) fn comment_extent(&self, pos: usize) -> Option<(usize, usize)> {
        let body = pos + 4;
        let index = self.line_index(pos);
        let &(_, _, kind) = self.lines.get(index)?;
        let reads = match kind {
            Line::Html => Reads::Markup,
            _ => self.reads_bang(pos),
        };
        if reads == Reads::Text {
            return None;
        }
        if let Some(end) = empty_comment_end(&self.bytes, pos) {
            return Some((end, end));
        }
        if kind == Line::Html {
            // A browser's comment runs to the first `-->` or `--!>` GitHub writes as it is:
            // one in raw HTML, past the HTML block's end and its container's too. One in a
            // paragraph before it may be in markup cmark-gfm passes as it is (`<!-->`,
            // `<b-->`), and what follows that may be hidden by an element that runs on.
            let raw = self.browser_comment_close(&self.raw_comment_closes, body);
            let end = match raw {
                Some(raw) if !self.may_close_in_prose(body, raw) => raw,
                _ => self.bytes.len(),
            };
            return Some((end, end));
        }
        let paragraph_end = self.inline_limit(pos);
        // cmark-gfm takes it for a comment if its scanner ends one in its paragraph
        // ([`markup`]); a browser then ends it at the first `-->` or `--!>`, and what
        // follows up to cmark's end is shown (`<!-- a ---> shown -->`, `<!-- a --!> b -->`).
        let cmark_end = (self.comment_scan.end(body)).filter(|end| *end <= paragraph_end)?;
        let browser_end = self.browser_comment_close(&self.comment_closes, body)?;
        if reads == Reads::Either && self.may_hide_as_text(body, cmark_end) {
            return Some((self.bytes.len(), self.bytes.len()));
        }
        let hidden = self.raw_rest_end(browser_end, cmark_end, true);
        Some((hidden, hidden.max(cmark_end)))
    }

    /// Finds, for each comment opener, the last one up to it that finds no end in its
    /// paragraph or cell ([`Doc::left_open_by`]).
    pub(super) fn index_comments_left_open(&mut self) {
        let mut last = NO_CLOSE;
        let mut left_open_by = Vec::with_capacity(self.inline_comment_opens.len());
        for &open in &self.inline_comment_opens {
            let limit = self.inline_limit(open);
            if self
                .comment_scan
                .end(open + 4)
                .is_none_or(|end| end > limit)
            {
                last = open;
            }
            left_open_by.push(last);
        }
        self.left_open_by = left_open_by;
    }

    /// How cmark-gfm reads `<!…` at `pos` in a paragraph or table cell: once a comment
    /// before it there finds no `-->`, it looks for none there again, and reads no
    /// declaration either (`<!-- a <!--> <!X b>`), even where a later one would close
    /// (`<!-- <!-------> <!X b>`). A comment opener after a backtick, a `\`, a `<` or a `(`
    /// may be in a code span, escaped, in other markup, an autolink or a link's destination,
    /// where cmark-gfm does not scan it: then either may be.
    pub(super) fn reads_bang(&self, pos: usize) -> Reads {
        let opens = self.inline_comment_opens.partition_point(|at| *at < pos);
        let left_open = (opens.checked_sub(1)).and_then(|i| self.left_open_by.get(i));
        let limit = self.inline_limit(pos);
        let Some(&open) =
            left_open.filter(|&&open| open != NO_CLOSE && self.inline_limit(open) == limit)
        else {
            return Reads::Markup;
        };
        let shelters = self.shelters.partition_point(|at| *at < open);
        let sheltered = (shelters.checked_sub(1))
            .and_then(|i| self.shelters.get(i))
            .is_some_and(|&at| self.inline_limit(at) == limit);
        if sheltered {
            Reads::Either
        } else {
            Reads::Text
        }
    }

    /// Whether what follows `from` up to `end`, read as text, may hide more than markup
    /// there does: a `<` in it may open a tag that runs on.
    fn may_hide_as_text(&self, from: usize, end: usize) -> bool {
        self.bytes
            .get(from..end)
            .is_some_and(|text| text.contains(&b'<'))
    }

    /// Where the processing instruction, declaration or CDATA section at `pos` ends, if it
    /// closes before the paragraph does.
    pub(super) fn raw_markup_end(&self, pos: usize) -> Option<usize> {
        let (closer, opener) = raw_markup_closer(&self.bytes, pos)?;
        let limit = self.inline_limit(pos);
        if self.starts_with(pos, "<!") && self.reads_bang(pos) == Reads::Text {
            return None;
        }
        let index = [">", "?>", "]]>"].iter().position(|c| *c == closer)?;
        let end = self.markup_closes.get(index)?.end(pos + opener)?;
        (end <= limit).then_some(end)
    }

    /// Where what a browser hides of the processing instruction or CDATA section that
    /// cmark-gfm passes from `pos` to `end` ends: a browser ends one (a bogus comment) at its
    /// first `>` ([`Doc::raw_rest_end`]).
    /// Where cmark-gfm may read a declaration as text instead ([`Reads::Either`]), what it
    /// holds may hide more.
    pub(super) fn browser_markup_end(&self, pos: usize, end: usize) -> usize {
        if self.markup_may_be_text(pos, end) {
            return self.bytes.len();
        }
        self.raw_rest_end(self.bogus_comment_close(pos, end), end, true)
    }

    /// Whether the `<!…` markup at `pos` that cmark-gfm may end at `end` may be text for it
    /// instead, holding what may hide more.
    pub(super) fn markup_may_be_text(&self, pos: usize, end: usize) -> bool {
        self.starts_with(pos, "<!")
            && self.reads_bang(pos) == Reads::Either
            && self.may_hide_as_text(pos + 2, end)
    }

    /// Where a browser ends the bogus comment at `pos` (`<?`, `<!X`, `</ `): just past the
    /// first `>` before `end`, or at `end`.
    pub(super) fn bogus_comment_close(&self, pos: usize, end: usize) -> usize {
        let within = self.bytes.get(pos + 1..end).unwrap_or_default();
        let close = within.iter().position(|b| *b == b'>');
        close.map_or(end, |at| pos + 1 + at + 1)
    }

    /// Where what a browser hides ends, once it has ended at `from` raw markup that cmark-gfm
    /// passes on to `end`: the rest is HTML to a browser, so a comment, a hiding element or
    /// a tag left open in it hides more, and a tag only a browser reads hides itself. A rest
    /// without `<` shows as it is; of one with, nothing shows.
    /// Where GitHub sees a code span instead, the rest is not raw HTML but Markdown after
    /// it (`as_html` false): only what cmark-gfm reads as markup is markup there.
    pub(super) fn raw_rest_end(&self, from: usize, end: usize, as_html: bool) -> usize {
        if !as_html {
            return self.markdown_rest_end(from, end);
        }
        let within = |at: usize| self.bytes.get(at..end).unwrap_or_default();
        if !within(from).contains(&b'<') {
            return from;
        }
        let mut at = from;
        let mut hidden_to = end;
        let rest = self.bytes.get(..end).unwrap_or_default();
        while let Some(open) = within(at).iter().position(|b| *b == b'<').map(|i| at + i) {
            if self.starts_with(open, "<!--") {
                // A browser's comment: `<!-->` and `<!--->` are empty; another runs to the
                // first `-->` or `--!>`, which in the rest GitHub writes as it is.
                let close = empty_comment_end(&self.bytes, open)
                    .or_else(|| self.browser_comment_close(&self.comment_closes, open + 4));
                if let Some(close) = close.filter(|close| *close <= end) {
                    at = close;
                    continue;
                }
                // Left open, it runs on to the first `-->` GitHub writes as it is: in raw
                // HTML, or in a tag or other markup cmark-gfm passes later in the paragraph
                // (`<b-->`); what follows may be hidden by an element that runs on past that.
                return self.bytes.len();
            }
            // A browser reads a tag in the rest to its end: past it, GitHub escapes the `"`
            // and `>` of text, so a tag left open there may swallow all that follows. A
            // browser's tag reads on to the next `>`, which it then skips to.
            let tag = html::tag(rest, open).map(|tag| (tag, false));
            match tag.or_else(|| html::lenient_tag(rest, open)) {
                Some((_, true)) => return self.bytes.len(),
                Some((tag, _)) if rest.get(tag.end.wrapping_sub(1)) != Some(&b'>') => {
                    return self.bytes.len()
                }
                // A hidden element opened in the rest: its end tag is read as a browser reads
                // the rest (`<X</span>` is one tag to it), which only the rest's own reading
                // could find; it is taken to run to the end.
                Some((tag, _)) if tag.hides => return self.bytes.len(),
                Some((tag, _)) => {
                    hidden_to = hidden_to.max(tag.end);
                    at = tag.end.max(open + 1);
                }
                None => at = open + 1,
            }
        }
        hidden_to
    }

    /// Where what the Markdown from `from` to `end` hides ends, read as the inline pass reads
    /// it: a code span or an escape in it holds no markup, and markup in it that runs on
    /// past `end` hides on.
    fn markdown_rest_end(&self, from: usize, end: usize) -> usize {
        let limit = self.inline_limit(from);
        let mut hidden_to = end;
        let mut at = from;
        // Past its paragraph, all up to `end` is hidden anyway.
        while at < end.min(limit) {
            at = match self.bytes.get(at) {
                Some(b'\\') => at + 2,
                Some(b'`') => self.code_span_end(at, limit).max(at + 1),
                Some(b'<') => {
                    let next = self.step(at, Code::Left, self.text, |_| {});
                    hidden_to = hidden_to.max(next);
                    next.max(at + 1)
                }
                _ => at + 1,
            };
        }
        hidden_to
    }

    /// Where what a browser reads as a comment at `pos` in raw HTML (`<?`, `<!X`, `</ `)
    /// ends: at the first `>`, which may be the one GitHub writes right after the raw HTML
    /// (its `</li>`, its next `<p>`).
    pub(super) fn bogus_comment_end(&self, pos: usize) -> usize {
        self.bogus_comment_close(pos, self.raw_end(pos).max(pos))
    }
}
