import json

import pytest
from helpers import MINIMAL, no_hang

REQUEST_COMMIT_OK = [
    {"roles": {"ann": "requester", "pat": "performer"}},
    {
        "id": "m1",
        "agent": "ann",
        "to": "pat",
        "type": "request",
        "content": {"task": "summarise", "params": {}},
    },
    {"id": "m2", "agent": "pat", "to": "ann", "type": "agree", "in_reply_to": "m1", "content": {}},
    {"id": "m3", "agent": "pat", "to": "ann", "type": "deliver", "content": {"result": "done"}},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_bundled_protocols_lint_clean(coord):
    names = [p["name"] for p in coord("protocols", "list", "--format", "json").json()["protocols"]]
    assert {"negotiation", "request-commit", "contract-net", "forecast-aggregation"} <= set(names)
    for name in names:
        r = coord("validate", name)
        assert r.code == 0, (name, r.out)


def test_a_coord_run_transcript_validates_clean(coord, scenario, tmp_path):
    r = coord("run", scenario(MINIMAL), "--out", tmp_path / "o", "--format", "json")
    transcript = r.json()["runs"][0]["transcript"]
    r = coord("validate", "negotiation", transcript, "--format", "json")
    assert r.code == 0, r.out
    doc = r.json()
    assert doc["schema_version"] == 1 and doc["files"][0]["ok"] and not doc["files"][0]["findings"]
    states = {c["state"] for c in doc["files"][0]["commitments"]}
    assert states <= {"discharged", "expired"}


def test_interchange_transcript_clean_and_acting_on_ack(coord, tmp_path):
    ok = write_jsonl(tmp_path / "ok.jsonl", REQUEST_COMMIT_OK)
    assert coord("validate", "request-commit", ok).code == 0
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            REQUEST_COMMIT_OK[0],
            REQUEST_COMMIT_OK[1],
            {"id": "m2", "agent": "pat", "to": "ann", "type": "ack", "in_reply_to": "m1"},
            {
                "id": "m3",
                "agent": "pat",
                "to": "ann",
                "type": "deliver",
                "content": {"result": "done"},
            },
        ],
    )
    r = coord("validate", "request-commit", bad, "--format", "json")
    assert r.code == 1
    codes = [f["code"] for f in r.json()["files"][0]["findings"]]
    assert "T011" in codes
    t011 = next(f for f in r.json()["files"][0]["findings"] if f["code"] == "T011")
    assert "only acknowledged m1; no agree" in t011["message"]


def test_sarif_output(coord, tmp_path):
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        REQUEST_COMMIT_OK[:2]
        + [
            {"id": "m2", "agent": "pat", "to": "ann", "type": "deliver", "content": {"result": "x"}}
        ],
    )
    r = coord("validate", "request-commit", bad, "--format", "sarif")
    sarif = r.json()
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results and results[0]["ruleId"].startswith("T")
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] >= 2


def test_roles_flag_and_missing_roles(coord, tmp_path):
    rows = REQUEST_COMMIT_OK[1:]
    f = write_jsonl(tmp_path / "noroles.jsonl", rows)
    r = coord("validate", "request-commit", f)
    assert r.code == 2 and "--roles" in r.err
    assert (
        coord("validate", "request-commit", f, "--roles", "ann=requester,pat=performer").code == 0
    )
    assert coord("validate", "request-commit", f, "--roles", "ann").code == 2


@pytest.mark.parametrize(
    "text,code",
    [
        (
            "schema_version: 1\nname: x\nroles: [a]\nmessages: {}\n"
            "flow: {initial: s, transitions: []}\nextra: &x 1\nmore: *x\n",
            "P001",
        ),
    ],
)
def test_bad_protocol_lint(coord, tmp_path, text, code):
    p = tmp_path / "p.yaml"
    p.write_text(text)
    r = coord("validate", p, "--format", "json")
    assert r.code == 2  # P001/P002: the protocol cannot be used at all
    assert code in {f["code"] for f in r.json()["files"][0]["findings"]}


