"""Domain rules: users and accounts, sign-in, rooms and memberships, messages, reply
addresses, notifications and digests, alerts, blocks and reports, search. Plain Python on a
SQLAlchemy Session: nothing here imports Flask or a mail library."""
