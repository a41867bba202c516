"""gateway: an email-first messaging gateway (rooms you can read and answer by email)."""
