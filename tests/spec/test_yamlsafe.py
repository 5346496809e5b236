"""coord.spec.yamlsafe: YAML 1.2 core data, positions, and every refusal with its location."""

from __future__ import annotations

import textwrap

import pytest

from coord.errors import InputError, UsageError
from coord.spec import yamlsafe
from coord.spec.yamlsafe import MAX_DEPTH, Positions, load_yaml

LOADERS = [yamlsafe._PureLoader] + ([yamlsafe._CLoader] if yamlsafe._CLoader else [])


@pytest.fixture(params=LOADERS, ids=lambda c: c.__name__, autouse=True)
def loader(request, monkeypatch):
    """Every test runs with the pure-Python parser and with libyaml's."""
    monkeypatch.setattr(yamlsafe, "_LOADER", request.param)
    return request.param


def load(text: str):
    return load_yaml("f.yaml", text=textwrap.dedent(text))


def refused(text: str, *, dedent: bool = True) -> InputError:
    with pytest.raises(InputError) as info:
        load_yaml("f.yaml", text=textwrap.dedent(text) if dedent else text)
    err = info.value
    assert err.file == "f.yaml"
    assert err.hint, "every refusal says what to do"
    return err


def at(err: InputError) -> tuple[int | None, int | None]:
    return err.line, err.column


# -- data ---------------------------------------------------------------------------------


def test_plain_data_and_yaml_1_2_scalars():
    data, _ = load("""\
        name: demo
        count: 3
        ratio: 0.25
        on_: true
        off_: False
        nothing: ~
        empty:
        quoted: "12"
        block: |
          two
          lines
        """)
    assert data == {
        "name": "demo",
        "count": 3,
        "ratio": 0.25,
        "on_": True,
        "off_": False,
        "nothing": None,
        "empty": None,
        "quoted": "12",
        "block": "two\nlines\n",
    }


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF"])
def test_yaml_1_1_booleans_stay_strings(word):
    data, _ = load(f"x: {word}\n")
    assert data == {"x": word}


@pytest.mark.parametrize("word", ["true", "True", "TRUE", "false", "False", "FALSE"])
def test_core_booleans(word):
    data, _ = load(f"x: {word}\n")
    assert data["x"] is (word.lower() == "true")


@pytest.mark.parametrize("word", ["null", "Null", "NULL", "~", ""])
def test_core_nulls(word):
    assert load(f"x: {word}\n")[0] == {"x": None}


@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12),
        ("-3", -3),
        ("+4", 4),
        ("0", 0),
        ("0x1F", 31),
        ("0o17", 15),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("-2.5E-1", -0.25),
        # strings, whatever YAML 1.1 or other readers would make of them:
        ("012", "012"),
        ("0012", "0012"),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("1:30:00", "1:30:00"),
        ("2024-01-01", "2024-01-01"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("0b101", "0b101"),
        ("0X1F", "0X1F"),
        ("+0x1F", "+0x1F"),
        ("1.2.3", "1.2.3"),
        ("=", "="),
        ("NaN", "NaN"),
        ("inf", "inf"),
    ],
)
def test_numbers_and_lookalikes(text, value):
    data, _ = load(f"x: {text}\n")
    assert data["x"] == value
    assert type(data["x"]) is type(value)


def test_core_tags_are_honoured():
    data, _ = load("""\
        a: !!str 123
        b: !!int "7"
        c: !!float 2
        d: !!bool true
        e: !!null ~
        f: !!map {k: v}
        g: !!seq [1]
        h: ! 12
        """)
    assert data == {
        "a": "123",
        "b": 7,
        "c": 2.0,
        "d": True,
        "e": None,
        "f": {"k": "v"},
        "g": [1],
        "h": "12",
    }


def test_non_string_keys_become_their_source_text():
    data, _ = load("""\
        1: one
        true: yes
        ~: null key
        1.50: float
        """)
    assert data == {"1": "one", "true": "yes", "~": "null key", "1.50": "float"}


def test_bom_is_ignored():
    data, pos = load_yaml("f.yaml", text="\ufeffa: 1\n")
    assert data == {"a": 1} and pos[("a",)] == (1, 4)


