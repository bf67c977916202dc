from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from lumi.index.facet_store import (
    FacetReader,
    format_number,
    key_number,
    normalize,
    number_key,
    pack_point,
)
from lumi.index.index import Index
from tests.support.facets import build_index, scratch_dir

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite, finite)
def test_number_keys_sort_like_numbers(a: float, b: float) -> None:
    assert (number_key(a) < number_key(b)) == (a < b)
    assert (number_key(a) == number_key(b)) == (a == b)


@given(finite)
def test_number_keys_round_trip(value: float) -> None:
    assert key_number(number_key(value)) == value


def test_negative_zero_is_zero() -> None:
    assert number_key(-0.0) == number_key(0.0)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1999.0, "1999"),
        (-3.0, "-3"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (1.5e-10, "0.00000000015"),
        (1e21, "1000000000000000000000"),
        (1.234e20, "123400000000000000000"),
        (-2.5e-5, "-0.000025"),
        (123456789.125, "123456789.125"),
    ],
)
def test_format_number_never_uses_an_exponent(value: float, shown: str) -> None:
    assert format_number(value) == shown


@given(finite)
def test_format_number_reads_back(value: float) -> None:
    assert float(format_number(value)) == value


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  Rock\t", "rock"),
        ("CAFÉ", "cafe\u0301"),
        ("ﬁ", "fi"),
        ("\u00a0Jazz\u3000", "jazz"),
    ],
)
def test_normalize_trims_decomposes_and_lowercases(raw: str, normalized: str) -> None:
    assert normalize(raw) == normalized


# ---------------------------------------------------------------- reads against brute force

values = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.sampled_from([0.5, -0.25, 1e-9, 3.75, 1e15, -1e15, 2.0**53, 1e300, -1e300]),
)


@pytest.fixture(scope="module")
def numbers_index() -> Iterator[tuple[Index, list[list[float]]]]:

    rng = random.Random(7)
    pool = [float(x) for x in range(-300, 300)] + [0.5, 1e-9, 1e15, -1e15, 1e300, 2.0**53]
    docs_values = [rng.sample(pool, rng.randint(0, 3)) for _ in range(400)]
    documents = [{"id": i, "n": v} for i, v in enumerate(docs_values)]
    with scratch_dir() as path:
        index = build_index(path, {"filterableAttributes": ["n"]}, documents)
        yield index, docs_values
        index.close()


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.none(), values),
    st.one_of(st.none(), values),
    st.booleans(),
    st.booleans(),
)
def test_number_ranges_match_brute_force(
    numbers_index: tuple[Index, list[list[float]]],
    low: float | None,
    high: float | None,
    low_incl: bool,
    high_incl: bool,
) -> None:
    index, docs_values = numbers_index
    expected = BitMap(
        i
        for i, vs in enumerate(docs_values)
        if any(
            (low is None or (v >= low if low_incl else v > low))
            and (high is None or (v <= high if high_incl else v < high))
            for v in vs
        )
    )
    with index.read() as txn:
        found = FacetReader(index, txn).number_range("n", low, high, low_incl, high_incl)
    assert found == expected


def test_ordered_walk_places_each_document_at_its_best_value(
    numbers_index: tuple[Index, list[list[float]]],
) -> None:
    index, docs_values = numbers_index
    universe = BitMap(range(0, 400, 3))
    with index.read() as txn:
        reader = FacetReader(index, txn)
        ascending = list(reader.number_buckets("n", BitMap(universe)))
        descending = list(reader.number_buckets("n", BitMap(universe), reverse=True))
        every = list(reader.number_buckets("n", BitMap(universe), consume=False))
    for walked, pick in ((ascending, min), (descending, max)):
        expected: dict[float, BitMap] = {}
        for docid in universe:
            if docs_values[docid]:
                expected.setdefault(pick(docs_values[docid]), BitMap()).add(docid)
        order = sorted(expected, reverse=pick is max)
        assert walked == [(value, expected[value]) for value in order]
    counts: dict[float, BitMap] = {}
    for docid in universe:
        for value in docs_values[docid]:
            counts.setdefault(value, BitMap()).add(docid)
    assert every == sorted(counts.items())


def test_point_packing_is_two_doubles() -> None:
    assert struct.unpack(">dd", pack_point(45.5, -9.25)) == (45.5, -9.25)
    assert not math.isnan(key_number(number_key(1.0)))
