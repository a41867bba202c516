"""Incoming mail: SMTP listener, MIME parsing, classification, reply extraction, intake."""
