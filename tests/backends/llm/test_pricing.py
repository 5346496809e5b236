"""`coord.backends.llm.pricing`: the price table, prefix matching, exact costs, price files."""

import json

import pytest

from coord.backends.llm.pricing import PriceTable, builtin_prices, load_price_file
from coord.errors import InputError


def test_every_builtin_price_is_complete_and_positive():
    prices = builtin_prices()
    assert prices
    for model, p in prices.items():
        assert {"input", "output"} <= p.keys(), model
        assert all(isinstance(v, (int, float)) and v >= 0 for v in p.values()), model
        assert p["output"] >= p["input"], model  # no provider sells output cheaper


def test_exact_name_then_longest_prefix():
    table = PriceTable({"m": {"input": 1, "output": 1}, "m-large": {"input": 9, "output": 9}})
    assert table.price("m") == {"input": 1, "output": 1}
    assert table.price("m-large-2026-01-01")["input"] == 9  # the longer key wins
    assert table.price("m-small")["input"] == 1
    assert table.price("other") is None
    # a dated Anthropic name falls back to its family's entry
    builtin = PriceTable()
    assert builtin.price("claude-sonnet-4-5-20250929") == builtin.price("claude-sonnet-4")


def test_cost_counts_every_usage_field_at_its_own_rate():
    table = PriceTable({"m": {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75}})
    usage = {
        "input_tokens": 1_000,
        "output_tokens": 200,
        "cache_read_tokens": 10_000,
        "cache_write_tokens": 2_000,
        "reasoning_tokens": 150,  # part of output_tokens: never billed twice
    }
    expected = (1_000 * 3 + 200 * 15 + 10_000 * 0.3 + 2_000 * 3.75) / 1e6
    assert table.cost("m", usage) == pytest.approx(expected, abs=1e-15)
    assert table.cost("m", {}) == 0.0
    assert table.cost("unknown-model", usage) is None


def test_missing_cache_prices_fall_back_to_the_input_price():
    table = PriceTable({"m": {"input": 2, "output": 8}})
    assert table.cost("m", {"cache_read_tokens": 1_000_000}) == 2.0
    assert table.cost("m", {"cache_write_tokens": 500_000}) == 1.0


def test_costs_are_exact_decimals_so_sums_do_not_drift():
    table = PriceTable({"m": {"input": 0.1, "output": 0.3}})
    assert table.cost("m", {"input_tokens": 1, "output_tokens": 1}) == 4e-07
    # in floats 7 * 0.1 / 1e6 is 7.000000000000001e-07
    assert table.cost("m", {"input_tokens": 7}) == 7e-07


def test_overrides_replace_builtin_entries():
    table = PriceTable({"gpt-4o-mini": {"input": 100, "output": 100}})
    assert table.cost("gpt-4o-mini", {"input_tokens": 1_000_000}) == 100.0
    assert PriceTable().cost("gpt-4o-mini", {"input_tokens": 1_000_000}) != 100.0


@pytest.mark.parametrize("form", ["json-wrapped", "json-bare", "yaml"])
def test_price_files(tmp_path, form):
    models = {"local": {"input": 0.5, "output": 1.5}}
    if form == "yaml":
        path = tmp_path / "p.yaml"
        path.write_text("models:\n  local: {input: 0.5, output: 1.5}\n")
    else:
        path = tmp_path / "p.json"
        path.write_text(json.dumps({"models": models} if form == "json-wrapped" else models))
    assert load_price_file(path) == models


@pytest.mark.parametrize(
    "text,words",
    [
        ('{"local": {"input": "cheap"}}', "maps model names"),
        ('["local"]', "maps model names"),
        ("{not json", "cannot parse"),
    ],
)
def test_bad_price_files_name_the_file(tmp_path, text, words):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_price_file(path)
    assert words in info.value.message and info.value.file == str(path)
    with pytest.raises(InputError, match="cannot read"):
        load_price_file(tmp_path / "missing.json")
