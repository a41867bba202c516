"""Jinja templates (email/<name>/{subject.txt,body.txt,body.html}, web/...), shipped in the package."""
