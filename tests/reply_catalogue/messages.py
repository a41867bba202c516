"""One catalogue case as an RFC 5322 message: headers and a MIME body built with the
standard library, deterministic to the byte (fixed dates, Message-IDs and boundaries).

Text parts are UTF-8 with 8bit transfer encoding (RFC 6152) so a reviewer can read the
files as they are; the MIME structure is what the client sends: text/plain alone,
text/html alone, or multipart/alternative with both (RFC 2046 section 5.1.4).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import default
from email.utils import formataddr

# Stored with LF line endings, as .eml files usually are; the gateway reads both (RFC 5322
# section 2.1 wants CRLF on the wire).
POLICY = default.clone(max_line_length=998)
DATE = "Mon, 07 Dec 2026 11:30:00 +0000"


def build_message(
    case_id: str,
    *,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    subject: str,
    plain: str | None,
    html: str | None,
    mailer: str,
) -> bytes:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = formataddr(sender)
    msg["To"] = formataddr(recipient)
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = f"<{case_id}@mail.example.org>"
    msg["In-Reply-To"] = "<original-1@mail.example.com>"
    msg["References"] = "<original-1@mail.example.com>"
    msg["X-Mailer"] = mailer
    if plain is not None:
        msg.set_content(plain, subtype="plain", charset="utf-8", cte="8bit")
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="8bit")
            msg.set_boundary(f"=_alt_{case_id}")
            # add_alternative repeats MIME-Version in the part; only the top level has it.
            del msg.get_payload()[1]["MIME-Version"]
    elif html is not None:
        msg.set_content(html, subtype="html", charset="utf-8", cte="8bit")
    return msg.as_bytes()