def test_transcript_against_a_broken_protocol_is_unusable_input(coord, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(
        "schema_version: 1\nname: x\nroles: [a]\nmessages: {m: {from: b, to: a}}\n"
        "flow: {initial: s, transitions: [{from: s, msg: m, to: s}]}\n"
    )
    t = write_jsonl(tmp_path / "t.jsonl", REQUEST_COMMIT_OK)
    r = coord("validate", p, t)
    assert r.code == 2 and "P003" in r.err


HOSTILE_SCHEMAS = {
    "file ref": {"$ref": "file:///etc/passwd"},
    "cycle": {
        "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
        "$ref": "#/$defs/a",
    },
    "redos": {"type": "string", "pattern": "^(a+)+$"},
}


def protocol_with(schema):
    return (
        "schema_version: 1\nname: x\nroles: [a, b]\n"
        f"messages: {{m: {{from: a, to: b, schema: {json.dumps(schema)}}}}}\n"
        "flow: {initial: s, terminal: [t], transitions: [{from: s, msg: m, to: t}]}\n"
    )


@pytest.mark.parametrize("name", sorted(HOSTILE_SCHEMAS))
def test_hostile_schemas_exit_2_quickly(coord, tmp_path, name):

    p = tmp_path / "p.yaml"
    p.write_text(protocol_with(HOSTILE_SCHEMAS[name]))
    with no_hang():  # the point is that it cannot hang
        r = coord("validate", p)
    assert r.code == 2 and "P002" in r.out and "Traceback" not in r.err


def test_remote_ref_reaches_no_server(coord, tmp_path):
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/schema.json"
        p = tmp_path / "p.yaml"
        p.write_text(protocol_with({"$ref": url}))
        r = coord("validate", p)
        assert r.code == 2 and "P002" in r.out
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_hostile_transcripts_are_unusable_input(coord, tmp_path):
    nan = tmp_path / "nan.jsonl"
    nan.write_text(
        json.dumps(REQUEST_COMMIT_OK[0]) + '\n{"id": "m1", "agent": "ann", '
        '"type": "request", "content": {"x": NaN}}\n'
    )
    r = coord("validate", "request-commit", nan)
    assert r.code == 2 and "nan.jsonl:2" in r.err
    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps(REQUEST_COMMIT_OK[0]) + "\n" + "[" * 10000 + "]" * 10000 + "\n")
    r = coord("validate", "request-commit", deep)
    assert r.code == 2 and "deep.jsonl:2" in r.err


def test_missing_or_odd_transcript_paths_are_usage_errors(coord, tmp_path):
    for arg, needle in [
        (tmp_path / "nope.jsonl", "no such file"),
        (tmp_path, "not a file"),
        ("-", "standard input"),
    ]:
        r = coord("validate", "request-commit", arg)
        assert r.code == 2 and needle in r.err and "internal error" not in r.err


def test_undeclared_role_is_a_usage_error(coord, tmp_path):
    rows = [{"roles": {"ann": "requestor", "pat": "performer"}}] + REQUEST_COMMIT_OK[1:]
    r = coord("validate", "request-commit", write_jsonl(tmp_path / "t.jsonl", rows))
    assert r.code == 2 and 'did you mean "requester"' in r.err
    r = coord(
        "validate",
        "request-commit",
        write_jsonl(tmp_path / "u.jsonl", rows[1:]),
        "--roles",
        "ann=requester,ann=performer",
    )
    assert r.code == 2 and "two roles" in r.err


def test_sarif_uris_are_uris(coord, tmp_path):
    bad = write_jsonl(
        tmp_path / "my run #1.jsonl",
        REQUEST_COMMIT_OK[:2]
        + [{"id": "m2", "agent": "pat", "to": "ann", "type": "deliver", "content": {"result": 1}}],
    )
    uri = coord("validate", "request-commit", bad, "--format", "sarif").json()["runs"][0][
        "results"
    ][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and "%20" in uri and "%23" in uri
