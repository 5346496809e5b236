import pytest

from coord.backends.registry import check_backend, create_agent, parse_backend
from coord.errors import UsageError


def test_parse_backend():
    assert parse_backend("policy/grounded") == ("policy", "grounded")
    with pytest.raises(ValueError, match="kind/model"):
        parse_backend("grounded")
    with pytest.raises(ValueError, match='did you mean "policy"'):
        parse_backend("polciy/grounded")


def test_unknown_policy_lists_the_known_ones():
    with pytest.raises(ValueError) as exc:
        check_backend("policy/grounder")
    assert 'did you mean "grounded"' in str(exc.value)
    for name in ("oracle", "solo", "anchored", "fair", "forgetful", "mislabel", "conceder"):
        assert name in str(exc.value)


def test_create_agent():
    agent = create_agent("policy/fair", name="bob", seed=3)
    assert agent.name == "bob" and agent.backend == "policy/fair"
    with pytest.raises(UsageError):
        create_agent("policy/nope", name="bob")
