from tests.search.word_index import small_index  # noqa: F401
