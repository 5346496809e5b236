"""coord.analysis.text: the deterministic reader of negotiation free text."""

from __future__ import annotations

import pytest

from coord.analysis.text import (
    Quantity,
    Referent,
    ack_phrase,
    agreement_phrase,
    normalise_number,
    read_quantities,
    referents,
)

R = {
    "r1": ["r1", "resource 1", "wood"],
    "r2": ["r2", "resource 2", "stone"],
    "r3": ["r3", "resource 3", "clay"],
}
THEMED = {"berry": ["berry"], "glass": ["glass"], "iron": ["iron ore"]}
PROJECTS = ["a", "b", "project_b"]

S, P, U = "speaker", "partner", None


def q(text: str, resources=R, projects=PROJECTS) -> list[tuple[str, int, str | None]]:
    return [(x.resource, x.amount, x.owner) for x in read_quantities(text, resources, projects)]


# ------------------------------------------------------------------------ normalise_number


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3),
        ("03", 3),
        ("1,000", 1000),
        ("zero", 0),
        ("one", 1),
        ("Three", 3),
        ("twelve", 12),
        ("twenty", 20),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("ninety-nine", 99),
        ("one hundred", 100),
        ("a hundred", 100),
        ("one hundred and five", 105),
        ("two hundred twenty-one", 221),
        ("three thousand", 3000),
        ("a dozen", 12),
        ("dozen", 12),
        ("two dozen", 24),
        ("half a dozen", 6),
        ("a couple of", 2),
        ("a couple", 2),
        ("a pair of", 2),
        ("a single", 1),
        (" seven ", 7),
    ],
)
def test_normalise_number(raw, value):
    assert normalise_number(raw) == value


@pytest.mark.parametrize(
    "raw",
    ["", "a", "an", "1.5", "$18", "p3", "three four", "hundred", "and", "twenty twelve", "x3",
     "some", "few", "one and two", "zero one"],
)  # fmt: skip
def test_normalise_number_rejects(raw):
    assert normalise_number(raw) is None


# ------------------------------------------------------------------------ read_quantities

