"""The Flask application: landing page, health check (the web inbox comes later)."""
