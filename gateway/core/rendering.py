"""Message rendering: a room message's Markdown source as safe HTML and as plain text.

Owns how a message body, written in Markdown as the Upwork message center knows it, is shown:
`render_markdown` gives the HTML fragment for web pages and the HTML part of notification
emails; `render_plain_text` gives the text part of those emails. Both read the same parse, so
the two parts always agree on what is a link, what is code and where emoji shortcodes apply.

Safety model: markdown-it-py runs with `html=False` (raw HTML in a body becomes text) and a link
validator that admits only http, https and mailto; its output then always goes through a bleach
Cleaner with an explicit allowlist, so nothing a body contains reaches a page or an email
without being sanitized.

Chat dialect (decisions, not accidents):
- `# x` is a paragraph, not a heading: messages have no headings, and a line starting with `#`
  should read as typed. Reference definitions (`[1]: url`) also stay visible as typed.
- A single newline is a line break (`breaks`), as people type in a chat box.
- Images are never `<img>` (tracking pixels, remote loads in email): `![alt](url)` is a link.
- Bare `http(s)://` URLs become links; `www.` hosts and bare email addresses do not.
- Relative links and anchors are not links: an email has no base URL to resolve them against.

Pure text in, text out: must not import flask, aiosmtpd, sqlalchemy, smtplib, nor any
gateway adapter or store module.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import emoji
from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from gateway.core.quote_answers import separate_answers_rule

__all__ = ["render_markdown", "render_notes", "render_one_line", "render_plain_text"]

LINK_REL = "nofollow noopener noreferrer"
LINK_TARGET = "_blank"

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# The same rule at both layers: markdown-it refuses to make anything else a link, bleach
# refuses any other protocol. Requiring "//" after http(s) also rules out "http:foo".
_ALLOWED_LINK = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)
# markdown-it writes class="language-<first word of the fence info>"; anything else on
# <code> (or a language name carrying odd characters) is dropped.
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")

# A bare URL is recognised when ':' is reached and the pending text ends in a scheme. Only
# the last 6 characters of the pending text are examined ("https" plus one boundary
# character) so a long run of colons cannot make this quadratic.
_SCHEME_BEFORE = re.compile(r"(?:^|[^A-Za-z0-9.+-])(https?)$", re.IGNORECASE)
_URL_REST = re.compile(r"://[\w\[][^\s<>\"`]{0,2040}")
# Characters that end a sentence or close emphasis far more often than they end a URL.
_URL_TRAILING_PUNCTUATION = ".,:;!?'\"*_~"


class _ChatMarkdown(MarkdownIt):
    """markdown-it whose link validator admits only http, https and mailto URLs."""

    def validateLink(self, url: str) -> bool:
        # The default validator only blocks known-bad schemes; an allowlist also refuses
        # relative links, which would resolve against nothing in an email.
        return _ALLOWED_LINK.match(url) is not None


def _trim_url(url: str) -> str:
    """Drop trailing characters that belong to the sentence, not the URL.

    A closing bracket stays only when it balances one inside the URL:
    "(see https://host/a_(b))" links https://host/a_(b).
    """
    while url:
        last = url[-1]
        if (
            last in _URL_TRAILING_PUNCTUATION
            or (last == ")" and url.count("(") < url.count(")"))
            or (last == "]" and url.count("[") < url.count("]"))
        ):
            url = url[:-1]
        else:
            break
    return url


def _bare_url(state: StateInline, silent: bool) -> bool:
    """Inline rule: turn a bare http(s) URL into a link.

    It runs at the ':' after the scheme, before emphasis sees the URL, so underscores and
    asterisks inside a URL (https://host/__init__.py) stay part of it.
    """
    pos = state.pos
    if state.linkLevel > 0 or not state.src.startswith("://", pos, state.posMax):
        return False
    scheme = _SCHEME_BEFORE.search(state.pending[-6:])
    rest = _URL_REST.match(state.src, pos, state.posMax)
    if scheme is None or rest is None:
        return False
    proto = scheme.group(1)
    url = _trim_url(proto + rest.group())
    href = state.md.normalizeLink(url)
    if len(url) <= len(proto) + 3 or not state.md.validateLink(href):
        return False
    if not silent:
        state.pending = state.pending[: -len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": href}
        token.markup, token.info = "linkify", "auto"
        state.push("text", "", 0).content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup, token.info = "linkify", "auto"
    state.pos += len(url) - len(proto)
    return True


def _link_tokens(href: str, title: str, label: list[Token], info: str) -> Iterator[Token]:
    attrs = {"href": href, "title": title} if title else {"href": href}
    yield Token("link_open", "a", 1, attrs=attrs, info=info)
    yield from label
    yield Token("link_close", "a", -1, info=info)


def _images_to_link_tokens(children: list[Token]) -> Iterator[Token]:
    in_link = False
    for token in children:
        if token.type in ("link_open", "link_close"):
            in_link = token.type == "link_open"
        if token.type != "image":
            yield token
            continue
        alt = token.children or []
        src = str(token.attrs.get("src", ""))
        if in_link:
            # <a> cannot nest: inside a link the image is just its alt text.
            yield from alt
        elif alt:
            yield from _link_tokens(src, str(token.attrs.get("title", "")), alt, "")
        else:
            # No alt text: show the URL itself, marked "auto" like a bare URL.
            text = Token("text", "", 0, content=src)
            yield from _link_tokens(src, str(token.attrs.get("title", "")), [text], "auto")


def _images_as_links(state: StateCore) -> None:
    """Core rule: an image becomes a link to it, so no remote load ever happens."""
    for block in state.tokens:
        children = block.children
        if children and any(token.type == "image" for token in children):
            block.children = list(_images_to_link_tokens(children))


def _emoji_shortcodes(state: StateCore) -> None:
    """Core rule: ":smile:" -> unicode, on text tokens only.

    Working on tokens (not the source) leaves code spans, code blocks and URLs as typed. It runs
    before text_join so a backslash-escaped colon (`\\:smile:`) is still a separate token and
    keeps the shortcode literal.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children or ":" not in block.content:
            continue
        in_url = False
        for token in block.children:
            if token.type in ("link_open", "link_close"):
                # "auto" marks links whose text is the URL itself (bare URLs, <autolinks>).
                in_url = token.type == "link_open" and token.info == "auto"
            elif token.type == "text" and not in_url and ":" in token.content:
                token.content = emoji.emojize(token.content, language="alias")


def _build_markdown() -> MarkdownIt:
    md = _ChatMarkdown("commonmark", {"html": False, "breaks": True, "xhtmlOut": False})
    md.enable("strikethrough")
    # Disabling what chat messages do not use also skips those rules on every line.
    md.disable(["heading", "lheading", "reference", "html_block", "html_inline"])
    md.inline.ruler.before("newline", "bare_url", _bare_url)
    md.core.ruler.after("normalize", "separate_answers", separate_answers_rule)
    md.core.ruler.before("text_join", "images_as_links", _images_as_links)
    md.core.ruler.after("images_as_links", "emoji_shortcodes", _emoji_shortcodes)
    return md


class _LinkTargetFilter(Filter):
    """Gives every <a> the same rel and target, whatever produced it.

    bleach runs filters after its sanitizer, so these two constants are the last word.
    """

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                token["data"][(None, "rel")] = LINK_REL
                token["data"][(None, "target")] = LINK_TARGET
            yield token


def _allow_code_attribute(tag: str, name: str, value: str) -> bool:
    return name == "class" and _LANGUAGE_CLASS.fullmatch(value) is not None


def _new_cleaner(tags: frozenset[str] = ALLOWED_TAGS) -> Cleaner:
    return Cleaner(
        tags=tags,
        attributes={
            "a": ["href", "title", "rel", "target"],
            "code": _allow_code_attribute,
            "ol": ["start"],
        },
        protocols=ALLOWED_PROTOCOLS,
        strip=False,  # a disallowed tag is shown escaped, never silently dropped
        strip_comments=True,
        filters=[_LinkTargetFilter],
    )


# Notes (a member's notepad) may have headings. They are shifted down to h3-h5 so a note
# never outranks the page's own headings (the room title is h1, panel titles h2).
NOTE_HEADING_TAGS = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h5", "h5": "h5", "h6": "h5"}


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = NOTE_HEADING_TAGS[token.tag]


def _build_notes_markdown() -> MarkdownIt:
    md = _build_markdown()
    md.enable(["heading", "lheading"])
    md.core.ruler.push("shift_headings", _shift_headings)
    return md


_MARKDOWN = _build_markdown()
_NOTES_MARKDOWN = _build_notes_markdown()

# bleach documents Cleaner as not thread-safe (its HTML parser keeps state), and the web server
# and the mail workers render from several threads: one Cleaner per thread, built on first use
# in that thread (at import for the importing one).
_cleaners = threading.local()


def _cleaner() -> Cleaner:
    cleaner: Cleaner | None = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = _new_cleaner()
    return cleaner


def _notes_cleaner() -> Cleaner:
    cleaner: Cleaner | None = getattr(_cleaners, "notes_cleaner", None)
    if cleaner is None:
        tags = ALLOWED_TAGS | frozenset(NOTE_HEADING_TAGS.values())
        cleaner = _cleaners.notes_cleaner = _new_cleaner(tags)
    return cleaner


_cleaner()


def render_markdown(source: str) -> str:
    """Render a message body to a sanitized HTML fragment ("" for an empty body)."""
    prose = plain_prose_html(source)
    return prose if prose is not None else render_markdown_fully(source)


def render_markdown_fully(source: str) -> str:
    """The Markdown parse and the bleach pass, whatever the source holds."""
    return _cleaner().clean(_MARKDOWN.render(source))


def render_notes(source: str) -> str:
    """Render private notes: message Markdown plus headings (as h3-h5), sanitized."""
    return _notes_cleaner().clean(_NOTES_MARKDOWN.render(source)) if source.strip() else ""


# Most emailed replies are plain prose, in which nothing is Markdown, a link or an emoji
# shortcode; for those the parse-render-sanitize round trip (about 0.3 ms, most of it bleach)
# only escapes quotes and adds paragraphs and line breaks. Only letters, digits and
# punctuation that no rule reacts to qualify (no & < > so nothing needs escaping but ");
# a property test checks the result is the one the full pipeline gives.
_PLAIN_PROSE = re.compile(r"[A-Za-z0-9\u00c0-\u024f .,;:?!'\"()/@%\n-]*")
_SYNTAX_IN_PROSE = re.compile(r"^[ \d-]|https?:|mailto:|:[A-Za-z0-9_+-]+:", re.MULTILINE | re.I)
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


def plain_prose_html(source: str) -> str | None:
    """The HTML of a plain-prose source, or None when the source needs the full pipeline."""
    if not _PLAIN_PROSE.fullmatch(source) or _SYNTAX_IN_PROSE.search(source):
        return None
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(source.strip("\n")):
        lines = [line.rstrip(" ") for line in block.split("\n")]
        paragraphs.append("<p>" + "<br>\n".join(lines).replace('"', "&quot;") + "</p>\n")
    return "".join(paragraphs) if source.strip() else ""


def render_plain_text(source: str) -> str:
    """Render a message body as the text part of an email.

    Emphasis markers are dropped, emoji shortcodes become unicode, a link reads
    "text <url>", code keeps its backticks or fences, quotes keep "> ", lists get "-" or
    "1.". No HTML is produced; raw HTML typed in the body stays as the text it was.
    """
    tree = SyntaxTreeNode(_MARKDOWN.parse(source))
    return _blocks_text(tree.children, "\n\n")


def render_one_line(source: str) -> str:
    """A message body's words on one line, as a reader sees them: no Markdown markers, quote
    marks or link addresses, emoji shortcodes as unicode, whitespace collapsed (what an
    excerpt quotes: a reply's preview of its parent, a digest line)."""
    if plain_prose_html(source) is not None:  # nothing in it is Markdown: the words as typed
        return " ".join(source.split())
    return " ".join(_words(SyntaxTreeNode(_MARKDOWN.parse(source))).split())


def _words(node: SyntaxTreeNode) -> str:
    if node.type in ("text", "code_inline", "fence", "code_block"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    inline = node.type != "root" and (node.type == "inline" or not node.block)
    return ("" if inline else " ").join(_words(child) for child in node.children)


def _blocks_text(nodes: Iterable[SyntaxTreeNode], separator: str) -> str:
    return separator.join(_block_text(node) for node in nodes)


def _block_text(node: SyntaxTreeNode) -> str:
    if node.type == "paragraph":
        return _inline_text(node.children[0]) if node.children else ""
    if node.type == "blockquote":
        lines = _blocks_text(node.children, "\n\n").split("\n")
        return "\n".join(f"> {line}" if line else ">" for line in lines)
    if node.type in ("bullet_list", "ordered_list"):
        return _list_text(node)
    if node.type == "fence":
        body = node.content
        if body and not body.endswith("\n"):
            body += "\n"
        return f"{node.markup}{node.info}\n{body}{node.markup}"
    if node.type == "code_block":
        return "\n".join("    " + line for line in node.content.rstrip("\n").split("\n"))
    if node.type == "hr":
        return "---"
    return _blocks_text(node.children, "\n\n")


def _list_text(node: SyntaxTreeNode) -> str:
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1))
    items = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}." if ordered else "-"
        lines = _blocks_text(item.children, "\n").split("\n")
        hang = " " * (len(marker) + 1)
        rest = [hang + line if line else "" for line in lines[1:]]
        items.append("\n".join([f"{marker} {lines[0]}".rstrip(), *rest]))
    return "\n".join(items)


def _inline_text(node: SyntaxTreeNode) -> str:
    return "".join(_inline_piece(child) for child in node.children)


def _inline_piece(node: SyntaxTreeNode) -> str:
    if node.type == "text":
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return "\n"
    if node.type == "code_inline":
        return f"{node.markup}{node.content}{node.markup}"
    if node.type == "link":
        text = _inline_text(node)
        # A bare URL or <autolink> already shows its address: do not print it twice.
        if node.info == "auto":
            return text
        return f"{text} <{str(node.attrs['href']).removeprefix('mailto:')}>"
    # em, strong, s: the markers are noise in a text part, the words are what matter.
    return _inline_text(node)
