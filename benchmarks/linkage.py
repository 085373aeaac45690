"""Record linkage of flags at scale: 200,000 flags linked in at most 2 minutes, and correctly.

Target (issue "Frontline"): linkage over 200,000 flags completes in at most 2 minutes on this
machine. The whole of `heard.frontline.linkage.link()` is timed: normalise, block, compare,
estimate (u from random pairs, m by EM), score, links and clusters; each step is timed too.

The data (seeded, built in a few seconds, not timed): people live in households on streets in 300
postcode districts (4-10 sectors each, 5-10 streets a sector, a postcode per 15 house numbers of
a street, one address in ten a flat); surnames from a list of common ones and many more put
together from English name parts, Zipf-like (the commonest about 1%); a household shares its
surname 85% of the time; ages 18-99. Every person gets one flag; 10% of flags are duplicates, a
second or third flag about someone already flagged, told the way another partner would tell it:
a nickname or a typo in the first name, only an initial, a typo in the surname, the age guessed
again (a few years out), "Rd" for "Road", a typo in the street, the flat left out, the postcode
as a district or with a typo, and any field unknown. Base flags lose fields too (no first name
8%, no age 10%, no address 5%, no postcode 7%). The truth: flags about the same person.

Precision and recall are over pairs of flags: a link is right when both flags concern the same
person. Also shown: precision counting links within one household as right (a flag without a name
links to the household, which is what a caseworker wants to see), and recall of the candidate
pairs (the most any threshold could reach).

The peer, side by side in the same run: the same model and comparisons **without blocking**, all
n(n-1)/2 pairs of a subset of about 5,000 flags (the flags of whole districts), with the
parameters learnt on the full set, and ours (`link()` with blocking, the median of five runs) on
the same subset with the same parameters; the all-pairs time is also extrapolated to 200,000 flags
(it grows with n^2: about x 1,600). It shows what blocking buys and what it costs in recall.

Memory: the peak resident set size of this process (`ru_maxrss`), data and interpreter included.

    .venv/bin/python benchmarks/linkage.py [--flags 200000] [--subset 5000] [--workers 1] [--seed 1]

Results are printed and written to benchmarks/results/linkage.json.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, write_results
from heard.frontline import linkage
from heard.frontline.linkage import Records

TARGET_SECONDS = 120.0

# fmt: off
FIRST_NAMES = (
    "John", "David", "Michael", "Peter", "Robert", "William", "James", "Richard", "Thomas", "Paul", "Christopher",
    "Stephen", "Andrew", "Mark", "Anthony", "Edward", "Joseph", "Charles", "Henry", "George", "Daniel", "Matthew",
    "Samuel", "Benjamin", "Alexander", "Patrick", "Kenneth", "Albert", "Terence", "Gerald", "Lawrence", "Brian",
    "Keith", "Alan", "Colin", "Derek", "Graham", "Ian", "Kevin", "Neil", "Raymond", "Roy", "Ronald", "Stanley",
    "Trevor", "Wayne", "Mohammed", "Ahmed", "Ali", "Hassan", "Imran", "Tariq", "Arjun", "Rajesh", "Sanjay", "Wei",
    "Jun", "Kofi", "Kwame", "Tomasz", "Piotr", "Andrei", "Liam", "Noah", "Oliver", "Jack", "Harry", "Jacob",
    "Charlie", "Oscar", "Leo", "Arthur", "Archie", "Mary", "Margaret", "Elizabeth", "Patricia", "Susan", "Catherine",
    "Dorothy", "Sarah", "Ann", "Rebecca", "Victoria", "Deborah", "Jacqueline", "Isabel", "Eleanor", "Joan", "Jean",
    "Barbara", "Sheila", "Brenda", "Pauline", "Linda", "Carol", "Christine", "Janet", "Julie", "Karen", "Helen",
    "Angela", "Lorraine", "Tracey", "Sharon", "Michelle", "Nicola", "Emma", "Claire", "Rachel", "Laura", "Amy",
    "Lucy", "Hannah", "Jessica", "Sophie", "Chloe", "Olivia", "Amelia", "Isla", "Ava", "Mia", "Fatima",
    "Aisha", "Ayesha", "Priya", "Sunita", "Mei", "Lin", "Agnieszka", "Magdalena", "Ewa", "Grace", "Abena", "Ama",
    "Yasmin", "Samantha", "Josephine", "Frances", "Gillian",
)
# fmt: on
NICKNAMES = {
    "William": ["Bill", "Billy", "Will"],
    "Robert": ["Bob", "Rob", "Bobby"],
    "Richard": ["Dick", "Rick", "Rich"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Jack", "Johnny"],
    "Michael": ["Mike", "Mick"],
    "Edward": ["Ted", "Eddie", "Ed"],
    "Thomas": ["Tom", "Tommy"],
    "Christopher": ["Chris"],
    "Anthony": ["Tony"],
    "Joseph": ["Joe"],
    "Daniel": ["Dan", "Danny"],
    "Samuel": ["Sam"],
    "Henry": ["Harry"],
    "Elizabeth": ["Liz", "Beth", "Betty"],
    "Margaret": ["Maggie", "Peggy", "Meg"],
    "Catherine": ["Kate", "Cathy", "Katherine"],
    "Patricia": ["Pat", "Trish"],
    "Susan": ["Sue", "Susie"],
    "Rebecca": ["Becky", "Becca"],
    "Victoria": ["Vicky", "Vicki"],
    "Deborah": ["Debbie", "Deb"],
    "Samantha": ["Sam"],
    "Jacqueline": ["Jackie"],
    "Dorothy": ["Dot"],
    "Alexander": ["Alex", "Sandy"],
}
# fmt: off
COMMON_SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
    "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker",
    "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson",
    "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
    "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham",
    "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds",
    "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley",
    "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant",
    "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter",
    "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid",
    "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson",
    "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton",
    "Burns", "Nicholson", "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne",
    "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman",
    "Watkins", "Moss", "McCarthy", "Chambers", "O'Neill", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne",
    "Johnston", "Gordon", "Doyle", "Wallace", "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May", "Pritchard",
    "Gilbert", "Willis", "Higgins", "Read", "Miles", "Stevenson", "Stephenson", "Hammond", "Arnold", "Buckley",
    "Walters", "Hewitt", "Barber", "Nelson", "Slater", "Austin", "Sullivan", "Whitehead", "Mann", "Frost", "Lambert",
    "Stephens", "Blake", "Akhtar", "Lynch", "Goodwin", "Barton", "Woodward", "Thomson", "Cunningham", "Quinn",
    "Barnett", "Baxter", "Bibi", "Clayton", "Nowak", "Kowalski", "Wisniewski", "Okafor", "Mensah", "Chen", "Wang",
    "Nguyen", "Kim", "Rahman", "Islam", "Uddin", "Miah", "Chowdhury",
)
# fmt: on
# fmt: off
SURNAME_PARTS = (
    (
        "Ash", "Black", "Brad", "Brook", "Bur", "Chad", "Clay", "Cold", "Cran", "Dal", "Dun", "Fair", "Field", "Gold",
        "Green", "Had", "Hart", "Hay", "Hol", "Kirk", "Lang", "Mar", "Mid", "Nor", "Oak", "Pen", "Ray", "Red", "Rush",
        "South", "Stan", "Stock", "Thorn", "Wal", "Went", "West", "Whit", "Wood", "Work", "Yar",
    ),
    (
        "ley", "ton", "field", "well", "wood", "worth", "ford", "by", "ham", "wick", "more", "land", "den", "burn",
        "stead", "hurst", "combe", "dale", "bury", "shaw", "cliffe", "thorpe", "croft", "ridge", "wright", "hill",
        "bridge", "gate",
    ),
)
# fmt: on
# fmt: off
STREET_NAMES = (
    "Oak", "Elm", "Ash", "Beech", "Birch", "Cedar", "Chestnut", "Hazel", "Holly", "Maple", "Willow", "Rowan",
    "Poplar", "Sycamore", "Yew", "Church", "Mill", "School", "Station", "Park", "Victoria", "Albert", "Queen", "King",
    "Princess", "Prince", "Manor", "Grange", "Meadow", "Orchard", "Springfield", "Highfield", "Westfield",
    "Eastfield", "Northfield", "Moor", "Heath", "Green", "Hill", "Bank", "Brook", "River", "Bridge", "Castle",
    "Abbey", "Priory", "Chapel", "Market", "Cross", "Windsor", "York", "Lancaster", "Clarence", "Cambridge", "Oxford",
    "Nelson", "Wellington", "Trafalgar", "Stanley", "Gladstone", "Derby", "Cavendish", "Kensington", "Richmond",
    "Belmont", "Fairfield", "Rosebery", "Beaconsfield", "Lansdowne", "Salisbury", "Marlborough", "Cromwell", "Wesley",
    "Milton", "Shakespeare", "Tennyson", "Byron", "Shelley", "Wordsworth", "Dickens", "Chaucer", "Keats", "Hawthorn",
    "Laburnum", "Lilac", "Primrose", "Bluebell", "Daisy", "Heather", "Ivy", "Jasmine", "Lavender", "Myrtle", "Acorn",
    "Alder", "Aspen", "Larch", "Juniper", "Linden", "Spruce",
)
# fmt: on
# fmt: off
STREET_TYPES = (
    "Road", "Street", "Avenue", "Lane", "Close", "Drive", "Crescent", "Gardens", "Grove", "Terrace", "Place", "Way",
    "Court", "View",
)
# fmt: on
ABBREVIATIONS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Drive": "Dr", "Crescent": "Cres"}
# fmt: off
AREAS = (
    "LS", "BD", "HX", "HD", "WF", "YO", "HU", "S", "DN", "M", "OL", "BL", "WN", "L", "CH", "B", "CV", "NG", "LE",
    "DE", "ST", "E", "N", "SE", "SW", "W", "NW", "BS", "CF", "G", "EH", "NE", "SR", "DH", "TS", "PL", "EX", "NR",
    "IP", "CB", "OX", "RG", "SO", "BN",
)
# fmt: on
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
TYPO_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(word: str, rng: np.random.Generator) -> str:
    """One slip of the keyboard after the first letter: a letter dropped, doubled, changed or swapped."""
    if len(word) < 3:
        return word
    at = int(rng.integers(1, len(word)))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2:
        return word[:at] + TYPO_LETTERS[int(rng.integers(0, 26))] + word[at + 1 :]
    at = min(at, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def synthetic_flags(count: int, *, seed: int = 1, duplicate_share: float = 0.1) -> dict[str, Any]:
    """`count` flags and, for each, the person and household it concerns (the truth)."""
    rng = np.random.default_rng(seed)
    surnames = [*COMMON_SURNAMES, *(a + b for a in SURNAME_PARTS[0] for b in SURNAME_PARTS[1])]
    surname_weights = 1 / (np.arange(len(surnames)) + 20.0)
    surname_weights /= surname_weights.sum()

    # Places: districts, sectors, streets; a postcode per 15 house numbers of a street.
    districts = rng.choice([f"{area}{k}" for area in AREAS for k in range(1, 16)], size=300, replace=False)
    streets: list[tuple[str, str, int]] = []  # (street, sector, houses)
    for district in districts:
        for sector in rng.choice(10, size=int(rng.integers(4, 11)), replace=False):
            for _ in range(int(rng.integers(5, 11))):
                name = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}"
                streets.append((name, f"{district} {sector}", int(rng.integers(20, 160))))
    units: dict[tuple[int, int], str] = {}
    used: dict[str, set[str]] = {}

    def postcode_of(street: int, number: int) -> str:
        key = (street, number // 15)
        if key not in units:
            sector = streets[street][1]
            taken = used.setdefault(sector, set())
            while True:
                unit = "".join(rng.choice(list(UNIT_LETTERS), size=2))
                if unit not in taken or len(taken) >= 400:
                    break
            taken.add(unit)
            units[key] = f"{sector}{unit}"
        return units[key]

    people = round(count * (1 - duplicate_share))
    # Drawn in bulk (enough for as many households as people), used in turn.
    houses = np.array([houses for _, _, houses in streets], dtype=np.float64)
    street_of = rng.choice(len(streets), size=people, p=houses / houses.sum())
    number_of = np.floor(rng.random(people) * houses[street_of]).astype(np.int64) + 1
    flat_of = np.where(rng.random(people) < 0.1, rng.integers(1, 9, people), 0)
    size_of = rng.choice([1, 2, 3], size=people, p=[0.55, 0.3, 0.15])
    family_of = rng.choice(len(surnames), size=people, p=surname_weights)
    own_surname = np.where(rng.random(people) < 0.15, rng.choice(len(surnames), size=people, p=surname_weights), -1)
    person_first = rng.integers(0, len(FIRST_NAMES), people)
    person_age = rng.integers(18, 100, people)
    person_household = np.zeros(people, dtype=np.int64)
    person_surname = np.zeros(people, dtype=np.int64)
    household_address: list[tuple[str, str]] = []
    occupied: set[tuple[int, int, int]] = set()
    person, draw = 0, -1
    while person < people:
        draw += 1
        street, number, flat = int(street_of[draw]), int(number_of[draw]), int(flat_of[draw])
        if (street, number, flat) in occupied:  # one household an address
            continue
        occupied.add((street, number, flat))
        household = len(household_address)
        prefix = f"Flat {flat}, " if flat else ""
        household_address.append((f"{prefix}{number} {streets[street][0]}", postcode_of(street, number)))
        members = min(int(size_of[household]), people - person)
        person_household[person : person + members] = household
        person_surname[person : person + members] = family_of[household]
        person += members
    person_surname = np.where(own_surname >= 0, own_surname, person_surname)

    about = np.r_[np.arange(people), rng.integers(0, people, count - people)]
    duplicate = np.r_[np.zeros(people, dtype=bool), np.ones(count - people, dtype=bool)]
    first, surname, address, postcode = [], [], [], []
    ages = np.zeros(count, dtype=np.int64)
    for k in range(count):
        who, again = int(about[k]), bool(duplicate[k])

        def chance(base: float, other: float, again: bool = again) -> bool:
            """True with probability `base` for a first flag, `other` for a duplicate."""
            return bool(rng.random() < (other if again else base))

        name = FIRST_NAMES[int(person_first[who])]
        if again and rng.random() < 0.15 and name in NICKNAMES:
            name = str(rng.choice(NICKNAMES[name]))
        elif chance(0.0, 0.08):
            name = typo(name, rng)
        elif chance(0.0, 0.04):
            name = name[0]
        first.append("" if chance(0.08, 0.10) else name)
        family = surnames[int(person_surname[who])]
        surname.append("" if chance(0.02, 0.04) else typo(family, rng) if chance(0.0, 0.10) else family)
        age = int(person_age[who]) + (int(np.round(rng.normal(0, 2.5))) if again else 0)
        ages[k] = -1 if chance(0.10, 0.15) else age
        street_address, code = household_address[int(person_household[who])]
        if again:
            if rng.random() < 0.3:
                for word, short in ABBREVIATIONS.items():
                    street_address = street_address.replace(f" {word}", f" {short}")
            if rng.random() < 0.08:
                words = street_address.split(" ")
                words[-2] = typo(words[-2], rng)
                street_address = " ".join(words)
            if rng.random() < 0.05 and street_address.startswith("Flat"):
                street_address = street_address.split(", ", 1)[1]
        address.append("" if chance(0.05, 0.08) else street_address)
        if chance(0.0, 0.04):
            code = code.split(" ")[0]
        elif chance(0.0, 0.04):
            code = code[:-1] + UNIT_LETTERS[int(rng.integers(0, len(UNIT_LETTERS)))]
        code = code.lower().replace(" ", "") if rng.random() < 0.3 else code
        postcode.append("" if chance(0.07, 0.10) else code)
    order = rng.permutation(count)  # duplicates spread through the set, as they arrive
    take = lambda values: [values[k] for k in order]  # noqa: E731
    return {
        "records": Records(
            ids=np.arange(1, count + 1, dtype=np.int64),
            first_name=take(first),
            surname=take(surname),
            approx_age=ages[order],
            address=take(address),
            postcode=take(postcode),
        ),
        "person": about[order],
        "household": person_household[about[order]],
        "district": np.array([code.split(" ")[0] for _, code in household_address])[person_household[about[order]]],
    }


def quality(links: list[linkage.Link], ids: np.ndarray, person: np.ndarray, household: np.ndarray) -> dict[str, Any]:
    """Precision and recall over pairs of flags (see the module's docstring)."""
    position = {int(identifier): k for k, identifier in enumerate(ids)}
    pairs = [(position[found.id_a], position[found.id_b], found.kind) for found in links]
    truth = planted_pairs(person)
    same_person = sum(bool(person[a] == person[b]) for a, b, _ in pairs)
    right = sum(
        bool(person[a] == person[b]) if kind == "person" else bool(household[a] == household[b]) for a, b, kind in pairs
    )
    found = {(min(a, b), max(a, b)) for a, b, _ in pairs}
    people = [bool(person[a] == person[b]) for a, b, kind in pairs if kind == "person"]
    households = [bool(household[a] == household[b]) for a, b, kind in pairs if kind == "household"]
    return {
        "links": len(pairs),
        "person_links": sum(kind == "person" for *_, kind in pairs),
        "household_links": sum(kind == "household" for *_, kind in pairs),
        "planted_pairs": len(truth),
        "precision": round(right / max(len(pairs), 1), 4),
        "precision_same_person_only": round(same_person / max(len(pairs), 1), 4),
        "precision_person_links": round(sum(people) / max(len(people), 1), 4),
        "precision_household_links": round(sum(households) / max(len(households), 1), 4),
        "recall": round(len(found & truth) / max(len(truth), 1), 4),
    }


def planted_pairs(person: np.ndarray) -> set[tuple[int, int]]:
    order = np.argsort(person, kind="stable")
    ordered = person[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    return {
        (min(a, b), max(a, b))
        for start, end in zip(starts, ends, strict=True)
        if end - start > 1
        for a, b in itertools.combinations(order[start:end].tolist(), 2)
    }


def subset(records: Records, rows: np.ndarray) -> Records:
    return Records(
        ids=np.asarray(records.ids)[rows],
        first_name=[records.first_name[k] for k in rows],
        surname=[records.surname[k] for k in rows],
        approx_age=np.asarray(records.approx_age)[rows],
        address=[records.address[k] for k in rows],
        postcode=[records.postcode[k] for k in rows],
    )


def all_pairs(records: Records, parameters: linkage.Parameters, *, chunk: int = 1_000_000) -> list[linkage.Link]:
    """The peer: the same model and comparisons over every pair, no blocking."""
    normalised = linkage.normalise(records)
    ia, ib = np.triu_indices(len(normalised), k=1)
    found: list[linkage.Link] = []
    for start in range(0, len(ia), chunk):
        a, b = ia[start : start + chunk], ib[start : start + chunk]
        levels = linkage.compare(normalised, normalised, a, b)
        found += linkage.links_from_levels(normalised.ids[a], normalised.ids[b], levels, parameters)
    linkage.clusters(normalised.ids, found)
    return found


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flags", type=int, default=200_000)
    parser.add_argument("--subset", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=1, help="rapidfuzz threads (-1: every core)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    started = time.perf_counter()
    data = synthetic_flags(options.flags, seed=options.seed)
    records: Records = data["records"]
    print(f"{options.flags:,} synthetic flags built in {time.perf_counter() - started:.1f} s", flush=True)
    rss_before = rss_mb()

    started = time.perf_counter()
    result = linkage.link(records, workers=options.workers)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full = quality(result.links, np.asarray(records.ids), data["person"], data["household"])
    ia, ib = linkage.candidate_pairs(linkage.normalise(records))
    truth = planted_pairs(data["person"])
    blocking_recall = len(truth & set(zip(ia.tolist(), ib.tolist(), strict=True))) / len(truth)
    clusters = np.unique(result.clusters, return_counts=True)[1]

    # The peer on whole districts, about `subset` flags, with the parameters learnt above.
    rng = np.random.default_rng(options.seed)
    chosen: list[str] = []
    district = data["district"]
    counts = dict(zip(*np.unique(district, return_counts=True), strict=True))
    for name in rng.permutation(sorted(counts)):
        if sum(counts[k] for k in chosen) + counts[name] > options.subset:
            break
        chosen.append(str(name))
    rows = np.flatnonzero(np.isin(district, chosen))
    small = subset(records, rows)
    timings = []
    for _ in range(5):  # a fraction of a second: the median of five
        started = time.perf_counter()
        ours_small = linkage.link(small, parameters=result.parameters, workers=options.workers)
        timings.append(time.perf_counter() - started)
    ours_small_seconds = statistics.median(timings)
    started = time.perf_counter()
    peer_links = all_pairs(small, result.parameters)
    peer_seconds = time.perf_counter() - started
    n, big = len(rows), options.flags
    scale = (big * (big - 1) / 2) / (n * (n - 1) / 2)
    ids_small = np.asarray(small.ids)
    ours_quality = quality(ours_small.links, ids_small, data["person"][rows], data["household"][rows])
    peer_quality = quality(peer_links, ids_small, data["person"][rows], data["household"][rows])
    only_peer = {(x.id_a, x.id_b) for x in peer_links} - {(x.id_a, x.id_b) for x in ours_small.links}

    results = {
        "machine": machine(),
        "flags": options.flags,
        "seed": options.seed,
        "workers": options.workers,
        "target_seconds": TARGET_SECONDS,
        "seconds": round(seconds, 2),
        "meets_target": seconds <= TARGET_SECONDS,
        "steps_seconds": {step: round(value, 2) for step, value in result.seconds.items()},
        "peak_rss_mb": round(peak_mb),
        "rss_before_linkage_mb": round(rss_before),
        "candidate_pairs": result.candidate_pairs,
        "blocking_recall": round(blocking_recall, 4),
        "quality": full,
        "clusters": {"count": len(clusters), "largest": int(clusters.max()), "of_one": int((clusters == 1).sum())},
        "parameters": result.parameters.to_dict(),
        "peer": {
            "what": "the same model and comparisons over all pairs (no blocking), same parameters",
            "subset_flags": n,
            "subset_districts": len(chosen),
            "ours_seconds": round(ours_small_seconds, 3),
            "ours_candidate_pairs": ours_small.candidate_pairs,
            "ours_quality": ours_quality,
            "all_pairs_seconds": round(peer_seconds, 2),
            "all_pairs": n * (n - 1) // 2,
            "all_pairs_quality": peer_quality,
            "links_only_all_pairs_found": len(only_peer),
            "ratio_all_pairs_to_ours": round(peer_seconds / ours_small_seconds, 1),
            "all_pairs_extrapolated_seconds": round(peer_seconds * scale),
            "ratio_extrapolated_to_ours_full": round(peer_seconds * scale / seconds),
        },
    }
    path = write_results("linkage", results)

    print(f"\nlink() over {options.flags:,} flags: {seconds:.1f} s (target {TARGET_SECONDS:.0f} s)")
    print(f"  peak RSS {peak_mb:,.0f} MB ({rss_before:,.0f} MB before linkage)")
    print("  " + ", ".join(f"{step} {value:.1f} s" for step, value in result.seconds.items()))
    print(f"  candidate pairs {result.candidate_pairs:,}; planted pairs among them {blocking_recall:.1%}")
    print(
        f"  links {full['links']:,} ({full['person_links']:,} person, {full['household_links']:,} household); "
        f"precision {full['precision']:.3f} (person links {full['precision_person_links']:.3f}, household links "
        f"{full['precision_household_links']:.3f}; same person only {full['precision_same_person_only']:.3f}), "
        f"recall {full['recall']:.3f}"
    )
    print(f"  clusters {len(clusters):,}, largest {clusters.max()}")
    print(f"\nPeer, {n:,} flags of {len(chosen)} districts, same parameters:")
    print(f"  {'':24} {'seconds':>9} {'pairs':>12} {'links':>7} {'precision':>9} {'recall':>7}")
    for label, secs, pairs, q in (
        ("ours (blocking)", ours_small_seconds, ours_small.candidate_pairs, ours_quality),
        ("all pairs (peer)", peer_seconds, n * (n - 1) // 2, peer_quality),
    ):
        print(f"  {label:24} {secs:9.2f} {pairs:12,} {q['links']:7,} {q['precision']:9.3f} {q['recall']:7.3f}")
    print(f"  all pairs / ours: {peer_seconds / ours_small_seconds:.0f}x; links only all pairs found: {len(only_peer)}")
    extrapolated = peer_seconds * scale
    print(
        f"  all pairs extrapolated to {big:,} flags: {extrapolated / 3600:.1f} h ({extrapolated / seconds:,.0f}x ours)"
    )
    print(f"\n{'MEETS' if seconds <= TARGET_SECONDS else 'MISSES'} the target. Results: {path}")


if __name__ == "__main__":
    main()
