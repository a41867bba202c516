"""Domain errors: what core functions raise, for adapters to map to their protocol.

Owns the error taxonomy only. Adapters translate: NotFound -> SMTP 550 5.1.1 / HTTP 404,
NotAllowed -> 550 5.7.1 / 403, InvalidInput -> 550 5.6.0 / 400, anything else -> 451 / 500.
Conflict is an InvalidInput that the JSON API tells apart (HTTP 409); UnsafeText is one
that names the field it refuses (the CLI answers it as bad usage, exit 2).
"""


class DomainError(Exception):
    """A request the domain refuses; the message is fit to show the person who made it."""


class NotFound(DomainError):
    """The thing named does not exist (or must not be revealed to exist)."""


class NotAllowed(DomainError):
    """The thing exists but this actor may not do this to it."""


class InvalidInput(DomainError):
    """The request is malformed: bad address, empty message, too large..."""


class Conflict(InvalidInput):
    """The request clashes with what exists: an address already taken, a second account of
    one kind, the owner's place in their own room."""


class UnsafeText(InvalidInput):
    """A title or name holding control characters or line breaks (gateway.core.text_fields);
    `field` names the field as a person knows it ("room title")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
