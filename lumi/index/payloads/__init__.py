"""Turn a document payload (the body of ``POST``/``PUT /indexes/{uid}/documents``) into dicts.

Three steps, each a pure function so the HTTP layer can reject a bad request before enqueueing
and the scheduler can parse the stored payload later with the very same rules:

1. ``encoding.decode_content_encoding`` undoes ``Content-Encoding`` (gzip, deflate, br).
2. ``formats.format_from_content_type`` picks JSON, NDJSON or CSV from ``Content-Type``.
3. ``parse.parse_documents`` parses the bytes: ``json_documents`` for JSON and NDJSON (with
   ``json_syntax`` locating the first error of a payload orjson rejects), ``csv_documents``
   for CSV tables with typed headers.

``sizes.format_byte_size`` words the byte limits quoted in error messages.
"""
