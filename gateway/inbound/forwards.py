"""Whether a received email is a forward: by its Subject's prefix, or by a forward marker.

Owns the forward markers ("---------- Forwarded message ---------", "Begin forwarded
message:" and their translations) and the forward prefixes mail clients put before a
Subject ("Fwd:", "FW:", "WG:", "TR:", "RV:", "I:", "Doorst:", "VB:", "VS:", "VL:", "PD:",
"İLT:", "Пересл:", "转发:", "転送:", "전달:"...). A header block at the very top of a reply
with nothing typed above it is the quoted mail of an empty reply, unless the email is a
forward: then it is the forwarded message, and the only content there is.
"""

from __future__ import annotations

import re

from gateway.inbound.match_text import match_form

# The first prefix decides: "Re: Fwd: x" answers a forward, "Fwd: Re: x" forwards a reply.
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?"  # a list tag such as "[Gateway]" may come first
    r"(?:fwd?|wg|tr|rv|i|enc|doorst|vb|vs|vl|pd|př|tov|i̇lt|ilt|пересл|πρθ"
    r"|转发|轉寄|転送|전달)\s*[:：]",
    re.IGNORECASE,
)


# Matched on the marker with its decoration ("----", "*", ">") removed.
_FORWARD_MARKER = re.compile(
    r"^(?:forwarded\s+message|begin\s+forwarded\s+message"
    r"|weitergeleitete\s+nachricht|anfang\s+der\s+weitergeleiteten\s+nachricht"
    r"|message\s+transféré|début\s+du\s+message\s+réexpédié|message\s+réexpédié"
    r"|mensaje\s+reenviado|inicio\s+del\s+mensaje\s+reenviado|messaggio\s+inoltrato"
    r"|inizio\s+messaggio\s+inoltrato|mensagem\s+encaminhada|mensagem\s+reencaminhada"
    r"|início\s+da\s+mensagem\s+reencaminhada|doorgestuurd\s+bericht"
    r"|begin\s+doorgestuurd\s+bericht|vidarebefordrat\s+meddelande|videresendt\s+melding"
    r"|videresendt\s+meddelelse|välitetty\s+viesti|przekazana\s+wiadomość"
    r"|wiadomość\s+przekazana|přeposlaná\s+zpráva|preposlaná\s+správa"
    r"|továbbított\s+üzenet|пересылаемое\s+сообщение|пересланное\s+сообщение"
    r"|переслане\s+повідомлення|препратено\s+съобщение|προωθημένο\s+μήνυμα"
    r"|iletilen\s+mesaj|转发的邮件|轉寄的郵件|転送されたメッセージ|전달된\s+메시지)\s*[:：]?$",
    re.IGNORECASE,
)
_DECORATION = " \t>-*_="


def is_forward_marker(text: str) -> bool:
    """ "---------- Forwarded message ---------", "Begin forwarded message:" and kin."""
    core = match_form(text).strip(_DECORATION)
    return len(core) <= 120 and _FORWARD_MARKER.match(core) is not None


def is_forward_subject(subject: str) -> bool:
    """Does this Subject say its email forwards another one?"""
    return _FORWARD_PREFIX.match(subject[:200]) is not None
