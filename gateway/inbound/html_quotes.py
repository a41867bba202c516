"""Where the quote container a mail client put under an HTML reply begins.

Owns ``QuoteLocator``: told of each element, end tag and run of text as the HTML is
parsed, it notes the containers clients put the quoted mail in (Gmail ``gmail_quote``,
Outlook ``divRplyFwdMsg`` / ``appendonsend`` / the <hr> or border-top "From:" block, Apple
Mail and Thunderbird ``blockquote type=cite`` with ``moz-cite-prefix``, Yahoo
``yahoo_quoted``, a plain <blockquote> ending the mail) and the containers they put the
signature in (Gmail ``gmail_signature``, Outlook ``#Signature``, Apple Mail
``#AppleMailSignature``, Thunderbird ``moz-signature``, Yahoo ``signature``), and answers
where the earliest one after which only quoted text (or a signature) follows begins: a
signature container at the end of the mail is elided with the quote under it. Positions
are the parse event numbers of ``gateway.inbound.html_render``: any increasing count of
events will do.

Stdlib only; must not import anything from gateway.store / gateway.core.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FROM_FIELD_NAMES", "QuoteLocator"]

# Containers that hold the quoted mail; the part after them must be free of text for the
# cut to apply (text after a quote is an inline answer and stays).
_CONTAINER_CLASSES = frozenset(
    (
        "gmail_quote",
        "gmail_quote_container",
        "yahoo_quoted",
        "protonmail_quote",
        "moz-forward-container",
    )
)
# Containers that hold the sender's signature (on any element: Gmail puts its "-- " in a
# span, Thunderbird its signature in a <pre>). Like a quote container, one is cut only
# when no text the person wrote follows it.
_SIGNATURE_CLASSES = frozenset(
    ("gmail_signature", "gmail_signature_prefix", "moz-signature", "signature")
)
_SIGNATURE_IDS = frozenset(("signature", "applemailsignature"))
# Markers after which everything is the quoted mail (Outlook puts the quoted message in
# the siblings that follow its header block).
_TO_END_IDS = frozenset(
    (
        "divrplyfwdmsg",
        "x_divrplyfwdmsg",
        "appendonsend",
        "x_appendonsend",
        "mail-editor-reference-message-container",
    )
)
# The "From" field in the languages mail clients write their header blocks in.
FROM_FIELD_NAMES = frozenset(
    (
        "from",
        "von",
        "de",
        "da",
        "van",
        "från",
        "fra",
        "od",
        "от",
        "від",
        "发件人",
        "寄件者",
        "差出人",
        "lähettäjä",
        "feladó",
        "odesílatel",
        "kimden",
        "보낸 사람",
    )
)
# A container that runs to the end of the mail ends after every event.
_END = 1 << 62


class QuoteLocator:
    """Quote containers, as (start, end) positions, and the last text outside them."""

    def __init__(self) -> None:
        self._candidates: list[tuple[int, int]] = []
        self._open = 0  # containers open around the current position
        self._last_free_text = -1  # position of the last visible text outside any container
        self._inside_to_end = False  # past a marker after which everything is quoted
        self._hr = -1  # an <hr> with nothing but white space after it yet
        self._await_from: int | None = None  # an <hr> or border-top div, if "From:" follows
        self._cite_prefix: int | None = None  # Thunderbird's moz-cite-prefix div

    def start(self, tag: str, attrib: Mapping[str, str], position: int) -> int | None:
        """Note an element; where the container it opens begins (None if it opens none)."""
        hr, self._hr = self._hr, position if tag == "hr" else -1
        if tag == "hr":
            self._await_from = position
            return None
        if tag == "blockquote":
            begin = position if self._cite_prefix is None else self._cite_prefix
            self._cite_prefix = None
            return self._open_container(begin)
        if attrib and _is_signature(attrib):
            return self._open_container(position)
        if tag != "div":
            return None
        classes = set(attrib.get("class", "").lower().split())
        element_id = attrib.get("id", "").lower()
        style = attrib.get("style", "").lower().replace(" ", "")
        if element_id in _TO_END_IDS or "outlookmessageheader" in classes:
            # Outlook puts an <hr> right before its header block: the cut starts there.
            self._candidates.append((position if hr == -1 else hr, _END))
            self._inside_to_end = True
        elif classes & _CONTAINER_CLASSES:
            return self._open_container(position)
        elif "moz-cite-prefix" in classes:
            self._cite_prefix = position
        elif "border-top:solid" in style or "border-top:1pt" in style:
            self._await_from = position
        return None

    def end(self, tag: str, container: int | None, position: int) -> None:
        """Note an end tag; ``container`` is what ``start`` returned for its element."""
        if tag != "hr":
            self._hr = -1
        if container is not None:
            self._candidates.append((container, position))
            self._open -= 1

    def comment(self) -> None:
        self._hr = -1

    def text(self, data: str, position: int) -> None:
        """Note visible text (not white space only)."""
        self._hr = -1
        if self._await_from is not None:
            word = data.strip().rstrip(":： \u00a0").lower()
            if word in FROM_FIELD_NAMES:
                self._candidates.append((self._await_from, _END))
                self._inside_to_end = True
            self._await_from = None
        if not self._open and not self._inside_to_end:
            self._last_free_text = position

    def cut(self) -> int | None:
        """Position of the earliest quote container after which only quoted text follows
        (iOS Mail, for one, puts its "On ... wrote:" line in a blockquote of its own)."""
        ending = [start for start, end in self._candidates if self._last_free_text < end]
        return min(ending) if ending else None

    def _open_container(self, begin: int) -> int:
        self._open += 1
        return begin


def _is_signature(attrib: Mapping[str, str]) -> bool:
    """Is this element a mail client's signature container?"""
    if attrib.get("id", "").lower() in _SIGNATURE_IDS:
        return True
    if attrib.get("data-smartmail", "").lower() == "gmail_signature":
        return True
    classes = attrib.get("class", "")
    return bool(classes) and not _SIGNATURE_CLASSES.isdisjoint(classes.lower().split())
