"""The web side: the Flask app factory (app.py) and the Message Center in the browser (rooms
and messages, Account Alerts, Updates, Tickets, search, settings, sign-in, live updates),
the platform JSON API (web/api) and its reference page (api_docs.py)."""
