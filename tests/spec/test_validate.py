"""coord.spec.validate: pydantic errors become one InputError with path, line and words."""

from __future__ import annotations

import enum
import textwrap
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coord.errors import InputError
from coord.spec.validate import PathError, format_path, parse_model, schema_of
from coord.spec.yamlsafe import load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Talk(Strict):
    talk: bool = True
    turns: int = Field(5, ge=0)
    mode: Literal["dyad", "solo"] = "dyad"


class Agent(Strict):
    backend: str = Field(description="Who plays this agent.")

    @field_validator("backend")
    @classmethod
    def _known(cls, value: str) -> str:
        if not value.startswith("policy/"):
            raise ValueError(f"unknown backend {value!r}: use policy/<name>")
        return value


class Project(Strict):
    needs: list[str]
    reward: float = Field(0, gt=0)


class Root(Strict):
    name: str
    agents: dict[str, Agent]
    resources: list[str] = []
    projects: dict[str, Project] = {}
    conditions: dict[str, Talk] = {}
    default: Talk | None = None
    variants: list[Annotated[Talk, Field(description="a variant")]] = []
    color: Color = Color.RED
    weight: int | list[int] = 0
    seeds: list[int] = Field([0], min_length=1)
    expect: list[str] = []

    @field_validator("expect")
    @classmethod
    def _exprs(cls, exprs: list[str]) -> list[str]:
        for i, e in enumerate(exprs):
            if ">=" not in e:
                raise PathError((i,), f"cannot read expectation {e!r}")
        return exprs

    @model_validator(mode="after")
    def _check(self) -> Root:
        for pname, project in self.projects.items():
            for i, need in enumerate(project.needs):
                if need not in self.resources:
                    raise PathError(
                        ("projects", pname, "needs", i), f"needs undeclared resource {need!r}"
                    )
        if "solo" in self.conditions:
            raise PathError(("conditions", "solo"), "'solo' is reserved")
        if "mapped" in self.conditions:
            raise PathError(("conditions", "mapped"), "at the mapping", at_key=False)
        return self


BASE = """\
name: demo
agents:
  alice:
    backend: policy/a
  bob: {backend: policy/b}
resources: [r1, r2]
"""


def check(text: str, model=Root) -> InputError:
    data, positions = load_yaml("s.yaml", text=textwrap.dedent(text))
    with pytest.raises(InputError) as info:
        parse_model(model, data, source="s.yaml", positions=positions)
    err = info.value
    assert err.file == "s.yaml"
    return err


def at(err: InputError):
    return err.line, err.column


def test_valid_data_returns_the_model():
    data, positions = load_yaml("s.yaml", text=BASE)
    model = parse_model(Root, data, source="s.yaml", positions=positions)
    assert isinstance(model, Root) and model.agents["bob"].backend == "policy/b"


def test_unknown_top_level_field_with_did_you_mean():
    err = check(BASE + "resorces: [r3]\n")
    assert err.message == "unknown field 'resorces' (did you mean \"resources\"?)"
    assert at(err) == (7, 1)
    assert err.hint.startswith("allowed here: name, agents, resources, projects")


def test_unknown_nested_field_points_at_the_key():
    err = check(BASE + "conditions:\n  fast:\n    turns: 2\n    taalk: false\n")
    assert err.message == "conditions.fast: unknown field 'taalk' (did you mean \"talk\"?)"
    assert at(err) == (10, 5)
    assert err.hint == "allowed here: talk, turns, mode"


def test_unknown_field_through_optional_and_list():
    err = check(BASE + "default: {tlak: true}\n")
    assert "unknown field 'tlak' (did you mean \"talk\"?)" in err.message
    assert err.message.startswith("default: ")
    assert at(err) == (7, 11)
    err = check(BASE + "variants:\n  - {}\n  - mdoe: solo\n")
    assert err.message == "variants[1]: unknown field 'mdoe' (did you mean \"mode\"?)"
    assert at(err) == (9, 5)


def test_unknown_field_without_a_close_match():
    err = check(BASE.replace("backend: policy/a", "backend: policy/a\n    zzz: 1"))
    assert err.message == "agents.alice: unknown field 'zzz'"
    assert err.hint == "allowed here: backend"
    assert at(err) == (5, 5)


def test_missing_field_points_at_the_mapping_that_lacks_it():
    err = check(BASE.replace("  bob: {backend: policy/b}", "  bob: {}"))
    assert err.message == "agents.bob: missing required field 'backend'"
    assert at(err) == (5, 3)
    assert err.hint == "add `backend:` (Who plays this agent.)"


def test_missing_top_level_field():
    err = check(BASE.replace("name: demo\n", ""))
    assert err.message == "missing required field 'name'"
    assert at(err) == (1, 1)


def test_literal_lists_values_and_suggests():
    err = check(BASE + "conditions:\n  x: {mode: dyda}\n")
    assert err.message == (
        "conditions.x.mode: must be one of 'dyad', 'solo', got 'dyda' (did you mean \"dyad\"?)"
    )
    assert err.hint == "allowed values: dyad, solo"
    assert at(err) == (8, 13)


def test_enum_lists_values():
    err = check(BASE + "color: gren\n")
    assert err.message == (
        "color: must be one of 'red', 'green', got 'gren' (did you mean \"green\"?)"
    )
    assert at(err) == (7, 8)


