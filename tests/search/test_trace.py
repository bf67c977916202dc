from __future__ import annotations

import pytest

from lumi.search.trace import Timings, format_duration


@pytest.mark.parametrize(
    "seconds, shown",
    [
        (0.0, "0.00ns"),
        (12e-9, "12.00ns"),
        (295.294e-6, "295.29µs"),
        (0.999e-6, "999.00ns"),
        (1e-6, "1.00µs"),
        (3.5612e-3, "3.56ms"),
        (1.5, "1.50s"),
        (75.0, "75.00s"),
    ],
)
def test_durations_use_the_largest_unit_reaching_one(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_steps_run_several_times_are_summed_in_the_order_they_first_ended() -> None:
    timings = Timings()
    timings.add("search > format", 0.001)
    timings.add("search", 0.002)
    timings.merge({"search > format": 0.0005, "federating results > merge results": 2e-6})
    assert timings.view() == {
        "search > format": "1.50ms",
        "search": "2.00ms",
        "federating results > merge results": "2.00µs",
    }


def test_since_records_until_now_and_returns_now() -> None:
    timings = Timings()
    now = timings.since("step", 0.0)
    assert timings.steps["step"] == now > 0.0
