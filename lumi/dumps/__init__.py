"""Dumps: writing and reading the portable export of a whole instance."""