QUANTITY_CASES = [
    # the brief's examples
    (
        "Sounds good — I'll take 9 of r2 and you take the 6 r3.",
        [("r2", 9, S), ("r3", 6, P)],
    ),
    ("Got it, I'll consider your offer of three wood.", [("r1", 3, U)]),
    ("No deal unless you leave me at least 4 stone.", [("r2", 4, S)]),
    (
        "Deal! Per proposal p3: you get 3 r1 + 9 r2, I keep r3 ×6.",
        [("r1", 3, P), ("r2", 9, P), ("r3", 6, S)],
    ),
    ("My reward is 9 per run of project a, so I'd like 9 r2.", [("r2", 9, S)]),
    ("In round 2 you took 3 r1.", [("r1", 3, P)]),
    # lists distribute the owner until the next cue
    ("I take 3 r1 and 9 r2; you take 6 r3", [("r1", 3, S), ("r2", 9, S), ("r3", 6, P)]),
    ("I take 3 r1, 9 r2, you take 6 r3.", [("r1", 3, S), ("r2", 9, S), ("r3", 6, P)]),
    ("You get 3 r1 and 2 r2 while I get 6 r3.", [("r1", 3, P), ("r2", 2, P), ("r3", 6, S)]),
    # speaker cues
    ("I'll buy 4 wood.", [("r1", 4, S)]),
    ("I need 2 stone for my project.", [("r2", 2, S)]),
    ("I'd like 5 clay please.", [("r3", 5, S)]),
    ("Give me 2 r1 and we're good.", [("r1", 2, S)]),
    ("Could you give me 2 r1?", [("r1", 2, S)]),
    ("Please leave me 3 r3.", [("r3", 3, S)]),
    ("My share: 4 r2, 1 r3.", [("r2", 4, S), ("r3", 1, S)]),
    ("I keep 6 r3.", [("r3", 6, S)]),
    ("For me: 3 r1 and 3 r2.", [("r1", 3, S), ("r2", 3, S)]),
    ("I'm going to purchase 7 r2 this round.", [("r2", 7, S)]),
    ("I would really like to get 3 units of wood.", [("r1", 3, S)]),
    ("4 stone for me, 2 clay for you.", [("r2", 4, S), ("r3", 2, P)]),
    ("3 r1 and 9 r2 are mine.", [("r1", 3, S), ("r2", 9, S)]),
    # partner cues
    ("You can have 6 r3.", [("r3", 6, P)]),
    ("You buy 2 r1.", [("r1", 2, P)]),
    ("Your share is 5 stone.", [("r2", 5, P)]),
    ("I can give you 3 wood.", [("r1", 3, P)]),
    ("That leaves you 6 r3.", [("r3", 6, P)]),
    ("That leaves 6 r3 for you.", [("r3", 6, P)]),
    ("You keep 2 clay.", [("r3", 2, P)]),
    ("Would you take 4 r2 instead?", [("r2", 4, P)]),
    ("I'll let you have 3 stone.", [("r2", 3, P)]),
    ("Me: 3 r1, 9 r2. You: 6 r3.", [("r1", 3, S), ("r2", 9, S), ("r3", 6, P)]),
    # no cue → owner unknown
    ("There are only 10 r1 in supply.", [("r1", 10, U)]),
    ("Project b uses 2 stone.", [("r2", 2, U)]),
    ("We each take 3 r1.", [("r1", 3, "both")]),
    ("Let's split evenly: 5 r1 and 5 r2 each.", [("r1", 5, "both"), ("r2", 5, "both")]),
    ("Each of us gets 4 r2.", [("r2", 4, "both")]),
    ("I take 3 r1 each round.", [("r1", 3, S)]),
    # a clause boundary ends the owner's reach
    ("I take 3 r1. 6 r3 remain on the market.", [("r1", 3, S), ("r3", 6, U)]),
    ("I take 3 r1 but 6 r3 stay unclaimed.", [("r1", 3, S), ("r3", 6, U)]),
    # number words and plural / singular / unit forms
    ("I'll take three woods.", [("r1", 3, S)]),
    ("I'll take a dozen stones.", [("r2", 12, S)]),
    ("I need twenty-one units of clay.", [("r3", 21, S)]),
    ("You get one hundred wood.", [("r1", 100, P)]),
    ("Could I get a couple of r2?", [("r2", 2, S)]),
    ("I'll take a pair of wood units.", [("r1", 2, S)]),
    ("Give me half a dozen clay.", [("r3", 6, S)]),
    ("I want 5 resource 1 and 2 resource_2.", [("r1", 5, S), ("r2", 2, S)]),
    ("I want 5 Resource-1.", [("r1", 5, S)]),
    ("I want 4 WOOD.", [("r1", 4, S)]),
    ("I want 2 r1s.", [("r1", 2, S)]),
    ("I want one more r1.", [("r1", 1, S)]),
    ("I want 2 extra units of stone.", [("r2", 2, S)]),
    # number after the resource
    ("I take r1: 3, r2: 9.", [("r1", 3, S), ("r2", 9, S)]),
    ("you get r1 x3 and r2 x9", [("r1", 3, P), ("r2", 9, P)]),
    ("I keep r3 × 6", [("r3", 6, S)]),
    ("I keep r3×6", [("r3", 6, S)]),
    ("I take 3x r1 and 2x r2", [("r1", 3, S), ("r2", 2, S)]),
    ("I take 3 × r1", [("r1", 3, S)]),
    ("I take wood (3) and stone (two).", [("r1", 3, S), ("r2", 2, S)]),
    ("Split — r1 = 4 for me.", [("r1", 4, S)]),
    ("You get stone: three.", [("r2", 3, P)]),
    # zero
    ("I need no clay.", [("r3", 0, S)]),
    ("You get 0 r2.", [("r2", 0, P)]),
    # "6 of the 9"
    ("I'll take 6 of the 9 r2.", [("r2", 6, S)]),
    ("You take three of the six stone.", [("r2", 3, P)]),
    # themed names: irregular plurals
    ("I'll take 3 berries and 2 glasses.", [("berry", 3, S), ("glass", 2, S)]),
    ("You get 2 iron ores.", [("iron", 2, P)]),
    ("You get 1 berry.", [("berry", 1, P)]),
    # owners through attitude words, arrows and lists
    (
        "I'd be happy to take 9 of r2 if you're okay with taking the 10 r1.",
        [("r2", 9, S), ("r1", 10, P)],
    ),
    ("Let's do: me -> 9 r2; you -> 3 r1 + 6 r3.", [("r2", 9, S), ("r1", 3, P), ("r3", 6, P)]),
    ("- Me: 9 r2\n- You: 3 r1, 6 r3", [("r2", 9, S), ("r1", 3, P), ("r3", 6, P)]),
    ("**Proposal**: I take `9 r2`; you take `3 r1`.", [("r2", 9, S), ("r1", 3, P)]),
    # an owner after a run of amounts owns that run only, not the amounts after it
    (
        "Suggestion: 2 wood and 6 stone to me, 5 clay and 1 wood to you.",
        [("r1", 2, S), ("r2", 6, S), ("r3", 5, P), ("r1", 1, P)],
    ),
    (
        "My plan would be 4 r3 for you and 3 r1 plus 9 r2 for me.",
        [("r3", 4, P), ("r1", 3, S), ("r2", 9, S)],
    ),
    # the resource named first, then bare amounts with their owners
    (
        "We each take 5 stone; as for wood, I get 3 and you get 7.",
        [("r2", 5, "both"), ("r1", 3, S), ("r1", 7, P)],
    ),
    ("Regarding r3: you take 4, I take 2.", [("r3", 4, P), ("r3", 2, S)]),
]


