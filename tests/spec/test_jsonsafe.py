"""coord.spec.jsonsafe: strict JSON / JSON Lines, every refusal with its location."""

from __future__ import annotations

import pytest
from helpers import no_hang

from coord.errors import InputError, UsageError
from coord.spec.jsonsafe import MAX_DEPTH, load_json, load_jsonl, locate, read_text


def refused(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        load_json("f.json", text=text, **kw)
    assert info.value.file == "f.json"
    assert info.value.hint
    return info.value


def at(err: InputError):
    return err.line, err.column


def test_plain_document():
    assert load_json("f.json", text='{"a": [1, 2.5, true, null, "x"], "b": {}}') == {
        "a": [1, 2.5, True, None, "x"],
        "b": {},
    }


def test_reads_files_and_ignores_a_bom(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert load_json(p) == {"a": 1}


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        load_json(tmp_path / "nope.json")
    with pytest.raises(UsageError):
        list(load_jsonl(tmp_path / "nope.jsonl"))


def test_duplicate_key_named_with_its_line():
    err = refused('{\n  "a": 1,\n  "b": {\n    "c": 1,\n    "c": 2\n  }\n}')
    assert 'duplicate key "c"' in err.message
    assert "line 5" in err.message
    assert at(err) == (5, 5)


def test_duplicate_key_found_despite_brackets_and_keys_inside_strings():
    err = refused('{"s": "{\\"a\\": 1, [", "t": ["a", "a"], "a": 1,\n "a": 2}')
    assert 'duplicate key "a"' in err.message and at(err) == (2, 2)


def test_duplicate_key_written_with_an_escape():
    err = refused('{"ab": 1, "\\u0061b": 2}')
    assert 'duplicate key "ab"' in err.message and at(err) == (1, 11)


def test_same_key_in_sibling_objects_is_fine():
    assert load_json("f", text='[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(
    "text, name, where",
    [
        ('{"x":\n  NaN}', "NaN", (2, 3)),
        ("[1, Infinity]", "Infinity", (1, 5)),
        ("[1,\n -Infinity]", "-Infinity", (2, 2)),
        ('{"s": "NaN", "n": NaN}', "NaN", (1, 19)),
    ],
)
def test_non_finite_constants_refused(text, name, where):
    err = refused(text)
    assert f"{name} is not a finite number" in err.message
    assert at(err) == where


def test_float_overflow_refused():
    err = refused('{"a": 1,\n "b": -1e999}')
    assert "too large" in err.message and at(err) == (2, 7)


def test_integer_with_too_many_digits_refused():
    err = refused("[" + "9" * 5000 + "]")
    assert "too many digits" in err.message and at(err) == (1, 2)


def test_depth_limit_exact():
    assert load_json("f", text="[" * MAX_DEPTH + "]" * MAX_DEPTH)
    err = refused("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert f"deeper than {MAX_DEPTH}" in err.message
    assert at(err) == (1, MAX_DEPTH + 1)


def test_custom_depth_limit_and_brackets_inside_strings_do_not_count():
    assert load_json("f", text='{"a": "[[[[[[[[[[", "b": [[1]]}', max_depth=3)
    err = refused('{"a": {"b": [1, {"c": 2}]}}', max_depth=3)
    assert at(err) == (1, 17)


def test_hundred_thousand_deep_is_an_input_error_not_recursion():
    err = refused("[" * 100_000 + "]" * 100_000)
    assert "deeper than" in err.message
    err = refused('{"a":' * 100_000 + "1" + "}" * 100_000)
    assert "deeper than" in err.message


def test_hostile_escapes_scan_in_linear_time():
    # more brackets than the depth limit forces the scan; a failing string match retried
    # from every escaped quote would be quadratic here
    text = "[]" * 300 + '"' + '\\"' * 1_000_000
    with no_hang():
        err = refused(text)
    assert err.message.startswith("invalid JSON")


def test_size_limit(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('["' + "x" * 100 + '"]')
    with pytest.raises(InputError) as info:
        load_json(p, max_bytes=50)
    assert "larger than 50 bytes" in info.value.message
    assert load_json(p, max_bytes=104) == ["x" * 100]
    err = refused('["' + "é" * 30 + '"]', max_bytes=50)  # 64 bytes, 34 characters
    assert "larger than" in err.message


def test_invalid_utf8(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b'{"a":\n  "caf\xe9"}')
    with pytest.raises(InputError) as info:
        load_json(p)
    assert "UTF-8" in info.value.message
    assert (info.value.line, info.value.column) == (2, 7)


@pytest.mark.parametrize(
    "text, where",
    [
        ('{"a": [1, 2,]}', (1, 13)),
        ('{"a": 1\n "b": 2}', (2, 2)),
        ("{'a': 1}", (1, 2)),
        ('{"a": 1} x', (1, 10)),
        ("", (1, 1)),
        ('"tab\tinside"', (1, 5)),
    ],
)
def test_syntax_errors(text, where):
    err = refused(text)
    assert err.message.startswith("invalid JSON: ")
    assert at(err) == where


# -- JSON Lines ---------------------------------------------------------------------------


def test_jsonl_yields_line_numbers_and_skips_blank_lines(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n   \n["\xe2\x80\xa8"]\n{"b": 2}')
    assert list(load_jsonl(p)) == [(1, {"a": 1}), (4, ["\u2028"]), (5, {"b": 2})]


def test_jsonl_from_text():
    assert list(load_jsonl("t", text="1\n\n[2]\n")) == [(1, 1), (3, [2])]


def test_jsonl_streams_until_the_bad_line(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text('{"a": 1}\n{"a": 2}\n\n{"a": 1, "a": 3}\n{"never": "read"}\n')
    records = load_jsonl(p)
    assert next(records) == (1, {"a": 1})
    assert next(records) == (2, {"a": 2})
    with pytest.raises(InputError) as info:
        next(records)
    err = info.value
    assert 'duplicate key "a" on line 4' in err.message
    assert (err.file, err.line, err.column) == (str(p), 4, 10)


@pytest.mark.parametrize(
    "line, message, column",
    [
        ('{"a": NaN}', "NaN is not a finite number", 7),
        ('{"a": }', "invalid JSON", 7),
        ("[" * (MAX_DEPTH + 1), "deeper than", MAX_DEPTH + 1),
    ],
)
def test_jsonl_errors_name_the_line(line, message, column):
    text = '{"ok": 1}\n\n' + line + "\n"
    with pytest.raises(InputError) as info:
        list(load_jsonl("t.jsonl", text=text))
    assert message in info.value.message
    assert (info.value.line, info.value.column) == (3, column)


def test_jsonl_invalid_utf8_names_the_line(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'1\n"\xff"\n')
    with pytest.raises(InputError) as info:
        list(load_jsonl(p))
    assert (info.value.line, info.value.column) == (2, 2)


def test_jsonl_line_limit(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'"' + b"x" * 18 + b'"\r\n' + b'"' + b"y" * 30 + b'"\n')
    records = load_jsonl(p, max_bytes=20)
    assert next(records) == (1, "x" * 18)  # exactly at the limit, CRLF not counted
    with pytest.raises(InputError) as info:
        next(records)
    assert "line 2 is longer than 20 bytes" in info.value.message
    assert info.value.line == 2


def test_jsonl_huge_line_without_newline_is_not_read_whole(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b"[" + b"1," * 100_000)
    with pytest.raises(InputError) as info:
        list(load_jsonl(p, max_bytes=1000))
    assert info.value.line == 1 and "longer than" in info.value.message


# -- locating a value by its path --------------------------------------------------------

DOC = """{
  "metadata": {"budget": 18, "costs": {"r1": 1.5}},
  "0.5": [
    {"id": "c0", "projects": [[{"name": "a"}], [ {"name": "b"} ]]},
    {"id": 17,
     "projects":
       [[], [{"name": "c", "needs": {"r9": 1}}]]}
  ],
  "a\\"b": {"\u00e9": [true, null]},
  "s": "{\\"0.5\\": [1]}"
}"""


@pytest.mark.parametrize(
    "path, where",
    [
        ((), (1, 1)),
        (("metadata",), (2, 15)),
        (("metadata", "costs", "r1"), (2, 46)),
        (("0.5",), (3, 10)),
        (("0.5", 0), (4, 5)),
        (("0.5", 0, "projects", 1, 0, "name"), (4, 59)),
        (("0.5", 1, "id"), (5, 12)),
        (("0.5", 1, "projects"), (7, 8)),
        (("0.5", 1, "projects", 1, 0, "needs", "r9"), (7, 44)),
        (('a"b', "é", 1), (9, 24)),  # keys written with escapes
        (("s",), (10, 8)),
    ],
)
def test_locate_finds_the_start_of_the_value(path, where):
    assert load_json("f.json", text=DOC)  # the fixture is valid JSON
    assert locate(DOC, path) == where


@pytest.mark.parametrize(
    "path, nearest",
    [
        (("nope",), (1, 1)),
        (("metadata", "costs", "r2"), (2, 39)),
        (("0.5", 2), (3, 10)),
        (("0.5", 1, "projects", 0, 0), (7, 9)),  # into an empty list
        (("0.5", "0"), (3, 10)),  # a key where an index belongs
        (("metadata", 0), (2, 15)),  # an index where a key belongs
        (("0.5", 0, "id", "x"), (4, 12)),  # below a scalar
        (("0.5", -1), (3, 10)),
    ],
)
def test_locate_missing_paths(path, nearest):
    assert locate(DOC, path) is None
    assert locate(DOC, path, nearest=True) == nearest


def test_locate_skips_leading_whitespace_and_a_bom():
    assert locate("\n\n   [1,\r\n\t 2]", (1,)) == (4, 3)
    assert locate('\ufeff{"a": 1}', ("a",)) == (1, 7)


def test_locate_in_text_that_is_not_json():
    assert locate("", ()) is None and locate("  ", (), nearest=True) is None
    assert locate('{"a": [1, 2', ("a", 5)) is None
    assert locate('{"a" 1}', ("a",), nearest=True) == (1, 1)
    assert locate('{"a": [1, 2', ("a", 1)) == (1, 11)


def test_locate_is_not_recursive_in_python():
    deep = "[" * 100_000 + "1" + "]" * 100_000
    assert locate(deep, (0,) * 5) == (1, 6)
    assert locate(deep, (1,)) is None  # skipping the sibling fails inside raw_decode


def test_read_text_drops_the_bom_and_keeps_the_guards(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b'\xef\xbb\xbf{"a":\n 1}')
    assert read_text(p) == '{"a":\n 1}'
    with pytest.raises(InputError, match="larger than"):
        read_text(p, max_bytes=5)
    p.write_bytes(b'"\xff"')
    with pytest.raises(InputError, match="UTF-8"):
        read_text(p)
