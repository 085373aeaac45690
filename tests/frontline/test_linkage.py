"""Record linkage of flags (`heard.frontline.linkage`): normalising, blocking, the model, and how well it
links a synthetic set of flags with planted duplicates. No database."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import numpy as np
import pytest

from heard.frontline.linkage import (
    DEFAULT_M,
    FIELDS,
    LEVELS,
    Linkage,
    Parameters,
    Records,
    candidate_pairs,
    clusters,
    compare,
    estimate,
    link,
    links_for,
    normalise,
    score,
    split_name,
)

# fmt: off
FIRST = (
    "John", "David", "Michael", "Peter", "Robert", "William", "James", "Richard", "Thomas", "Paul", "Stephen",
    "Andrew", "Mark", "Anthony", "Edward", "Joseph", "Charles", "Henry", "George", "Daniel", "Samuel", "Kenneth",
    "Brian", "Keith", "Alan", "Colin", "Derek", "Ian", "Kevin", "Neil", "Mohammed", "Ahmed", "Tomasz", "Mary",
    "Margaret", "Elizabeth", "Patricia", "Susan", "Catherine", "Dorothy", "Sarah", "Ann", "Rebecca", "Victoria",
    "Joan", "Jean", "Barbara", "Sheila", "Linda", "Carol", "Christine", "Janet", "Julie", "Karen", "Helen", "Angela",
    "Emma", "Claire", "Rachel", "Fatima", "Priya", "Agnieszka",
)
# fmt: on
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Richard": "Dick",
    "James": "Jim",
    "Michael": "Mike",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Catherine": "Kate",
    "Susan": "Sue",
    "Edward": "Ted",
}  # fmt: skip
# fmt: off
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
    "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell",
    "Shaw", "Murphy", "Miller", "Cox", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum",
    "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker",
    "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh",
    "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Nowak", "Okafor",
)
# fmt: on
# fmt: off
STREETS = (
    "Oak", "Elm", "Ash", "Beech", "Church", "Mill", "School", "Station", "Park", "Victoria", "Albert", "Queen",
    "Manor", "Grange", "Meadow",
)
# fmt: on
KINDS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Close"}


@dataclass
class Planted:
    records: Records
    person: np.ndarray  # the person each flag is about
    household: np.ndarray


def _typo(word: str, rng: np.random.Generator) -> str:
    at = int(rng.integers(1, len(word)))
    return word[:at] + word[at + 1 :] if rng.random() < 0.5 else word[:at] + "e" + word[at:]


def planted(count: int = 5000, *, seed: int = 7) -> Planted:
    """People in households in 25 postcode districts; every person flagged once, and 10% of the
    flags a second flag about someone, with typos, nicknames, guessed ages and missing fields."""
    rng = np.random.default_rng(seed)
    sectors = [f"{area}{k} {s}" for area in ("LS", "BD", "M", "E", "B") for k in range(1, 6) for s in range(3)]
    streets = [(f"{rng.choice(STREETS)} {rng.choice(list(KINDS))}", sector) for sector in sectors for _ in range(4)]
    people = int(count * 0.9)
    addresses, person_household, first, surname, age = {}, [], [], [], []
    while len(first) < people:
        street = int(rng.integers(0, len(streets)))
        number = int(rng.integers(1, 120))
        if (street, number) in addresses:
            continue
        name, sector = streets[street]
        addresses[street, number] = (f"{number} {name}", f"{sector}{'ABDEFGHJ'[number // 15]}{'XYZ'[street % 3]}")
        family = str(rng.choice(SURNAMES))
        for _ in range(min(int(rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15])), people - len(first))):
            person_household.append(len(addresses) - 1)
            first.append(str(rng.choice(FIRST)))
            surname.append(family if rng.random() < 0.85 else str(rng.choice(SURNAMES)))
            age.append(int(rng.integers(18, 100)))
    places = list(addresses.values())
    about = np.r_[np.arange(people), rng.integers(0, people, count - people)]
    rows = []
    for k, who in enumerate(about):
        again = k >= people
        given, family, years = first[who], surname[who], age[who]
        address, postcode = places[person_household[who]]
        if again:
            roll = rng.random()
            given = NICKNAMES.get(given, given) if roll < 0.15 else _typo(given, rng) if roll < 0.25 else given
            family = _typo(family, rng) if rng.random() < 0.1 else family
            years += int(np.round(rng.normal(0, 2)))
            for word, short in KINDS.items():
                address = address.replace(word, short) if rng.random() < 0.3 else address
            postcode = postcode.lower().replace(" ", "") if rng.random() < 0.3 else postcode
        gone = rng.random(4) < (0.08 if again else 0.04)
        rows.append(
            {
                "id": 1000 + k,
                "first_name": "" if gone[0] else given,
                "surname": family,
                "approx_age": None if gone[1] else years,
                "address": "" if gone[2] else address,
                "postcode": "" if gone[3] else postcode,
            }
        )
    order = rng.permutation(count)
    return Planted(
        Records.from_rows(rows[k] for k in order),
        about[order],
        np.asarray(person_household)[about[order]],
    )


def _records(*rows: tuple[int, str, str, int | None, str, str]) -> Records:
    keys = ("id", "first_name", "surname", "approx_age", "address", "postcode")
    return Records.from_rows(dict(zip(keys, row, strict=True)) for row in rows)


@pytest.fixture(scope="module")
def flags() -> Planted:
    return planted()


@pytest.fixture(scope="module")
def linked(flags: Planted) -> Linkage:
    return link(flags.records)


def _same_person_pairs(person: np.ndarray) -> set[tuple[int, int]]:
    by_person: dict[int, list[int]] = {}
    for position, who in enumerate(person):
        by_person.setdefault(int(who), []).append(position)
    return {pair for group in by_person.values() for pair in itertools.combinations(sorted(group), 2)}


def test_normalise_postcode_canonical_sector_and_district() -> None:
    records = _records(
        (1, "", "", None, "", "ls14ap"),
        (2, "", "", None, "", " Ls1  4AP "),
        (3, "", "", None, "", "LS1"),
        (4, "", "", None, "", "not a postcode"),
    )

    normalised = normalise(records)

    assert list(normalised.postcode) == ["LS1 4AP", "LS1 4AP", "", ""]
    assert list(normalised.sector) == ["LS1 4", "LS1 4", "", ""]
    assert list(normalised.district) == ["LS1", "LS1", "LS1", ""]


def test_normalise_address_spells_out_and_finds_numbers() -> None:
    records = _records(
        (1, "", "", None, "Flat 3, 12 Oak Rd, Leeds LS1 4AP", ""),
        (2, "", "", None, "12a High St.", ""),
        (3, "", "", None, "12 St John's Road", ""),
        (4, "", "", None, "Rose Cottage, Mill Lane", ""),
    )

    normalised = normalise(records)

    assert list(normalised.address) == [
        "flat 3 12 oak road leeds",
        "12a high street",
        "12 saint johns road",
        "rose cottage mill lane",
    ]
    assert list(normalised.number) == ["12", "12a", "12", ""]
    assert list(normalised.flat) == ["3", "", "", ""]
    assert list(normalised.street) == ["oak", "high", "saint", ""]


def test_normalise_names_drop_titles_punctuation_and_unknown() -> None:
    records = _records((1, "Mrs. Mary-Ann", "O'Brien", 200, "", ""), (2, "unknown", "Not known", -3, "", ""))

    normalised = normalise(records)

    assert list(normalised.first_name) == ["mary", ""]
    assert list(normalised.surname) == ["obrien", ""]
    assert list(normalised.age) == [-1, -1]
    assert split_name("Mrs Smith") == ("", "Smith")
    assert split_name("John") == ("John", "")
    assert split_name("Mr John Paul Jones") == ("John", "Jones")


def test_candidate_pairs_find_planted_duplicates_without_all_pairs(flags: Planted) -> None:
    normalised = normalise(flags.records)
    truth = _same_person_pairs(flags.person)

    ia, ib = candidate_pairs(normalised)

    found = set(zip(ia.tolist(), ib.tolist(), strict=True))
    n = len(normalised)
    assert len(found) == len(ia)  # each pair once
    assert bool(np.all(ia < ib))
    assert len(truth & found) / len(truth) >= 0.95
    assert len(ia) < 0.01 * n * (n - 1) / 2


def test_candidate_pairs_cap_a_huge_block() -> None:
    n = 1000
    records = _records(*((k, "John", "Smith", 40, f"{k} Oak Road", "LS1 4AP") for k in range(n)))

    ia, _ = candidate_pairs(normalise(records), max_block_size=50, window=5)

    # Four rules put everybody in one block; each record meets only its 5 next neighbours.
    assert 0 < len(ia) <= n * 5
    assert len(ia) < n * (n - 1) / 2 / 50


def test_links_for_same_person_with_typos_and_variants_links_with_evidence(linked: Linkage) -> None:
    existing = _records((1, "Robert", "Smith", 80, "12 Oak Road, Leeds", "LS1 4AP"))
    new = _records((2, "Bob", "Smyth", 82, "12 oak rd", "ls14ap"))

    [found] = links_for(new, existing, linked.parameters)

    assert (found.id_a, found.id_b, found.kind) == (1, 2, "person")
    assert found.probability >= 0.9
    levels = {name: evidence["level"] for name, evidence in found.evidence.items()}
    assert levels == {
        "first_name": "variant",
        "surname": "similar",  # Jaro-Winkler 0.89
        "age": "within_3",
        "address": "similar",
        "postcode": "full",
    }
    assert all(evidence["weight"] > 0 for evidence in found.evidence.values())
    assert found.match_weight == pytest.approx(
        sum(evidence["weight"] for evidence in found.evidence.values()), abs=0.01
    )


def test_links_for_different_people_on_the_same_street_do_not_link(linked: Linkage) -> None:
    existing = _records(
        (1, "Jane", "Patel", 34, "14 Oak Road", "LS1 4AP"),
        (2, "John", "Smith", 45, "16 Oak Road", "LS1 4AP"),
        (3, "Robert", "Smith", 41, "Flat 2, 12 Oak Road", "LS1 4AP"),
    )
    new = _records((4, "Robert", "Smith", 80, "Flat 1, 12 Oak Road", "LS1 4AP"))

    assert links_for(new, existing, linked.parameters) == []


def test_links_for_flag_without_a_name_links_to_the_household(linked: Linkage) -> None:
    existing = _records((1, "Robert", "Smith", 80, "12 Oak Road", "LS1 4AP"), (2, "Jane", "Smith", 78, "", "LS2 7QT"))
    new = _records((3, "", "Smith", None, "12 Oak Road", "LS1 4AP"))

    [found] = links_for(new, existing, linked.parameters)

    assert (found.id_a, found.id_b, found.kind) == (1, 3, "household")
    assert found.evidence["first_name"] == {"level": "missing", "weight": 0.0}


def test_score_missing_fields_weigh_nothing(linked: Linkage) -> None:
    full = _records((1, "Robert", "Smith", 80, "12 Oak Road", "LS1 4AP"), (2, "Robert", "Smith", 80, "12 Oak Road", ""))
    unknown = _records((1, "Robert", "Smith", None, "12 Oak Road", ""), (2, "", "Smith", 79, "", "LS1 4AP"))
    pair = (np.array([0]), np.array([1]))

    known_partial, known_weight, _ = score(compare(normalise(full), normalise(full), *pair), linked.parameters)
    levels = compare(normalise(unknown), normalise(unknown), *pair)
    partial, weight, _ = score(levels, linked.parameters)

    assert levels[0].tolist() == [-1, 0, -1, -1, -1]  # only the surname is known on both sides
    assert partial[0].tolist() == [0.0, partial[0, 1], 0.0, 0.0, 0.0]
    assert weight[0] == pytest.approx(partial[0, 1])
    assert known_partial[0, FIELDS.index("postcode")] == 0.0  # a postcode on one side only
    assert known_weight[0] > weight[0]


def test_estimate_em_learns_m_above_u_for_agreeing_levels(linked: Linkage) -> None:
    parameters = linked.parameters

    assert parameters.trained
    assert 0 < parameters.em_iterations < 3 * 200
    for name in FIELDS:
        m, u = parameters.m[name], parameters.u[name]
        assert m[0] > 10 * u[0], name  # the best level says "same person"
        assert m[-1] < u[-1], name  # "different" says the opposite
        assert sum(m) == pytest.approx(1)
        assert sum(u) == pytest.approx(1)
    # 10% of 5,000 flags are duplicates: about 500 matching pairs among 12.5 million.
    assert 2e-5 < parameters.match_prior < 2e-4


def test_estimate_small_data_falls_back_to_defaults() -> None:
    records = _records((1, "Ann", "Lee", 70, "1 Elm Close", "M1 1AA"), (2, "Ann", "Lee", 71, "1 Elm Cl", "M1 1AA"))
    normalised = normalise(records)

    parameters = estimate(normalised)

    assert not parameters.trained
    assert parameters.m == DEFAULT_M
    assert link(records).links[0].kind == "person"


def test_link_is_deterministic(flags: Planted, linked: Linkage) -> None:
    again = link(flags.records)

    assert again.links == linked.links
    assert again.parameters == linked.parameters
    assert np.array_equal(again.clusters, linked.clusters)


def test_link_evidence_holds_levels_and_weights_only(flags: Planted, linked: Linkage) -> None:
    records = flags.records
    values = {
        value.lower()
        for column in (records.first_name, records.surname, records.address, records.postcode)
        for value in column
        if len(value) > 2
    }

    for found in linked.links:
        assert set(found.evidence) == set(FIELDS)
        for name, evidence in found.evidence.items():
            assert set(evidence) == {"level", "weight"}
            assert evidence["level"] in (*LEVELS[name], "missing")
            assert isinstance(evidence["weight"], float)
    text = json.dumps([found.evidence for found in linked.links]).lower()
    assert not any(f'"{value}"' in text for value in values)


def test_link_synthetic_flags_precision_and_recall_at_least_0_9(flags: Planted, linked: Linkage) -> None:
    position = {int(identifier): k for k, identifier in enumerate(flags.records.ids)}
    pairs = [(position[found.id_a], position[found.id_b], found.kind) for found in linked.links]
    truth = _same_person_pairs(flags.person)

    # A person link is right if both flags are about that person; a household link if both are
    # about people of that household.
    right = sum(
        flags.person[a] == flags.person[b] if kind == "person" else flags.household[a] == flags.household[b]
        for a, b, kind in pairs
    )
    found = {(min(a, b), max(a, b)) for a, b, _ in pairs}

    assert len(truth) > 400
    assert right / len(pairs) >= 0.9
    assert len(found & truth) / len(truth) >= 0.9


def test_link_clusters_are_connected_components() -> None:
    records = _records(
        (5, "Robert", "Smith", 80, "12 Oak Road", "LS1 4AP"),
        (9, "Bob", "Smith", 81, "12 Oak Rd", "LS1 4AP"),
        (2, "Rob", "Smith", 80, "12 Oak Road", "ls14ap"),
        (7, "Jane", "Patel", 34, "3 Mill Lane", "BD7 1DP"),
    )

    linked = link(records)

    assert {(found.id_a, found.id_b) for found in linked.links} == {(5, 9), (2, 5), (2, 9)}
    assert linked.clusters.tolist() == [2, 2, 2, 7]
    assert clusters([1, 2, 3], []).tolist() == [1, 2, 3]


def test_parameters_round_trip_through_json(linked: Linkage) -> None:
    stored = json.loads(json.dumps(linked.parameters.to_dict()))

    assert Parameters.from_dict(stored) == linked.parameters


def test_links_for_scores_as_the_batch_does(flags: Planted, linked: Linkage) -> None:
    found = next(item for item in linked.links if item.kind == "person")
    records = flags.records
    rows = [
        {
            "id": int(records.ids[k]),
            "first_name": records.first_name[k],
            "surname": records.surname[k],
            "approx_age": int(records.approx_age[k]),
            "address": records.address[k],
            "postcode": records.postcode[k],
        }
        for k in range(len(records))
        if int(records.ids[k]) in (found.id_a, found.id_b)
    ]

    [again] = links_for(Records.from_rows(rows[1:]), Records.from_rows(rows[:1]), linked.parameters)

    assert again == found
