from __future__ import annotations

import pytest

from heard.core import postcodes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("e8 1ea", "E8 1EA"), ("SW1A1AA", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"), ("E8", "E8")],
)
def test_postcode_is_tidied(typed, expected) -> None:
    assert postcodes.formatted(typed) == expected


@pytest.mark.parametrize("typed", ["", "hello", "E8 1E", "1E8 1EA", "E8 1EAA"])
def test_not_a_postcode_is_refused(typed) -> None:
    assert postcodes.is_valid(typed, allow_district=True) is False


def test_district_is_the_outward_code() -> None:
    assert postcodes.district("sw1a 1aa") == "SW1A"
    assert postcodes.district("E14") == "E14"
    assert postcodes.district("nonsense") == ""


def test_prefixes_run_longest_first_and_stop_at_the_district() -> None:
    assert postcodes.prefixes("e142ab") == ["E14 2AB", "E14 2A", "E14 2", "E14"]
    assert "E1" not in postcodes.prefixes("E14 2AB")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("se11", "SE11"),
        ("se1 1", "SE1 1"),
        ("SE1  1", "SE1 1"),
        ("e8 1ea", "E8 1EA"),
        ("e81ea", "E8 1EA"),
        ("E8 1E", "E8 1E"),
        ("XX", ""),
        ("E8 11", ""),
        ("", ""),
    ],
)
def test_prefix_keeps_the_space_between_district_and_sector(typed, stored) -> None:
    assert postcodes.normalise_prefix(typed) == stored
