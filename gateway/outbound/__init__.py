"""Outgoing mail: composing notification emails, the outbox and delivery to the relay."""
