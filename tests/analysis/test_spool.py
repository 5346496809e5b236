"""`Spool`: a list kept as JSON lines, in memory up to a limit, then in a temporary file."""

import pytest

from coord.analysis import spool
from coord.analysis.spool import Spool


def test_items_come_back_in_order_and_as_lines():
    s = Spool([{"a": 1}, [1, 2], "é"])
    s.append(None)
    s += [3]
    assert len(s) == 5 and bool(s) and list(s) == [{"a": 1}, [1, 2], "é", None, 3]
    assert list(s.json_lines()) == [b'{"a":1}', b"[1,2]", '"é"'.encode(), b"null", b"3"]
    assert s[0] == {"a": 1} and s[-1] == 3 and s == [{"a": 1}, [1, 2], "é", None, 3]
    with pytest.raises(IndexError):
        s[5]
    assert not Spool() and list(Spool()) == []


def test_past_the_memory_limit_items_go_to_a_file(monkeypatch):
    monkeypatch.setattr(spool, "MEMORY", 1024)
    monkeypatch.setattr(spool, "BATCH", 16)
    s = Spool({"n": i, "pad": "x" * 50} for i in range(200))
    assert s._file._rolled  # on disk now
    assert len(s._pending) < 16  # written in batches: at most one batch is held
    assert [x["n"] for x in s] == list(range(200))
    s.append({"n": 200})  # appending after reading still appends at the end
    assert len(s) == 201 and s[-1] == {"n": 200}
