"""coord.protocol.schemas: content schemas compiled safely (no fetching, no hanging regexes)."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest

from coord.errors import InputError
from coord.protocol.model import CompiledSchema
from coord.protocol.schemas import SchemaError, _regex_risk, compile_schema

PLAN = {
    "type": "object",
    "required": ["plan", "round"],
    "properties": {
        "round": {"type": "integer", "minimum": 1},
        "plan": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
        },
        "id": {"type": "string", "pattern": "^[a-z]+(-[a-z0-9]+)*$"},
    },
    "additionalProperties": False,
}


def _compile(schema, base_dir: Path | None = None):
    return compile_schema(schema, base_dir=base_dir, source="protocol.yaml")


def _refused(schema, base_dir: Path | None = None) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        _compile(schema, base_dir)
    assert info.value.code == "P002"
    assert isinstance(info.value, InputError)
    return info.value


def test_valid_schema_compiles_and_validates():
    compiled = _compile(PLAN)
    assert isinstance(compiled, CompiledSchema)
    good = {"round": 1, "plan": {"alice": {"wood": 2, "ore": 0}}, "id": "deal-7"}
    assert compiled.is_valid(good)
    assert compiled.errors(good) == []
    assert not compiled.is_valid({"round": 1, "plan": {"alice": {"wood": -1}}})
    assert not compiled.is_valid({"round": 1, "plan": {}, "id": "Deal 7"})


def test_errors_name_every_nested_path():
    errors = _compile(PLAN).errors(
        {"round": 0, "plan": {"alice": {"wood": -1, "ore": "x"}, "bob": []}, "extra": 1}
    )
    paths = sorted(path for path, _ in errors)
    assert paths == ["$", "$.plan.alice.ore", "$.plan.alice.wood", "$.plan.bob", "$.round"]
    messages = dict(errors)
    assert "minimum of 0" in messages["$.plan.alice.wood"]
    assert "'extra' was unexpected" in messages["$"]


def test_identical_schemas_compile_once():
    assert _compile(json.loads(json.dumps(PLAN))) is _compile(PLAN)


def test_invalid_schema_is_p002_with_every_path():
    exc = _refused({"type": "object", "properties": {"a": {"type": 5}, "b": {"minimum": "x"}}})
    paths = [path for path, _ in exc.errors]
    assert paths == ["$.properties.a.type", "$.properties.b.minimum"]
    assert exc.path == "$.properties.a.type"
    assert exc.file == "protocol.yaml"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        _Recorder.hits.append(self.path)
        body = b'{"type": "integer"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.timeout = 1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_remote_ref_refused_without_any_request(loopback, tmp_path):
    url = f"{loopback}/schema.json"
    for schema in (
        {"$ref": url},
        {"properties": {"x": {"$ref": url + "#/x"}}},
        {"$id": loopback + "/root.json", "$ref": "schema.json"},  # relative to a remote base
        {"$dynamicRef": url},
    ):
        exc = _refused(schema, tmp_path)
        assert "not local" in exc.message or "neither local nor a file" in exc.message
    assert _refused({"properties": {"x": {"$ref": url}}}, tmp_path).path == "$.properties.x.$ref"
    assert _Recorder.hits == []


def test_file_url_ref_refused_without_reading(tmp_path, monkeypatch):
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    exc = _refused({"$ref": "file:///etc/passwd"}, tmp_path)
    assert "file://" in exc.message and exc.path == "$.$ref"
    _refused({"$ref": "/etc/passwd"}, tmp_path)
    _refused({"$ref": "urn:example:thing"}, tmp_path)
    assert not [f for f in opened if "passwd" in f]


def test_ref_escaping_base_dir_refused(tmp_path):
    (tmp_path / "outside.json").write_text('{"type": "integer"}')
    base = tmp_path / "protocols"
    base.mkdir()
    exc = _refused({"$ref": "../outside.json"}, base)
    assert "outside the protocol's folder" in exc.message
    _refused({"$ref": "sub/../../outside.json"}, base)
    with pytest.raises(SchemaError):  # the schema path itself, too
        compile_schema("../outside.json", base_dir=base, source="p.yaml")
    with pytest.raises(SchemaError):
        compile_schema(str(tmp_path / "outside.json"), base_dir=base, source="p.yaml")


def test_relative_file_ref_inside_base_dir_works(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "amount.json").write_text(
        json.dumps({"$defs": {"n": {"type": "integer", "minimum": 0}}, "$ref": "#/$defs/n"})
    )
    (tmp_path / "schemas" / "offer.yaml").write_text(
        "type: object\nadditionalProperties:\n  $ref: amount.json\n"
    )
    compiled = _compile({"properties": {"offer": {"$ref": "schemas/offer.yaml"}}}, tmp_path)
    assert compiled.is_valid({"offer": {"wood": 3}})
    assert not compiled.is_valid({"offer": {"wood": -3}})
    assert [p for p, _ in compiled.errors({"offer": {"wood": -3}})] == ["$.offer.wood"]
    by_path = compile_schema("schemas/offer.yaml", base_dir=tmp_path, source="p.yaml")
    assert by_path.is_valid({"wood": 1}) and not by_path.is_valid({"wood": "x"})


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        {"$defs": {"a": {"anyOf": [{"type": "string"}, {"$ref": "#"}]}}, "$ref": "#/$defs/a"},
        {"properties": {"x": {"$defs": {"s": {"not": {"$ref": "#/properties/x/$defs/s"}}}}}},
    ],
)
def test_ref_cycle_without_progress_refused(schema):
    exc = _refused(schema)
    assert "cycle" in exc.message


def test_recursive_ref_that_consumes_input_is_fine():
    tree = {"type": "object", "properties": {"children": {"items": {"$ref": "#"}}}}
    compiled = _compile(tree)
    assert compiled.is_valid({"children": [{"children": []}]})
    assert not compiled.is_valid({"children": [1]})


@pytest.mark.parametrize(
    "pattern",
    [
        "^(a+)+$",
        "(a*)*b",
        "^(a|a)*$",
        "(.*a){12}",
        "^(\\w+\\s?)*$",
        "(x+x+)+y",
        "(a|a?b)*c",
        "^(a|aa)+$",
        "^(a(?:b|)b?)*$",
        "^((a?)?b)*c$",
        "^((a+b)+)+$",
        "^(\\w+\\.?)+@",
        "(\\d)\\1",
        "(?=x)",
    ],
)
def test_dangerous_patterns_refused_at_compile_time(pattern):
    exc = _refused({"type": "string", "pattern": pattern})
    assert exc.path == "$.pattern"
    assert "backtrack" in exc.message
    exc = _refused({"patternProperties": {pattern: {"type": "integer"}}})
    assert exc.path.startswith("$.patternProperties")


@pytest.mark.parametrize(
    "pattern", ["^[a-z]+(-[a-z0-9]+)*$", "^\\d+(\\.\\d+)?$", "^(alice|bob|carol)$", "^[A-Z]{3}$"]
)
def test_ordinary_patterns_accepted(pattern):
    assert _regex_risk(pattern) is None


# Repeated groups whose inner quantifier is always followed by something it cannot match:
# where one repetition ends is never in doubt. Each with a long string built to fail late.
UNAMBIGUOUS_REPEATS = {
    "^[\\w.+-]+@([\\w-]+\\.)+[a-z]{2,}$": (
        "bob.smith+x@mail.example.org",
        "a@" + "a." * 50_000 + "1",
    ),
    "^([a-z0-9]+-)*[a-z0-9]+$": ("deal-7-b", "a-" * 50_000 + "!"),
    "^(\\d+\\.){3}\\d+$": ("192.168.0.1", "1." * 50_000 + "x"),
    "^[A-Z][a-z]+( [A-Z][a-z]+)*$": ("Ada Lovelace", "Ab " * 33_334 + "!"),
    "^(/[\\w.-]+)+/?$": ("/usr/local/lib/", "/a" * 50_000 + "//"),
}


@pytest.mark.parametrize("pattern", UNAMBIGUOUS_REPEATS)
def test_unambiguous_nested_quantifiers_accepted(pattern):
    assert _regex_risk(pattern) is None
    good, hostile = UNAMBIGUOUS_REPEATS[pattern]
    assert len(hostile) >= 100_000
    compiled = _compile({"type": "string", "pattern": pattern})
    assert compiled.is_valid(good)
    assert not compiled.is_valid(hostile)
    assert [p for p, _ in compiled.errors(hostile)] == ["$"]


def test_long_input_against_benign_pattern_completes():
    # Python's re needs O(n²) for this search on n "a"s; the compiled schema must not.
    compiled = _compile({"type": "string", "pattern": "[a-z]+-[0-9]+"})
    text = "a" * 100_000
    assert not compiled.is_valid(text)
    assert [p for p, _ in compiled.errors(text)] == ["$"]
    keys = _compile(
        {"patternProperties": {"\\w+\\d": {"type": "string"}}, "additionalProperties": False}
    )
    assert not keys.is_valid({text: 1})
    assert keys.errors({text: 1})


@pytest.mark.parametrize(
    "text",
    ['{"type": NaN}', '{"minimum": Infinity}', '{"type": "object", "type": "string"}'],
)
def test_schema_files_with_hostile_json_refused(tmp_path, text):
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(InputError):
        compile_schema("bad.json", base_dir=tmp_path, source="p.yaml")
    with pytest.raises(InputError):
        _compile({"$ref": "bad.json"}, tmp_path)


def test_inline_schema_with_nan_refused():
    _refused({"minimum": float("nan")})