@pytest.mark.parametrize(("text", "expected"), QUANTITY_CASES)
def test_read_quantities(text, expected):
    resources = THEMED if any(w in text for w in ("berr", "glass", "iron")) else R
    assert q(text, resources) == expected


NO_QUANTITY = [
    "My reward is 9 per run of project a.",
    "I have a budget of 18.",
    "That costs 1.5 per unit.",
    "It would cost me $18.",
    "We are in round 2.",
    "See proposal 2 and p3.",
    "I want to run project a 3 times.",
    "3 runs of project a would be ideal.",
    "project_b x3 is my best plan.",
    "I'd do project b ×2.",
    "Let's discuss wood first.",
    "The price of stone: $3.",
    "Each run needs 2 r1 per run.",
    "I got 12 points last game.",
    "We have 2 projects.",
    "r10 is not a resource here.",
    "Woodland and stonework are not resources.",
    "I value r1 at 3 dollars.",
    "I'll take the 3rd option.",
    "With stone I get 3 runs of project a.",  # runs, not an amount of stone
]


@pytest.mark.parametrize("text", NO_QUANTITY)
def test_read_quantities_ignores(text):
    assert q(text) == []


def test_round_number_is_not_an_amount():
    got = read_quantities("In round 2 you took 3 r1.", R)
    assert [(x.amount, x.owner) for x in got] == [(3, "partner")]


def test_spans_point_at_the_mention():
    text = "Deal! Per proposal p3: you get 3 r1 + 9 r2, I keep r3 ×6 units."
    got = read_quantities(text, R)
    assert [text[s:e] for s, e in (x.span for x in got)] == ["3 r1", "9 r2", "r3 ×6 units"]
    assert all(isinstance(x, Quantity) for x in got)


def test_spans_survive_typographic_apostrophes():
    text = "I\u2019ll take twenty\u2011one wood; you\u2019ll take 9 of r2."
    got = read_quantities(text, R)
    assert [(x.resource, x.amount, x.owner) for x in got] == [("r1", 21, S), ("r2", 9, P)]
    assert [text[s:e] for s, e in (x.span for x in got)] == ["twenty\u2011one wood", "9 of r2"]


def test_canonical_name_is_an_alias_and_aliases_may_be_empty():
    assert q("I take 3 r1", {"r1": []}) == [("r1", 3, S)]


def test_longest_alias_wins():
    res = {"ore": ["ore"], "iron": ["iron ore"]}
    assert q("I take 3 iron ore", res) == [("iron", 3, S)]


def test_projects_mapping_with_aliases():
    text = "I'll run the widget 3 times; give me widget x2 and 2 r1."
    got = read_quantities(text, R, {"a": ["widget"]})
    assert [(x.resource, x.amount) for x in got] == [("r1", 2)]


def test_deterministic():
    text = "Deal! Per proposal p3: you get 3 r1 + 9 r2, I keep r3 ×6."
    assert read_quantities(text, R) == read_quantities(text, R)


# ------------------------------------------------------------------------- agreement_phrase

