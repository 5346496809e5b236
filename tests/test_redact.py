"""`coord.redact`: secrets masked by value and by shape, and left alone otherwise."""

import pytest

from coord.redact import MASK, needs_redaction, redact, redact_text, secret_values

SHAPES = {
    "openai key": "sk-proj-AbCdEf0123456789GhIjKl",
    "anthropic key": "sk-ant-api03-AbCdEf0123456789GhIjKl_mn-op",
    "bearer": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
    "bearer lower case": "bearer abcdefgh12345678",
    "url credentials": "https://user:hunter2@proxy.example.com:8080/v1",
    "basic auth in url": "http://admin:s3cr3t@127.0.0.1:11434/api",
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_are_masked_in_text(name):
    secret = SHAPES[name]
    text = f"calling with {secret} now"
    assert needs_redaction(text, [])
    out = redact_text(text, [])
    assert MASK in out and out.startswith("calling with ") and out.endswith(" now")
    for part in ("AbCdEf0123456789", "eyJhbGciOiJIUzI1NiJ9", "abcdefgh12345678"):
        assert part not in out
    for password in ("hunter2", "s3cr3t"):
        assert password not in out


def test_url_credentials_keep_the_scheme_and_host():
    out = redact_text("https://user:hunter2@proxy.example.com/v1", [])
    assert out == f"https://{MASK}@proxy.example.com/v1"


def test_by_value_from_the_environment(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_API_KEY", "plain-looking-value-42")
    monkeypatch.setenv("SOME_AUTH_TOKEN", "tok_9f8e7d6c5b")
    monkeypatch.setenv("GREETING_TEXT", "plain-looking-value-43")
    monkeypatch.setenv("SHORT_API_KEY", "abc")  # too short to be a key: not masked
    values = secret_values()
    assert "plain-looking-value-42" in values and "tok_9f8e7d6c5b" in values
    assert "plain-looking-value-43" not in values and "abc" not in values
    out = redact_text("a=plain-looking-value-42 b=tok_9f8e7d6c5b c=plain-looking-value-43")
    assert out == f"a={MASK} b={MASK} c=plain-looking-value-43"


def test_by_field_name_in_structures():
    data = {
        "api_key": "anything",
        "headers": {"Authorization": "whatever", "x-api-key": "k", "accept": "json"},
        "nested": [{"password": "pw", "user": "ann"}],
        "token": "",  # empty: nothing to hide, left as is
        "input_tokens": 1200,  # a usage count, not a credential
    }
    out = redact(data, [])
    assert out["api_key"] == MASK
    assert out["headers"] == {"Authorization": MASK, "x-api-key": MASK, "accept": "json"}
    assert out["nested"] == [{"password": MASK, "user": "ann"}]
    assert out["token"] == "" and out["input_tokens"] == 1200


def test_secrets_inside_strings_of_a_structure():
    out = redact({"error": "401 for key sk-ant-api03-AbCdEf0123456789GhIj", "n": 3}, [])
    assert out == {"error": f"401 for key {MASK}", "n": 3}


def test_clean_values_are_returned_unchanged():
    # the common case on every transcript line: nothing to do, the same object back
    data = {
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        "usage": {"input_tokens": 10, "output_tokens": 2},
        "url": "http://127.0.0.1:8765/v1",
        "text": "ask for the key-value store; an email a@b.c; skip the sk- prefix",
    }
    assert not needs_redaction(str(data).replace("'", '"'), [])
    assert redact(data, []) is data


def test_each_prefilter_still_lets_its_shape_through():
    # needs_redaction only runs a shape's regex when a cheap literal is present; each shape
    # must still be caught with other text around it, in any letter case the regex allows
    for text in (
        '{"content": "use BEARER abcdefgh12345678 here"}',
        '{"u": "ftp://me:pw@host/x"}',
        '{"Api-Key": 1}',
        '{"client_secret": "x"}',
        '{"k": "sk-ant-0123456789abcdefghij"}',
    ):
        assert needs_redaction(text, []), text
