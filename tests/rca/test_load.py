import pytest
from rcadata import SHARED, write

from coord.errors import CoordError, InputError, UsageError
from coord.rca.load import case_loaders, discover, iter_cases, load_generic, truth_from_name
from coord.rca.model import service_of

WIDE = "time,a_cpu,a_lat,b_cpu,b_lat\n" + "".join(
    f"{t},{1 + (t % 3) * 0.1},{10 + t % 2},{2 + (t % 2) * 0.1},{20 + t % 3}\n"
    for t in range(100, 160)
)


def test_service_of_pods():
    assert service_of("cartservice-579f59597d-wc2lz") == "cartservice"
    assert service_of("ts-basic-service-5dc8d4f9fd-llznp") == "ts-basic-service"
    assert service_of("front-end") == "front-end"


def test_truth_from_names():
    t = truth_from_name("carts-cpu")
    assert (t.service, t.fault, t.kind) == ("carts", "cpu", "cpu")
    t = truth_from_name("1", "ts-auth-service_delay")
    assert (t.service, t.fault, t.kind) == ("ts-auth-service", "delay", "latency")
    assert truth_from_name("nothing") is None


def test_pairs_case(data):
    (case,) = iter_cases(data / "rcd-sock-shop" / "carts-cpu" / "1")
    assert case.truth.service == "carts"
    assert ("carts", "cpu") in case.series
    s = case.series[("carts", "cpu")]
    assert (s.times[:-1] <= s.times[1:]).all()
    assert s.times[0] < case.inject_time <= s.times[-1]


def test_nezha_cases(data):
    loaders = case_loaders(data / "nezha" / "2022-08-22")
    assert [n for n, _ in loaders] == ["2022-08-22/01", "2022-08-22/02", "2022-08-22/03"]
    case = loaders[0][1]()
    assert case.truth.service == "frontend" and case.truth.kind == "cpu"
    assert ("frontend", "CpuUsageRate(%)") in case.series
    assert not any(ind.startswith("Node") for _, ind in case.series)
    assert ("frontend", "checkoutservice") in case.edges
    assert not any(a.startswith("33.") or b.startswith("33.") for a, b in case.edges)
    assert any("TimeStamp disagrees" in w for w in case.warnings)
    code = loaders[1][1]()
    assert code.truth.kind == "log"  # a code-level fault: its fine-grained cause is in logs


def test_nezha_logs_stream(data):
    (case,) = iter_cases(data / "nezha" / "2023-01-30", "1")
    first = next(iter(case.log_records()))
    ts, svc, msg = first
    assert svc.startswith("ts-") and isinstance(ts, float) and not msg.startswith("{")


def test_nezha_pick_unknown(data):
    with pytest.raises(InputError, match="no case"):
        case_loaders(data / "nezha" / "2022-08-22", "9")


def test_discover(data):
    found = discover(data)
    assert data / "rcd-sock-shop" / "carts-cpu" / "1" in found
    assert data / "nezha" / "2022-08-22" in found


def test_generic_wide(tmp_path):
    m = write(tmp_path / "m.csv", WIDE)
    case = load_generic(m, [], None, "130")
    assert case.inject_time == 130 and set(case.services) == {"a", "b"}


def test_generic_long_and_topology(tmp_path):
    rows = "".join(f"{t},a-5f6585d649-fnmft,cpu,{1 + (t > 140) * 5}\n" for t in range(100, 160))
    rows += "".join(f"{t},b,cpu,{2 + t % 2}\n" for t in range(100, 160))
    m = write(tmp_path / "long.csv", "timestamp,service,metric,value\n" + rows)
    topo = write(tmp_path / "t.yaml", "a: [b, c]\n")
    case = load_generic(m, [], topo, "141")
    assert ("a", "cpu") in case.series
    assert ("a", "b") in case.edges
    assert any("without metrics: c" in w for w in case.warnings)


def test_change_point_when_no_inject_time(tmp_path):
    rows = "".join(
        f"{t},{1.0 + (t % 3) * 0.01 + (5 if t >= 150 else 0)},{2 + t % 2 * 0.01}\n"
        for t in range(100, 200)
    )
    m = write(tmp_path / "m.csv", "time,a_cpu,b_cpu\n" + rows)
    case = load_generic(m, [], None, None)
    assert abs(case.inject_time - 150) <= 5
    assert any("change-point" in w for w in case.warnings)


@pytest.mark.parametrize(
    "text, inject, match",
    [
        ("", "130", "empty"),
        ("time,a_cpu\n", "130", "no data rows"),
        ("when,a_cpu\n1,2\n", "130", "no time column"),
        ("time,a_cpu\nnoon,1\nlater,2\n", "130", "no readable timestamp"),
        (WIDE, "99999", "outside the data"),
        (WIDE, "101", "empty window"),
    ],
)
def test_bad_metrics(tmp_path, text, inject, match):
    m = write(tmp_path / "m.csv", text)
    with pytest.raises(CoordError, match=match) as info:
        load_generic(m, [], None, inject)
    assert info.value.exit_code == 2


def test_bad_rows_dropped_with_warning(tmp_path):
    m = write(tmp_path / "m.csv", WIDE.replace("\n105,", "\nsoon,", 1))
    case = load_generic(m, [], None, "130")
    assert any("unreadable timestamps dropped (first at line 7" in w for w in case.warnings)


def test_bad_inject_time_flag(tmp_path):
    m = write(tmp_path / "m.csv", WIDE)
    with pytest.raises(UsageError, match="--inject-time"):
        load_generic(m, [], None, "tomorrow")


def test_logs_only_need_inject_time(tmp_path):
    log = write(tmp_path / "a.log", "2024-01-01T00:00:00Z a hello\n")
    with pytest.raises(UsageError, match="inject-time"):
        load_generic(None, [log], None, None)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present")
def test_shared_sets_load():
    names = [n for p in discover(SHARED / "nezha") for n, _ in case_loaders(p)]
    assert len(names) == 24 + 32 + 17


def test_rcaeval_folder(tmp_path):
    case_dir = tmp_path / "cartservice_delay" / "2"
    write(case_dir / "data.csv", WIDE.replace("a_", "cartservice_"))
    write(case_dir / "inject_time.txt", "130\n")
    write(
        case_dir / "logs.csv",
        "timestamp,container_name,message\n"
        "120,cartservice,GET /cart ok\n140,cartservice,ERROR timeout\n",
    )
    (case,) = iter_cases(case_dir)
    assert case.inject_time == 130
    assert (case.truth.service, case.truth.fault, case.truth.kind) == (
        "cartservice",
        "delay",
        "latency",
    )
    assert [s for _, s, _ in case.log_records()] == ["cartservice", "cartservice"]
    write(case_dir / "inject_time.txt", "half past\n")
    with pytest.raises(InputError, match="inject_time.txt"):
        list(iter_cases(case_dir))