AGREEMENT_CASES = [
    ("Deal!", "Deal"),
    ("deal.", "deal"),
    ("Okay, deal. I'll buy 3 r1 now.", "deal"),
    ("Deal! Per proposal p3: you get 3 r1 + 9 r2, I keep r3 ×6.", "Deal"),
    ("It's a deal.", "It's a deal"),
    ("It\u2019s a deal.", "It\u2019s a deal"),
    ("Great — we have a deal.", "we have a deal"),
    ("You've got a deal!", "You've got a deal"),
    ("Agreed. I'll buy my share now.", "Agreed"),
    ("I agree with your split.", "agree"),
    ("I fully agree.", "agree"),
    ("Sounds good — I'll take 9 of r2 and you take the 6 r3.", "Sounds good"),
    ("That sounds great to me.", "sounds great"),
    ("That works for me.", "That works"),
    ("It works for me.", "works for me"),
    ("OK, that works.", "that works"),
    ("I'll take it.", "I'll take it"),
    ("I confirm: 3 r1 for me, 6 r3 for you.", "confirm"),
    ("Confirmed.", "Confirmed"),
    ("Accepted.", "Accepted"),
    ("I accept proposal p3.", "accept"),
    ("I'm happy to accept that.", "accept"),
    ("That's acceptable to me.", "acceptable"),
    ("Let's do it!", "Let's do it"),
    ("Let's go with option B.", "Let's go with option"),
    ("Perfect!", "Perfect"),
    ("That's perfect.", "That's perfect"),
    ("Done.", "Done"),
    ("No problem, deal!", "deal"),
    ("No worries — sounds good.", "sounds good"),
    ("As agreed, I'm buying 3 r1.", "agreed"),
    ("Deal, right?", "Deal"),
    ("Hmm, let me think. OK, deal!", "deal"),
    ("I'm fine with that split - you get 3 r1.", "I'm fine with that"),
    ("We're happy with your proposal.", "We're happy with your proposal"),
    # a recap of the deal, and a choice among options laid out
    ("Just confirming the deal: you get 9 r2.", "confirming the deal"),
    ("Alright, so our final deal is: 4 r3 for me.", "our final deal is:"),
    ("Final agreement: I buy 9 r2.", "Final agreement:"),
    ("Option 2, please.", "Option 2, please"),
    ("We'll take option A then.", "We'll take option A"),
]


@pytest.mark.parametrize(("text", "phrase"), AGREEMENT_CASES)
def test_agreement_phrase(text, phrase):
    assert agreement_phrase(text) == phrase


NOT_AGREEMENT = [
    "No deal.",
    "I'm not fine with that split.",
    "Would you be okay with that?",
    "Not a deal I can accept.",
    "That's not a deal.",
    "No deal unless you leave me at least 4 stone.",
    "I don't agree.",
    "I do not agree with that split.",
    "I disagree.",
    "If you agree, I'll buy 3 r1.",
    "Would you agree?",
    "Do you agree with 3 r1 for me?",
    "Can you accept 4 stone?",
    "I can't accept that.",
    "I cannot accept 2 r1.",
    "I'd accept if you add one r1.",
    "I would agree if you gave me 4 stone.",
    "Deal if you give me 4 stone.",
    "If you give me 4 stone, it's a deal.",
    "Deal?",
    "Is that a deal?",
    "Do we have a deal?",
    "Please confirm.",
    "Can you confirm the split?",
    "Just to confirm, you want 3 r1?",
    "You agreed to give me 4 stone.",
    "We need to agree on r1 first.",
    "A fair deal would be 3 r1 each.",
    "That doesn't work for me.",
    "That does not sound good.",
    "It's not perfect, but close.",
    "I'm done with this game if you don't budge",
    "Once you agree, I'll buy.",
    "Does that sound good?",
    "Sounds good?",
    "Got it, I'll consider your offer of three wood.",
    "Let me think about it.",
    "I haven't agreed to anything yet.",
    "That's a deal I can't accept.",
    "No, deal is off.",
    "I think that's not really something I can accept.",
    "Proposed deal: I take 9 r2 and you take 6 r3.",
    "The deal is fair, but can we do better?",
    "Could you confirm the deal?",
    "Before we confirm the deal, what are your projects?",
    "Which option, please?",
]


@pytest.mark.parametrize("text", NOT_AGREEMENT)
def test_no_agreement(text):
    assert agreement_phrase(text) is None


