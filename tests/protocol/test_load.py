"""Loading protocol files: `load_protocol`, `find_protocol`, `bundled_protocols`."""

import pytest
from helpers import no_hang

from coord.errors import InputError, UsageError
from coord.protocol.load import bundled_protocols, find_protocol, load_protocol
from coord.protocol.model import LoadedProtocol

MINIMAL = """\
schema_version: 1
name: tiny
roles: [asker, teller]
messages:
  ask: {from: asker, to: teller, reply_to: []}
  tell: {from: teller, to: asker, schema: {type: object, required: [answer]}}
flow:
  initial: open
  terminal: [told]
  transitions:
    - {from: open, msg: ask, to: asked}
    - {from: asked, msg: tell, to: told}
"""

# Each is refused by the safe YAML reader; (text, words the message must contain).
HOSTILE = {
    "alias": (MINIMAL + "x: &a [1]\ny: *a\n", "anchors/aliases are not allowed"),
    "alias-bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(8)
        ),
        "anchors/aliases are not allowed",
    ),
    "duplicate-key": (
        MINIMAL.replace("name: tiny\n", "name: tiny\nname: again\n"),
        "duplicate key 'name'",
    ),
    "deep-flow": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "nesting is deeper"),
    "deep-block": (
        "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x\n",
        "nesting is deeper",
    ),
    "nan": (MINIMAL.replace("name: tiny\n", "name: tiny\nratio: .nan\n"), "not a finite number"),
    "tag": (
        MINIMAL.replace("name: tiny", "name: !!python/name:os.system tiny"),
        "tag '!!python/name:os.system' is not allowed",
    ),
    "two-documents": (MINIMAL + "---\nname: other\n", "more than one YAML document"),
}


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_minimal(tmp_path):
    loaded = load_protocol(write(tmp_path, MINIMAL))
    assert isinstance(loaded, LoadedProtocol)
    assert loaded.spec.name == "tiny"
    assert loaded.path == tmp_path / "p.yaml"
    assert set(loaded.validators) == {"ask", "tell"}
    assert loaded.validators["ask"] is None
    tell = loaded.validators["tell"]
    assert tell.is_valid({"answer": 42}) and not tell.is_valid({})


def test_string_schemas_are_relative_to_the_protocol_file(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "ask.json").write_text(
        '{"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}'
    )
    text = MINIMAL.replace("reply_to: []}", "reply_to: [], schema: schemas/ask.json}")
    loaded = load_protocol(write(tmp_path, text))
    assert loaded.validators["ask"].is_valid({"q": "why?"})
    assert not loaded.validators["ask"].is_valid({"q": 1})


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_yaml_is_refused_quickly(tmp_path, case):
    text, words = HOSTILE[case]
    path = write(tmp_path, text)
    with no_hang(), pytest.raises(InputError) as info:
        load_protocol(path)
    assert words in info.value.message
    assert info.value.file == str(path) and info.value.line


def test_a_50_mb_line_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "w") as fh:
        fh.write("schema_version: 1\nname: ")
        fh.write("x" * (50 * 1024 * 1024))
        fh.write("\n")
    with no_hang(), pytest.raises(InputError, match="larger than"):
        load_protocol(path)


def test_a_long_line_in_a_small_file_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL.replace("name: tiny", "name: " + "x" * (2 * 1024 * 1024)))
    with pytest.raises(InputError, match="line 2 is longer than") as info:
        load_protocol(path)
    assert info.value.line == 2


def test_yaml_1_1_booleans_stay_strings(tmp_path):
    text = (
        "schema_version: 1\nname: on\nroles: [no, yes]\n"
        "messages:\n  off: {from: no, to: yes}\n  y: {from: yes, to: no}\n"
        "flow: {initial: n, terminal: [on], transitions: [{from: n, msg: off, to: Y}, "
        "{from: Y, msg: y, to: on}]}\n"
    )
    spec = load_protocol(write(tmp_path, text)).spec
    assert spec.name == "on"
    assert spec.roles == ["no", "yes"]
    assert set(spec.messages) == {"off", "y"}
    assert spec.messages["off"].sender == "no"
    assert spec.flow.terminal == ["on"]


def test_not_a_protocol_document(tmp_path):
    with pytest.raises(InputError, match="unknown field 'rolez'") as info:
        load_protocol(write(tmp_path, MINIMAL.replace("roles:", "rolez: []\nroles:")))
    assert info.value.line == 3
    with pytest.raises(InputError, match="must be a mapping"):
        load_protocol(write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(InputError, match="file is empty"):
        load_protocol(write(tmp_path, "\n"))


def test_unsupported_schema_version(tmp_path):
    with pytest.raises(InputError, match="schema_version 2") as info:
        load_protocol(write(tmp_path, MINIMAL.replace("schema_version: 1", "schema_version: 2")))
    assert info.value.line == 1 and "upgrade coord" in info.value.hint


def test_a_bad_schema_is_an_input_error(tmp_path):
    text = MINIMAL.replace("required: [answer]", "required: 12")
    with pytest.raises(InputError) as info:
        load_protocol(write(tmp_path, text))
    assert info.value.line == 6 and "tell" in info.value.message


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_protocol(tmp_path / "nope.yaml")


def test_bundled_protocols_and_find_protocol(tmp_path):
    names = {p.stem for p in bundled_protocols()}
    assert {"negotiation", "request-commit", "contract-net", "forecast-aggregation"} <= names
    assert find_protocol("negotiation").name == "negotiation.yaml"
    assert find_protocol("request-commit.yaml").name == "request-commit.yaml"
    own = write(tmp_path, MINIMAL)
    assert find_protocol(str(own)) == own
    with pytest.raises(UsageError, match='did you mean "negotiation"') as info:
        find_protocol("negotation")
    assert "request-commit" in info.value.hint
    with pytest.raises(UsageError, match="no such file"):
        find_protocol(str(tmp_path / "missing.yaml"))
