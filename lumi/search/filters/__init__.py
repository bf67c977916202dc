"""Filter expressions: ``parameter.parse_filter`` (the entry point) reads filters through the
``expression`` parser (grammar in its docstring) with its ``lexer``, ``escapes`` and
``geo_syntax``, and messages from ``syntax_errors``, into the ``ast``; ``foreign`` turns
``_foreign`` calls into plain conditions by evaluating them on their foreign indexes; ``evaluate``
runs trees over the facet structures and delegates geo filters to ``geo``."""