def test_reads_files(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("a: [1, 2]\n", encoding="utf-8")
    data, pos = load_yaml(p)
    assert data == {"a": [1, 2]}
    assert pos.source == str(p)


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        load_yaml(tmp_path / "nope.yaml")


# -- positions ----------------------------------------------------------------------------

DOC = """\
agents:
  alice:
    backend: policy/x
  bob: {backend: "y"}
conditions:
  x:
    expect:
      - a >= 1
      - "b"
    flow: [1, [2, 3]]
"""


def test_positions_of_nested_values_and_keys():
    data, pos = load(DOC)
    assert data["conditions"]["x"]["flow"] == [1, [2, 3]]
    assert pos[()] == (1, 1)
    assert pos[("agents", "alice", "backend")] == (3, 14)
    assert pos.key_positions[("agents", "alice", "backend")] == (3, 5)
    assert pos.key_positions[("agents", "alice")] == (2, 3)
    assert pos[("agents", "bob")] == (4, 8)
    assert pos[("agents", "bob", "backend")] == (4, 18)
    assert pos.key_positions[("agents", "bob", "backend")] == (4, 9)
    assert pos[("conditions", "x", "expect", 0)] == (8, 9)
    assert pos[("conditions", "x", "expect", 1)] == (9, 9)
    assert pos[("conditions", "x", "flow", 1, 0)] == (10, 16)
    assert ("conditions", "x", "expect", 0) not in pos.key_positions


def test_lookup_falls_back_to_the_nearest_ancestor():
    _, pos = load(DOC)
    assert isinstance(pos, Positions)
    assert pos.lookup(["agents", "alice", "backend", "deeper", 3]) == (3, 14)
    assert pos.lookup(("agents", "carol", "backend")) == pos[("agents",)]
    assert pos.lookup(("nope",)) == (1, 1)
    assert pos.key_lookup(("agents", "alice", "nope")) == (2, 3)
    assert pos.key_lookup(("conditions", "x", "expect", 1)) == (9, 9)  # no key: the value


def test_lookup_matches_int_path_parts_to_numeric_keys():
    _, pos = load("m:\n  1: one\n")
    assert pos.lookup(("m", 1)) == (2, 6)


def test_positions_count_characters_not_bytes():
    _, pos = load("é😀: x\nk: [é, 😀, z]\n")
    assert pos[("é😀",)] == (1, 5)
    assert pos[("k", 2)] == (2, 11)


# -- refusals -----------------------------------------------------------------------------


def test_anchor_refused():
    err = refused("base: &b {x: 1}\nother: 2\n")
    assert "anchors/aliases are not allowed" in err.message
    assert "billion-laughs" in err.message
    assert "repeat the value" in err.hint
    assert at(err) == (1, 7)


def test_alias_refused_even_without_a_visible_anchor_first():
    err = refused("a: 1\nb: *nowhere\n")
    assert "alias '*nowhere'" in err.message
    assert at(err) == (2, 4)


def test_merge_key_refused():
    err = refused("a:\n  <<: {x: 1}\n  y: 2\n")
    assert "merge keys" in err.message
    assert at(err) == (2, 3)


def test_quoted_double_angle_is_an_ordinary_key():
    assert load('"<<": 1\n')[0] == {"<<": 1}


def test_billion_laughs_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    err = refused("\n".join(lines) + "\n")
    assert "anchors/aliases" in err.message
    assert at(err) == (1, 4)


def test_duplicate_key_points_at_the_second_and_names_the_first():
    err = refused("""\
        a: 1
        b:
          c: 2
          d: 3
          c: 4
        """)
    assert "duplicate key 'c'" in err.message
    assert "line 3" in err.message
    assert at(err) == (5, 3)


def test_duplicate_after_key_conversion():
    err = refused('1: a\n"1": b\n')
    assert "duplicate key '1'" in err.message and at(err) == (2, 1)


def test_duplicate_in_flow_mapping():
    err = refused("x: {a: 1, b: 2, a: 3}\n")
    assert at(err) == (1, 17)


def test_same_key_in_sibling_mappings_is_fine():
    assert load("a: {k: 1}\nb: {k: 2}\n")[0] == {"a": {"k": 1}, "b": {"k": 2}}


def test_nesting_limit_exact():
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    data, _ = load_yaml("f.yaml", text=ok)
    assert isinstance(data, list)
    err = refused("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", dedent=False)
    assert f"deeper than {MAX_DEPTH}" in err.message
    assert at(err) == (1, MAX_DEPTH + 1)


def test_block_nesting_refused_at_the_deep_line():
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 1)) + "  " * 65 + "v: 1\n"
    err = refused(text, dedent=False)
    assert "deeper than" in err.message
    # the 65th mapping starts at key k64, on line 65
    assert at(err) == (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)


def test_hundred_thousand_deep_flow_sequence_is_an_input_error():
    text = "[" * 100_000 + "]" * 100_000
    err = refused(text, dedent=False)  # not RecursionError, not a crash
    assert "deeper than" in err.message and at(err) == (1, MAX_DEPTH + 1)


def test_hundred_thousand_deep_block_sequence():
    err = refused("- " * 100_000 + "x\n", dedent=False)
    assert "deeper than" in err.message


def test_file_larger_than_limit_refused_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "big.yaml"
    p.write_bytes(b"a: 1\n" + b"#" * yamlsafe.MAX_FILE_BYTES)
    with pytest.raises(InputError) as info:
        load_yaml(p)
    assert "larger than 8 MiB" in info.value.message and info.value.file == str(p)
    assert info.value.hint


def test_text_larger_than_limit_refused():
    err = refused("a: 1\n" + "#" * yamlsafe.MAX_FILE_BYTES, dedent=False)
    assert "larger than" in err.message


