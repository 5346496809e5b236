"""Cost of a model call from a price table kept as data (`prices.json` beside this file).

Prices are USD per million tokens for input, output, cache reads and cache writes. A model
is priced by its exact name, else by the longest key it starts with
(`claude-sonnet-4-5-20250929` → `claude-sonnet-4`). Scenario `prices:` and
`coord run --prices FILE` override entries. Costs are computed in `Decimal` and rounded to
1e-12 USD, so totals add up exactly the same however calls are grouped. A model with no
price has cost `null` (and the run's budget in USD then cannot see it: a warning says so).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

FIELDS = {  # normalised usage field -> price key
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_tokens": "cache_read",
    "cache_write_tokens": "cache_write",
}
_MILLION = Decimal(1_000_000)
_QUANTUM = Decimal("1e-12")


@lru_cache(maxsize=1)
def builtin_prices() -> dict[str, dict[str, float]]:
    data = json.loads((Path(__file__).with_name("prices.json")).read_text(encoding="utf-8"))
    return data["models"]


class PriceTable:
    def __init__(self, overrides: dict[str, dict[str, float]] | None = None) -> None:
        self.models = {**builtin_prices(), **(overrides or {})}

    def price(self, model: str) -> dict[str, float] | None:
        if model in self.models:
            return self.models[model]
        best = max((k for k in self.models if model.startswith(k)), key=len, default=None)
        return self.models[best] if best else None

    def cost(self, model: str, usage: dict[str, int]) -> float | None:
        """USD for `usage` (normalised fields), or None when the model has no price."""
        price = self.price(model)
        if price is None:
            return None
        total = Decimal(0)
        for field, key in FIELDS.items():
            tokens = usage.get(field, 0)
            if tokens:
                # A cache price missing from the table falls back to the input price.
                rate = price.get(key, price.get("input", 0.0))
                total += Decimal(tokens) * Decimal(str(rate)) / _MILLION
        return float(total.quantize(_QUANTUM))


def load_price_file(path: str | Path) -> dict[str, dict[str, float]]:
    """A `--prices` file: JSON or YAML, either `{models: {...}}` or the mapping itself."""
    from coord.errors import InputError
    from coord.spec.yamlsafe import load_yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read the price file: {e.strerror}", file=str(p)) from None
    try:
        data = load_yaml(p)[0] if p.suffix in (".yaml", ".yml") else json.loads(text)
    except ValueError as e:
        raise InputError(f"cannot parse the price file: {e}", file=str(p)) from None
    models = data.get("models", data) if isinstance(data, dict) else None
    if not isinstance(models, dict) or not all(
        isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values())
        for v in models.values()
    ):
        raise InputError(
            "a price file maps model names to {input, output, cache_read, cache_write} "
            "(USD per million tokens)",
            file=str(p),
        )
    return models
