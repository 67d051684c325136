"""The Markdown cleaner against GitHub's own parser, cmark-gfm (PyPI `cmarkgfm`).

Generates bodies from a fixed seed: tables (rows with more cells than the header, escaped
pipes, code spans, tags, quotes and list items, lines that end the table), fences with info
strings, and HTML comments inside paragraphs and at the start of lines, open or closed, each
at the margin or in block quotes and list items (nested either way, with tabs after their
markers and in their indentation), and lines that start with a tag after
other blocks (where one starts an HTML block and where it is a paragraph's text), followed by
something that hides. Every word is unique (w1, w2, ...). Each body goes through the server's
cleaner (`cargo run --example clean_markdown`) and through cmark-gfm, whose HTML is read as a
browser reads it (html5lib): comments, bogus comments, and elements that are `hidden`, styled
`display: none`, `<script>`, `<style>`, `<template>` or `<rp>` show nothing. A word the
cleaner keeps that the page does not show is a leak: text a stranger hid that the model would
read.

Fails on any leak. Words the page shows and the cleaner removed are counted and printed,
and fail past 10% of bodies: the cleaner removes rather than keeps where it cannot tell
(most are comments left open in a list item or block quote, which a browser closes at a
`-->` later in the page and the cleaner takes to hide the rest).

    .tools/venv/bin/python tests/markdown/differential.py [BODIES] [SEED]
"""

import json
import random
import re
import subprocess
import sys

import cmarkgfm
import html5lib
from cmarkgfm.cmark import Options

BODIES = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201


class Words:
    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1
        return f"w{self.n}"


# Where a block starts, and how its next lines go on in the same containers: block quotes
# and list items, nested either way, with tabs after markers and in indentation.
CONTAINERS = [
    ("", ""), ("", ""), ("", ""), ("> ", "> "), ("- ", "  "), ("- ", "\t"), ("-\t", "\t"),
    ("-\t", "    "), (">\t", ">\t"), ("- > ", "  > "), ("> - ", ">   "), ("1. > ", "   > "),
    ("> 1. ", ">    "), ("  - ", "    "), ("- - ", "    "), ("> > ", "> > "), ("-  > ", "   > "),
    ("*\t> ", "\t> "), ("> -\t", "> \t"), ("1.\t", "\t"), (" > ", " > "),
]