def test_long_line_refused_before_parsing():
    text = "a: 1\nb: [\n" + "x" * (yamlsafe.MAX_LINE_BYTES + 1) + "\n"
    err = refused(text, dedent=False)  # the unclosed [ would be a syntax error later
    assert "line 3 is longer than" in err.message
    assert at(err) == (3, 1)


def test_long_line_counted_in_bytes():
    text = "a: " + "é" * (yamlsafe.MAX_LINE_BYTES // 2) + "\n"
    err = refused(text, dedent=False)
    assert at(err) == (1, 1)
    load_yaml("f.yaml", text="a: " + "x" * (yamlsafe.MAX_LINE_BYTES - 10) + "\n")


@pytest.mark.parametrize(
    "text, tag, where",
    [
        (
            "a: !!python/object/apply:os.system ['echo hi']\n",
            "!!python/object/apply:os.system",
            (1, 4),
        ),
        ("a:\n  b: !custom 1\n", "!custom", (2, 6)),
        ("x: !!binary aGk=\n", "!!binary", (1, 4)),
        ("x: !!timestamp 2024-01-01\n", "!!timestamp", (1, 4)),
        ("x: !!set {a, b}\n", "!!set", (1, 4)),
        ("x: !!omap [a: 1]\n", "!!omap", (1, 4)),
        ("!!python/name:os.system k: v\n", "!!python/name:os.system", (1, 1)),
        ("x: !<tag:example.com,2024:thing> 1\n", "tag:example.com,2024:thing", (1, 4)),
    ],
)
def test_non_core_tags_refused(text, tag, where):
    err = refused(text, dedent=False)
    assert f"tag '{tag}'" in err.message
    assert at(err) == where


def test_wrong_core_tag_for_the_value():
    err = refused("a: !!int twelve\n")
    assert "!!int" in err.message and at(err) == (1, 4)
    err = refused("a: !!map [1]\n")
    assert at(err) == (1, 4)


def test_second_document_refused():
    err = refused("a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in err.message
    assert at(err) == (2, 1)


def test_document_end_marker_alone_is_fine():
    assert load("a: 1\n...\n")[0] == {"a": 1}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- \n...\n"])
def test_empty_file_refused(text):
    err = refused(text, dedent=False)
    assert err.message == "file is empty"
    assert at(err) == (1, 1)


def test_empty_then_second_document_reports_the_second_document():
    err = refused("---\n---\na: 1\n")
    assert "more than one" in err.message


@pytest.mark.parametrize(
    "text, kind, where",
    [
        ("[1, 2]: x\n", "list", (1, 1)),
        ("a:\n  {k: v}: x\n", "mapping", (2, 3)),
        ("? [a]\n: b\n", "list", (1, 3)),
    ],
)
def test_collection_keys_refused(text, kind, where):
    err = refused(text, dedent=False)
    assert f"a {kind} cannot be a mapping key" in err.message
    assert at(err) == where


@pytest.mark.parametrize(
    "value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf", ".INF", "1e999", "!!float .nan", "-1e400"]
)
def test_non_finite_numbers_refused(value):
    err = refused(f"a: 1\nb: {value}\n")
    assert "not a finite number" in err.message
    assert at(err) == (2, 4)


def test_integer_with_too_many_digits_refused():
    err = refused("a: " + "9" * 5000 + "\n", dedent=False)
    assert "too many digits" in err.message and at(err) == (1, 4)


def test_control_character_refused():
    err = refused("a: 1\nb: x\x07y\n", dedent=False)
    assert "U+0007" in err.message
    assert at(err) == (2, 5)


def test_lone_surrogate_refused():
    err = refused("a: \ud800\n", dedent=False)
    assert at(err) == (1, 4)


def test_invalid_utf8_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(InputError) as info:
        load_yaml(p)
    assert "UTF-8" in info.value.message
    assert (info.value.line, info.value.column) == (2, 7)


@pytest.mark.parametrize(
    "text, where",
    [
        ("a: b: c\n", (1, 5)),
        ("a: [1, 2\nb: 3\n", None),
        ("a:\n  - b\n c: d\n", (3, 2)),
        ('a: "unterminated\n', None),
        ("a: 1\n  b: 2\n", (2, 4)),
    ],
)
def test_syntax_errors_carry_1_based_positions(text, where):
    err = refused(text, dedent=False)
    assert err.message.startswith("invalid YAML: ")
    assert err.line is not None and err.column is not None
    if where:
        assert at(err) == where


def test_tab_indentation_gets_a_specific_hint():
    err = refused("a:\n\t- b\n", dedent=False)
    assert at(err) == (2, 1)
    assert "tabs" in err.hint


def test_both_parsers_agree():
    if len(LOADERS) < 2:
        pytest.skip("libyaml not available")
    text = DOC + "z: [yes, 0x10, '1', -.5, {q: ~}]\né: |\n  x\n"
    results = [yamlsafe._parse(text, "f.yaml", cls) for cls in LOADERS]
    (d1, p1), (d2, p2) = results
    assert d1 == d2
    assert p1.nodes == p2.nodes and p1.key_positions == p2.key_positions
