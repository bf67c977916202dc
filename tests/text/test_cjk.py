from __future__ import annotations

import pytest

from lumi.text.cjk import segment


@pytest.mark.parametrize(
    ("run", "words"),
    [
        ("我爱北京", ["我", "爱", "北京"]),
        # Dictionary words longer than two characters are cut into known bigrams.
        ("中华人民共和国", ["中华", "人民", "共和", "国"]),
        ("天安门", ["天安", "门"]),
        ("2024年", ["2024", "年"]),
        # Kana runs are one word each; kanji go through the Chinese dictionary.
        ("東京に行きました", ["東", "京", "に", "行", "きました"]),
        ("コンピューター", ["コンピューター"]),
        ("すごーい", ["すごーい"]),
        ("カタカナとひらがな", ["カタカナ", "とひらがな"]),
    ],
)
def test_segment(run: str, words: list[str]) -> None:
    assert segment(run) == words


@pytest.mark.parametrize(
    "run", ["中华人民共和国成立于1949年", "日本語のテキストです", "㐀㐁㐂", "々〇"]
)
def test_segment_covers_the_run(run: str) -> None:
    assert "".join(segment(run)) == run
