"""Outgoing mail: composing notification, digest, alert, invitation, sign-in and auto-reply
emails, the outbox, delivery to the relay (or a local Maildir) and the scheduled jobs."""
