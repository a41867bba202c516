"""The project's own catalogue of reply emails: how mail clients quote, in 30 languages,
in every shape a reply takes, with what a careful reader says the person wrote.

Regenerate the files (byte for byte the same unless the catalogue changed)::

    python -m tests.reply_catalogue.build

Files, in tests/data/reply-catalogue, two per case named by its id
(``<client>-<language>-<shape...>``):

- ``ID.eml``: the message as received (RFC 5322, LF line endings, UTF-8 parts in 8bit):
  text/plain alone, text/html alone, or multipart/alternative, as that client sends it.
- ``ID.json``: ``id``, ``client``, ``language`` (ISO 639-1), ``shape`` (see
  ``case.SHAPES``), ``parts`` (plain, html or both), ``expected`` (the person's text as a
  list of lines, or null when the case is judged by its labels alone), ``words`` (phrases
  the person wrote that must be in the output), ``unwanted`` (phrases that must not be:
  quoted text, attributions, header blocks, signatures, taglines) and ``note``.

Scoring (``scoring``): text is compared whitespace-normalised (every run of whitespace is
one space, ends stripped); a case is exact when the output equals the expected text,
over-trimmed when a word is missing, under-trimmed when an unwanted phrase is present.

Modules: ``languages`` (per-language quote headers and texts), ``clients`` (how each
client lays out text and HTML), ``quotes`` (quote headers), ``messages`` (MIME),
``case`` (labels), the case lists ``by_language``, ``other_clients``, ``threads``,
``sign_offs`` and ``edges``, ``build`` (the writer) and ``corpus`` (the reader).
"""
