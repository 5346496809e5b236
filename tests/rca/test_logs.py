from rcadata import write

from coord.rca.logs import LogReader, clean, is_error, mine


def test_clean_masks_ids_and_numbers():
    text = clean(
        "19:50:59.971 INFO TraceID: 2ffbc4a03bbc5600 SpanID: 04ba577c order 1234 from "
        "10.0.0.1:8080 id 3f2a9c1e-1b2c-4d5e-8f90-123456789abc"
    )
    assert "1234" not in text and "10.0.0.1" not in text and "3f2a9c1e" not in text
    assert "TraceID" not in text and "order" in text


def test_is_error():
    assert is_error("java.lang.NullPointerException at Foo")
    assert is_error("ERROR connection refused")
    assert not is_error("INFO order placed")


def test_readers(tmp_path):
    plain = write(
        tmp_path / "p.log",
        "2024-01-01T00:00:01Z svc-a hello 1\n2024-01-01 00:00:02 svc-b world\ngarbage\n",
    )
    r = LogReader(plain)
    recs = list(r)
    assert [s for _, s, _ in recs] == ["svc-a", "svc-b"]
    assert r.skipped == 1
    assert any("1 unreadable log lines skipped (first at line 3)" in w for w in r.warnings())
    jl = write(tmp_path / "j.jsonl", '{"time": 1704067201, "service": "a", "message": "x"}\n')
    assert list(LogReader(jl)) == [(1704067201.0, "a", "x")]
    c = write(
        tmp_path / "c.csv",
        "Timestamp,PodName,Log\n"
        '2024-01-01T00:00:01Z,cart-5f6585d649-fnmft,"{""log"":""boom\\n""}"\n',
    )
    assert list(LogReader(c))[0][1:] == ("cart", "boom")


def test_mine_new_error_template():
    t0 = 1000.0
    recs = [(t0 - 100 + i, "a", f"GET /items {i} ok") for i in range(100)]
    recs += [(t0 - 100 + i, "b", f"GET /cart {i} ok") for i in range(100)]
    recs += [(t0 + i, "a", f"GET /items {i} ok") for i in range(50)]
    recs += [(t0 + i, "b", f"ERROR payment timeout after {i} ms") for i in range(50)]
    ev = mine(iter(recs), t0, 200, 200)
    fb, fa = ev.features("b"), ev.features("a")
    assert fb["new_errors"] == 1 and fa["new_errors"] == 0
    assert fb["shift"] > fa["shift"]
    assert ev.features("nobody")["lines"] == 0
