"""``/experimental-features``: every 1.50 switch, off by default, patched individually."""

from __future__ import annotations

import httpx

from lumi.engine import FEATURES


def test_features_default_off_and_patch_merges(http: httpx.Client) -> None:
    current = http.get("/experimental-features")
    assert current.status_code == 200
    assert list(current.json()) == list(FEATURES)
    patched = http.patch("/experimental-features", json={"containsFilter": True})
    assert patched.status_code == 200
    assert patched.json()["containsFilter"] is True
    assert http.get("/experimental-features").json()["containsFilter"] is True
    assert all(value is False for name, value in patched.json().items() if name != "containsFilter")
    restored = http.patch("/experimental-features", json={"containsFilter": False})
    assert restored.json()["containsFilter"] is False


def test_unknown_feature_and_bad_type_are_refused(http: httpx.Client) -> None:
    unknown = http.patch("/experimental-features", json={"vectorStore": True})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "bad_request"
    assert unknown.json()["message"].startswith("Unknown field `vectorStore`: expected one of")
    wrong = http.patch("/experimental-features", json={"metrics": "yes"})
    assert wrong.status_code == 400
    assert wrong.json()["message"] == (
        'Invalid value type at `.metrics`: expected a boolean, but found a string: `"yes"`'
    )