def test_number_bounds_in_words():
    err = check(BASE + "conditions:\n  x:\n    turns: -1\n")
    assert err.message == "conditions.x.turns: must be ≥ 0, got -1"
    assert at(err) == (9, 12)
    err = check(BASE + "projects:\n  p: {needs: [r1], reward: 0}\n")
    assert err.message == "projects.p.reward: must be > 0, got 0"


def test_type_errors_say_what_was_expected():
    err = check(BASE + "conditions:\n  x: {turns: abc}\n")
    assert err.message == "conditions.x.turns: expected an integer, got 'abc'"
    assert at(err) == (8, 14)
    err = check(BASE + "projects:\n  p: {needs: [r1], reward: lots}\n")
    assert err.message == "projects.p.reward: expected a number, got 'lots'"
    err = check(BASE + "conditions: [a]\n")
    assert err.message == "conditions: expected a mapping (key: value lines), got a list"
    assert at(err) == (7, 1)  # a collection: the key that introduces it


def test_too_short_list():
    err = check(BASE + "seeds: []\n")
    assert err.message == "seeds: must have at least 1 item, got 0"
    assert at(err) == (7, 1)


def test_union_alternatives_are_one_problem():
    err = check(BASE + "weight: heavy\n")
    assert "\n" not in err.message
    assert err.message.startswith("weight: does not match any allowed form: expected an integer")
    assert "expected a list" in err.message
    assert at(err) == (7, 9)


def test_field_validator_message_used_as_is():
    err = check(BASE.replace("policy/a", "gpt/a"))
    assert err.message == "agents.alice.backend: unknown backend 'gpt/a': use policy/<name>"
    assert "Value error" not in err.message
    assert at(err) == (4, 14)


def test_path_error_from_field_validator_points_at_the_item():
    err = check(BASE + "expect:\n  - a >= 1\n  - b == 2\n")
    assert err.message == "expect[1]: cannot read expectation 'b == 2'"
    assert at(err) == (9, 5)


def test_path_error_from_model_validator_points_deep():
    err = check(BASE + "projects:\n  p1:\n    needs: [r1, r9]\n")
    assert err.message == "projects.p1.needs[1]: needs undeclared resource 'r9'"
    assert at(err) == (9, 17)


def test_path_error_at_a_mapping_points_at_its_key_unless_told_otherwise():
    err = check(BASE + "conditions:\n  solo:\n    talk: false\n")
    assert err.message == "conditions.solo: 'solo' is reserved"
    assert at(err) == (8, 3)
    err = check(BASE + "conditions:\n  mapped:\n    talk: false\n")
    assert at(err) == (9, 5)


def test_path_error_to_a_missing_node_falls_back_to_its_ancestor():
    class M(Strict):
        items: dict[str, int]

        @model_validator(mode="after")
        def _c(self):
            raise PathError(("items", "ghost", 3), "no ghost")

    err = check("items:\n  a: 1\n", model=M)
    assert err.message == "items.ghost[3]: no ghost"
    assert at(err) == (1, 1)


def test_several_problems_are_listed_in_file_order_with_lines():
    err = check("""\
        agents:
          alice: {backend: nope}
          bob: {}
        conditions:
          a: {turns: -1}
          b: {mode: x}
          c: {tlak: 1}
          d: {turns: z}
        seeds: []
        """)
    lines = err.message.split("\n")
    assert lines[0] == "8 problems found:"
    assert lines[1] == "  line 1: missing required field 'name'"
    assert lines[2] == "  line 2: agents.alice.backend: unknown backend 'nope': use policy/<name>"
    assert lines[3] == "  line 3: agents.bob: missing required field 'backend'"
    assert lines[4] == "  line 5: conditions.a.turns: must be ≥ 0, got -1"
    assert lines[5].startswith("  line 6: conditions.b.mode: must be one of 'dyad', 'solo'")
    assert lines[6] == "  (and 3 more)"
    assert len(lines) == 7
    assert at(err) == (1, 1)


def test_without_positions_the_list_has_no_lines():
    data = {"name": "x", "agents": {"a": {"backend": 1}}, "seeds": []}
    with pytest.raises(InputError) as info:
        parse_model(Root, data, source="data.json")
    err = info.value
    assert (err.file, err.line, err.column) == ("data.json", None, None)
    assert err.message.splitlines() == [
        "2 problems found:",
        "  - agents.a.backend: expected a string, got 1",
        "  - seeds: must have at least 1 item, got 0",
    ]


def test_errors_about_mapping_keys():
    class M(Strict):
        limits: dict[Annotated[str, Field(pattern=r"^[a-z]+$")], int]

    err = check("limits:\n  ok: 1\n  Bad Key: 2\n", model=M)
    assert err.message.startswith("limits: key 'Bad Key': ")
    assert at(err) == (3, 3)


def test_format_path():
    assert format_path(()) == ""
    assert format_path(("a", "b_c", 0, "d-e", 2)) == "a.b_c[0].d-e[2]"
    assert format_path(("buckets", "0.5", "x y")) == 'buckets["0.5"]["x y"]'


def test_schema_of():
    schema = schema_of(Root)
    assert list(schema)[:2] == ["$schema", "title"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Root"
    assert schema["additionalProperties"] is False
    assert "agents" in schema["properties"]
    assert schema_of(Talk, title="Talk settings")["title"] == "Talk settings"
