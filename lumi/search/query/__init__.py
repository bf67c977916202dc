"""From the `q` string to query terms: parsing, typo/prefix/synonym derivations, the graph."""
