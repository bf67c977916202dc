"""Filter expressions: the parser (grammar in its docstring), the AST, the evaluator over the
facet structures, and the geo filters it delegates to."""
