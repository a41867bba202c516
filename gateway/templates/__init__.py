"""Jinja templates: email/<name>/{subject.txt,body.txt,body.html} and web/ pages."""