# ------------------------------------------------------------------------------ ack_phrase

ACK_CASES = [
    ("Got it, I'll consider your offer of three wood.", "Got it"),
    ("Noted.", "Noted"),
    ("Duly noted — I'll get back to you.", "Duly noted"),
    ("Understood. I still need 4 stone.", "Understood"),
    ("I understand your position.", "I understand"),
    ("I see. That is a lot of r1.", "I see"),
    ("I'll consider it.", "I'll consider"),
    ("I will seriously consider that.", "I will seriously consider"),
    ("Let me think about this.", "Let me think"),
    ("Thanks, I'll get back to you.", "I'll get back to you"),
    ("Thanks for the offer, I need to check my numbers.", "Thanks for the offer"),
    ("Received.", "Received"),
    ("Received your proposal.", "Received"),
    ("I have received your proposal.", "received your"),
    ("That makes sense, but I need more clay.", "That makes sense"),
    ("I hear you.", "I hear you"),
]


@pytest.mark.parametrize(("text", "phrase"), ACK_CASES)
def test_ack_phrase(text, phrase):
    assert ack_phrase(text) == phrase


NOT_ACK = [
    "Got it — deal!",  # agreement present
    "Understood, sounds good.",
    "Noted. Agreed.",
    "I don't understand your offer.",
    "I do not see why you need 9 r2.",
    "As I see it, you need r1 more than I do.",
    "As noted, I need 4 stone.",
    "Got it?",
    "I received 3 r1 last round.",
    "I'll take 3 r1.",
    "No, deal? Not yet.",
    "I see three ways to split the stone.",
    "",
]


@pytest.mark.parametrize("text", NOT_ACK)
def test_no_ack(text):
    assert ack_phrase(text) is None


# ------------------------------------------------------------------------------- referents


def refs(text: str) -> list[tuple[str, str]]:
    return [(r.kind, r.value) for r in referents(text)]


REFERENT_CASES = [
    ("I accept p3.", [("id", "p3")]),
    ("I accept P12.", [("id", "p12")]),
    ("Per proposal 3, you get r1.", [("id", "p3")]),
    ("Per proposal p3, you get r1.", [("id", "p3")]),
    ("Proposal #4 is better.", [("id", "p4")]),
    ("See #3.", [("id", "p3")]),
    ("Offer #2 still stands.", [("id", "p2")]),
    ("Your proposal p3 is fine.", [("id", "p3")]),
    ("I reject your last offer.", [("last_offer", "your last offer")]),
    ("Your previous proposal was better.", [("last_offer", "your previous proposal")]),
    ("I like what you just said.", [("last_offer", "what you just said")]),
    ("Your latest works.", [("last_offer", "your latest")]),
    ("Your latest offer works.", [("last_offer", "your latest offer")]),
    ("That offer is fine.", [("last_offer", "that offer")]),
    ("The previous proposal was fairer.", [("last_offer", "the previous proposal")]),
    ("As you proposed, I take r1.", [("last_offer", "as you proposed")]),
    ("Let's go with option B.", [("option", "B")]),
    ("Option b is fine.", [("option", "B")]),
    ("I prefer plan 2.", [("option", "2")]),
    ("Plan B then.", [("option", "B")]),
    ("I prefer the second option.", [("option", "2")]),
    ("The first proposal was better.", [("option", "1")]),
    ("The other option works too.", [("option", "other")]),
    ("Option A or option B?", [("option", "A"), ("option", "B")]),
    (
        "Compared to your last offer, p4 gives me more; option 2 is fine too.",
        [("last_offer", "your last offer"), ("id", "p4"), ("option", "2")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), REFERENT_CASES)
def test_referents(text, expected):
    assert refs(text) == expected


NO_REFERENT = [
    "I offer 3 r1.",
    "Proposal: 3 r1 for me.",
    "I plan a fair split.",
    "I need 3 r1 and 2 r3.",
    "The proposal I sent is fair.",
    "Round 2 is over.",
]


@pytest.mark.parametrize("text", NO_REFERENT)
def test_no_referents(text):
    assert referents(text) == []


def test_referent_span():
    text = "Deal! Per proposal p3."
    (ref,) = referents(text)
    assert isinstance(ref, Referent)
    assert text[ref.span[0] : ref.span[1]] == "proposal p3"
