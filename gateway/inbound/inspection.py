"""What the intake sees in an email, as JSON-ready data: the operator's debugging view.

Owns the stable shape printed by `gateway inspect-email`. Pure: no database, no network.
"""

from __future__ import annotations

from typing import Any

from gateway.inbound.bounce_reports import Bounce, detect_bounce
from gateway.inbound.classification import detect_automated
from gateway.inbound.parsing import parse_email
from gateway.inbound.preparation import reply_text_of


def inspect_email(raw: bytes, mail_from: str | None = None) -> dict[str, Any]:
    """The parsed headers, classification and extracted reply of one raw email.

    `mail_from` is the envelope sender if known; by default the From address stands in.
    """
    parsed = parse_email(raw)
    sender = (parsed.from_address or "") if mail_from is None else mail_from
    automated = detect_automated(parsed, sender)
    bounce = detect_bounce(parsed, sender)
    reply = reply_text_of(parsed)
    return {
        "from": parsed.from_address,
        "from_name": parsed.from_name,
        "to": list(parsed.to),
        "cc": list(parsed.cc),
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": list(parsed.in_reply_to),
        "references": list(parsed.references),
        "automated": None if automated is None else {"reason": automated.reason},
        "bounce": None if bounce is None else _bounce_json(bounce),
        "reply_text": reply.text,
        "elided_text": reply.elided,
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": len(attachment.data),
                "inline": attachment.inline,
            }
            for attachment in parsed.attachments
        ],
        "defects": list(parsed.defects),
    }


def _bounce_json(bounce: Bounce) -> dict[str, Any]:
    return {"recipient": bounce.recipient, "status": bounce.status, "permanent": bounce.permanent}
