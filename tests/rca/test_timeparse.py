import pytest

from coord.rca.timeparse import TimeError, TimeReader, iso, parse_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1675079459", 1675079459.0),
        ("1675079459971", 1675079459.971),
        ("1675079459971622667", 1675079459.971622667),
        ("2023-01-30T11:50:59Z", 1675079459.0),
        ("2023-01-30T19:50:59+08:00", 1675079459.0),
        ("2023-01-30 11:50:59.5", 1675079459.5),
        ("2022-08-22 03:51:19.607158889 +0000 UTC m=+0.113112869", 1661140279.607158889),
    ],
)
def test_formats(text, expected):
    assert parse_time(text) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("text", ["", "yesterday", "2023-13-45T00:00:00Z"])
def test_bad(text):
    with pytest.raises(TimeError):
        parse_time(text)


def test_mixed_zones_warn():
    r = TimeReader()
    r.parse("2023-01-30T11:50:59Z")
    assert r.warnings == []
    r.parse("2023-01-30T11:50:59")
    assert "mixed time zones" in r.warnings[0]


def test_iso_round_trip():
    assert iso(parse_time("2023-01-30T11:50:59Z")) == "2023-01-30T11:50:59Z"
