from coord.rca.agents import Evidence
from coord.rca.logmine import _surprising, mine
from coord.rca.model import Case

T0 = 1_700_000_000.0


def _records(root_errors=True, named=True, trace=True):
    """front calls cart; cart breaks at T0 (an exception with a trace); front fails later."""
    out = []
    for i in range(-180, 180):
        t = T0 + i
        out.append((t, "front", f"GET /home id={i} 200"))
        out.append((t, "cart", f"query items id={i} ok"))
        if i >= 0 and i % 3 == 0 and root_errors:
            out.append((t + 0.1, "cart", "ERROR CatalogueImpl#118 java.lang.NullPointerException"))
            if trace:
                out.append(
                    (t + 0.101, "cart", "\tat com.x.CatalogueImpl.query(CatalogueImpl.java:118)")
                )
                out.append((t + 0.102, "cart", "\tat com.x.Controller.get(Controller.java:40)"))
        if i >= 20 and i % 2 == 0:
            who = "cart" if named else "the backend"
            out.append((t + 0.2, "front", f"ERROR call to {who} failed: 500 (request {i})"))
            for k in range(5):  # the caller prints a longer trace than the root
                out.append(
                    (t + 0.201 + k / 1000, "front", f"\tat org.client.Rest.call(Rest.java:{k})")
                )
    return out


def test_stack_traces_fold_into_their_error_and_name_the_exception():
    ev = mine(iter(_records()), T0, 180, 180, known=["front", "cart"])
    fb, fa = ev.features("cart"), ev.features("front")
    assert fb["lines"] == 360 + 60  # trace lines are not counted as lines
    assert ev.services["cart"].traces == [0, 60]
    assert fb["new_exceptions"] == ["java.lang.NullPointerException"]
    assert fa["errors"] == 80 and ev.services["front"].traces == [0, 80]
    assert fb["onset"] is not None and fa["onset"] is not None and fb["onset"] < fa["onset"]


def test_mentions_record_the_named_service_only_when_known():
    ev = mine(iter(_records()), T0, 180, 180, known=["front", "cart"])
    assert ev.features("front")["mentions"] == {"cart": 80}
    ev = mine(iter(_records()), T0, 180, 180)
    assert ev.features("front")["mentions"] == {}


def _case(records):
    return Case("c", {}, T0, logs=lambda: iter(records), edges=[("front", "cart")])


def test_errors_naming_a_callee_point_at_it():
    """The caller logs more errors than the root, but they name the root."""
    ev = Evidence(_case(_records()))
    scores = ev.log_scores()
    assert scores["cart"] > scores["front"]
    # Without the mention, both services' own logs changed.
    ev = Evidence(_case(_records(named=False)))
    assert ev.log_feature("cart")["own"] > 0 and ev.log_feature("front")["own"] > 0


def test_rare_templates_are_not_new_by_chance():
    assert not _surprising(2, 1.0)  # twice where a rare line might show once
    assert _surprising(6, 1.0)
    assert _surprising(3, 0.05)
    assert not _surprising(1, 0.0)
