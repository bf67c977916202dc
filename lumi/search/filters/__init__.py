"""Filter expressions: the parser (grammar in its docstring), the AST and the evaluator."""