def generate(rng, word):
    def cell():
        k = rng.random()
        if k < 0.55:
            return f" {word()} "
        choices = [
            f" {word()} \\| {word()} ",
            f" `{word()} ",
            f" {word()}` ",
            f" <b>{word()}</b> ",
            "",
            f" {word()}\\\\",
            f" <!-- {word()} ",
            f" {word()} --> ",
        ]
        return rng.choice(choices)

    def row(n):
        cells = "|".join(cell() for _ in range(n))
        return ("|" if rng.random() < 0.8 else "") + cells + ("|" if rng.random() < 0.7 else "")

    def table(lines):
        header = rng.randint(1, 3)
        container, inner = rng.choice(CONTAINERS)
        if rng.random() < 0.2:
            lines.append(f"para {word()}")
        lines.append(container + row(header))
        marks = [rng.choice(["---", ":-:", "-:", " --- ", ":--"]) for _ in range(header)]
        lines.append(inner + ("|" if rng.random() < 0.8 else "") + "|".join(marks) + ("|" if rng.random() < 0.8 else ""))
        for _ in range(rng.randint(1, 5)):
            if rng.random() < 0.25:
                prefix = rng.choice(["", " ", "   ", "    ", "\t", "> ", ">", "- ", "1. ", "2) ", "# ",
                                     "<div>", "<b>", "<details>", "```", "~~~", "---", "***", "=== ", "  "])
            else:
                prefix = inner
            lines.append(prefix + row(rng.randint(1, 5)))

    def fence(lines):
        mark = rng.choice(["```", "~~~", "````"])
        info = rng.choice(["", "rust", f"{word()}", f"rust {word()}", f"{{{word()}}} {word()}", f"<b>{word()}</b>"])
        inside, going_on = rng.choice(CONTAINERS + [("  ", "  ")])
        lines.append(inside + mark + rng.choice(["", " "]) + info)
        inside = going_on
        lines.append(f"{inside}code {word()}")
        if rng.random() < 0.8:
            lines.append(inside + mark)

    def tag_after_block(lines):
        lines.extend(rng.choice([
            [], [f"para {word()}"], ["# head"], ["    code"], ["```", "c", "```"], ["| a |", "|---|", "| x |"],
            ["1."], [">"], [f"- item {word()}"], [f"> q {word()}"], ["- "], ["***"], ["para", "==="], ["<!-- c -->"],
        ]))
        name = rng.choice(["b", "span", "div", "pre", "details", "p", "table", "a", "hr", "img", "search", "x-y"])
        tag = "<" + rng.choice(["", "", "/"]) + name + rng.choice(["", " x=1", ' a="b c"']) + rng.choice([">", " />", ""])
        lines.append(rng.choice(["", " ", "  ", "   ", "    "]) + tag + rng.choice(["", "", f" {word()}"]))
        lines.extend(rng.choice([
            [f"</ {word()}>"],
            [f"<span hidden>{word()}</span>"],
            [f"```js x {word()}", "c", "```"],
            ["| a |", "|---|", f"| x | {word()} |"],
            [f"x <!-- {word()}", f"{word()} -->"],
            [f"<? {word()} ?>"],
        ]))

    def paragraph(lines):
        parts = []
        for _ in range(rng.randint(1, 6)):
            k = rng.random()
            if k < 0.5:
                parts.append(word())
            elif k < 0.65:
                parts.append(f"<!-- {word()} -->")
            elif k < 0.75:
                parts.append(f"<!-- {word()}")
            elif k < 0.85:
                parts.append(f"{word()} -->")
            elif k < 0.93:
                parts.append(f"`{word()}")
            else:
                parts.append("\n")
        lines.append(" ".join(parts))

    def comment_block(lines):
        opening, going_on = rng.choice(CONTAINERS + [(" ", " ")])
        lines.append(opening + f"<!-- {word()}")
        if rng.random() < 0.6:
            lines.append(rng.choice(["", going_on]) + f"{word()} -->" + rng.choice(["", f" {word()}"]))

    def footnote(lines):
        label = rng.choice(["1", "2", "a", "A", "note"])
        if rng.random() < 0.6:
            lines.append(rng.choice(["", "> ", "- "]) + f"{word()} [^{label.lower()}] {word()}")
            lines.append(rng.choice(["", "", "x"]))
        opening, _ = rng.choice(CONTAINERS)
        first = rng.choice(["", f" {word()}", f" {word()}", f" <!-- {word()}", f" [{word()}]: /u '{word()}'",
                            f" <div hidden>", f" > {word()}", f" - {word()}", "\t" + word()])
        lines.append(opening + f"[^{label}]:" + first)
        for _ in range(rng.randint(0, 4)):
            indent = rng.choice(["    ", "    ", "\t", "", "  ", " \t", "      "])
            lines.append(rng.choice(["", "", "  ", indent + rng.choice([
                word(), f"<!-- {word()} -->", f"<!-- {word()}", f"<span hidden>{word()}</span>",
                f"<div hidden>", f"[{word()}]: /u '{word()}'", f"2) <!-- {word()}", f"> {word()}",
                f"{word()} -->", f"    {word()}",
            ])]))
        if rng.random() < 0.2:
            lines.append(rng.choice(["<!--", "<div hidden>", f"x <!-- {word()}", f"<span hidden>{word()}"]))

    lines = []
    for _ in range(rng.randint(1, 4)):
        rng.choice([table, table, fence, paragraph, comment_block, tag_after_block, footnote])(lines)
        if rng.random() < 0.5:
            lines.append("")
    return "\n".join(lines) + "\n"


HIDDEN_ELEMENTS = {"script", "style", "template", "rp"}
SHOWN_ATTRIBUTES = ("title", "alt", "href", "src")


def hidden(element):
    style = (element.get("style") or "").replace(" ", "").lower()
    return element.tag in HIDDEN_ELEMENTS or "hidden" in element.attrib or "display:none" in style


def shown_text(element, out):
    """What a browser shows of `element`'s children (comments are not elements' text)."""
    for child in element:
        if isinstance(child.tag, str) and not hidden(child):
            out.append(child.text or "")
            out.extend(child.get(name) or "" for name in SHOWN_ATTRIBUTES)
            shown_text(child, out)
        out.append(child.tail or "")


def shown_words(body):
    """The words a person sees on the rendered page, and a fence's language (in `lang`)."""
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)
    languages = " ".join(re.findall(r'lang="([^"]*)"', html))
    page = html5lib.parse(html, namespaceHTMLElements=False).find("body")
    out = [page.text or ""]
    shown_text(page, out)
    return set(re.findall(r"w\d+", " ".join(out))), set(re.findall(r"w\d+", languages))


def main():
    rng = random.Random(SEED)
    word = Words()
    bodies = [generate(rng, word) for _ in range(BODIES)]
    run = subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "--example", "clean_markdown"],
        input=json.dumps(bodies), capture_output=True, text=True, check=True,
    )
    cleaned = json.loads(run.stdout)
    leaks, removed = [], 0
    for body, kept in zip(bodies, cleaned):
        shown, language = shown_words(body)
        mine = set(re.findall(r"w\d+", kept))
        if mine - shown - language:
            leaks.append((body, kept, sorted(mine - shown - language)))
        if shown - mine:
            removed += 1
    for body, kept, words in leaks[:10]:
        print(f"LEAK {words}\n  body: {body!r}\n  kept: {kept!r}")
    print(f"markdown vs cmark-gfm: {BODIES} bodies (seed {SEED}): {len(leaks)} with hidden words kept, "
          f"{removed} with shown words removed")
    if leaks or removed > BODIES * 0.10:
        sys.exit(1)


if __name__ == "__main__":
    main()
