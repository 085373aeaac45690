"""Record linkage, part one: what a flag says, tidied (`normalise`), and how two flags compare, field
by field (`compare`). Plain Python, numpy and rapidfuzz; no Django. `heard.frontline.linkage` holds
the rest (blocking, parameters, scores) and is the module to import.

Why these comparisons. Fellegi–Sunter needs each field's agreement put into a few ordered levels,
from "agrees exactly" to "disagrees", plus "missing" (either side unknown), which weighs nothing.
Levels, not raw similarities, because the model learns how often each level happens for the same
person (m) and for two random people (u), and that needs counts. The thresholds are common choices
for names; EM then learns what each level is worth. Jaro-Winkler because it forgives typos near the
end of a name more than at the start, as people's spellings of names go.

- first name: exact / variant (nicknames of the same name, "Bob", "Rob" and "Robert", from a short
  table, or one a prefix of the other, "Sam" and "Samantha") / similar (Jaro-Winkler >= 0.88) /
  initial ("J" and "John") / different;
- surname: exact / close (>= 0.92) / similar (>= 0.80) / different;
- approximate age: within 1 year / 3 / 7 / more;
- address: exact / similar (rapidfuzz's token-set ratio >= 0.8: word order, abbreviations and a
  missing town forgiven) / same house number (street spelt differently) / different. Two
  different house or flat numbers make it "different" whatever the words say: "12 Oak Road" and
  "14 Oak Road" are neighbours, not the same household;
- postcode: full / sector ("LS1 4") / district ("LS1") / different. A postcode that is not a UK
  postcode counts as missing; a district alone is compared as a district.

Every comparison runs over arrays of pairs at once (rapidfuzz's `process.cpdist` for the string
similarities, numpy for the rest), and the similarities only for pairs that are not already exact
or missing. Normalising caches each distinct value for the length of one call only: personal
details are not kept in module state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Prefix

from heard.core import postcodes

ObjectArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]

MISSING = -1
FIELDS = ("first_name", "surname", "age", "address", "postcode")
LEVELS: dict[str, tuple[str, ...]] = {
    "first_name": ("exact", "variant", "similar", "initial", "different"),
    "surname": ("exact", "close", "similar", "different"),
    # "far": a generation apart (more than 20 years), which no guess of an age explains.
    "age": ("within_1", "within_3", "within_7", "different", "far"),
    "address": ("exact", "similar", "same_number", "different"),
    "postcode": ("full", "sector", "district", "different"),
}

_FIRST_SIMILAR = 0.88
_SURNAME_CLOSE = 0.92
_SURNAME_SIMILAR = 0.80
_ADDRESS_SIMILAR = 80.0  # rapidfuzz's token-set ratio is 0-100
_AGE_BANDS = (1, 3, 7, 20)
_MIN_PREFIX = 3  # "Sam" / "Samantha"; "Jo" / "John" is left to Jaro-Winkler

# Nicknames, so that "Bob", "Rob" and "Robert" compare as variants. A short form of two names
# ("Pat") is listed under one; the prefix rule still finds it in the other ("Patrick").
_NICKNAMES = {
    "william": "bill billy will willie liam",
    "robert": "bob bobby rob robbie",
    "richard": "dick rick ricky rich richie",
    "james": "jim jimmy jamie",
    "john": "jack johnny jon",
    "michael": "mick mike mickey mikey",
    "thomas": "tom tommy",
    "edward": "ted ned eddie ed",
    "henry": "harry hal",
    "charles": "charlie chuck chas",
    "lawrence": "larry laurie",
    "anthony": "tony",
    "joseph": "joe joey",
    "daniel": "dan danny",
    "samuel": "sam sammy",
    "christopher": "chris kit",
    "stephen": "steven steve stevie",
    "albert": "bert bertie",
    "terence": "terry",
    "gerald": "gerry",
    "alexander": "alex sandy",
    "elizabeth": "beth betty bess libby lizzie liz lisa eliza",
    "margaret": "maggie peggy meg madge marge",
    "catherine": "katherine kathryn kate katie cathy kathy cath kath",
    "patricia": "pat trish tricia patsy",
    "susan": "sue susie",
    "dorothy": "dot dottie",
    "mary": "molly polly",
    "sarah": "sally",
    "ann": "anne anna annie nan nancy",
    "rebecca": "becky becca",
    "victoria": "vicky vicki tori",
    "deborah": "debbie debra deb",
    "jacqueline": "jackie",
    "isabel": "isabella isobel izzy bella",
    "eleanor": "ellie nora",
}
_CANONICAL = {nick: name for name, nicks in _NICKNAMES.items() for nick in nicks.split()}
_TITLES = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "rev", "sir", "lady", "prof", "master"])
_UNKNOWN = frozenset({"unknown", "not known", "n a", "na", "none", "no name", "anon", "anonymous"})
_UNIT_WORDS = frozenset({"flat", "unit", "room", "apartment", "apt", "flt"})
_STREET_WORDS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cres": "crescent",
    "cl": "close",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
    "gr": "grove",
    "tce": "terrace",
    "terr": "terrace",
    "hse": "house",
    "apt": "flat",
    "apartment": "flat",
    "flt": "flat",
}
_NUMBER = re.compile(r"^\d+[a-z]?$")
_POSTCODE_IN_TEXT = re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b")


@dataclass(frozen=True)
class Records:
    """Flags as parallel columns. Unknown values: "" for text, -1 (or None) for the age."""

    ids: Sequence[int] | IntArray
    first_name: Sequence[str]
    surname: Sequence[str]
    approx_age: Sequence[int | None] | npt.NDArray[np.integer[Any]]
    address: Sequence[str]
    postcode: Sequence[str]

    def __post_init__(self) -> None:
        lengths = {
            len(column) for column in (self.first_name, self.surname, self.approx_age, self.address, self.postcode)
        }
        if lengths != {len(self.ids)}:
            raise ValueError("Records: every column must have one value per id.")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Records:
        """From dicts with keys id, first_name, surname, approx_age, address, postcode (any may be
        missing or None, except id)."""
        rows = list(rows)

        def text(key: str) -> list[str]:
            return [str(row.get(key) or "") for row in rows]

        ages = [row.get("approx_age") for row in rows]
        return cls(
            ids=np.array([int(row["id"]) for row in rows], dtype=np.int64),
            first_name=text("first_name"),
            surname=text("surname"),
            approx_age=np.array([-1 if age is None else int(age) for age in ages], dtype=np.int64),
            address=text("address"),
            postcode=text("postcode"),
        )


@dataclass(frozen=True)
class Normalised:
    """Records ready to compare: object arrays of tidy strings ("" = unknown)."""

    ids: IntArray
    first_name: ObjectArray
    first_canonical: ObjectArray  # the name a nickname stands for ("bob" -> "robert")
    first_length: IntArray
    surname: ObjectArray
    age: IntArray  # -1 = unknown
    address: ObjectArray  # without the postcode, abbreviations spelt out
    number: ObjectArray  # house number ("12", "12a")
    flat: ObjectArray  # flat or unit number
    street: ObjectArray  # the first word of the street after the house number
    postcode: ObjectArray  # "LS1 4AP"
    sector: ObjectArray  # "LS1 4"
    district: ObjectArray  # "LS1"

    def __len__(self) -> int:
        return len(self.ids)


def split_name(name: str) -> tuple[str, str]:
    """A whole name as a partner typed it -> (first name, surname). "Mrs Smith" -> ("", "Smith");
    a lone word without a title is taken as a first name."""
    words = (name or "").replace(".", " ").split()
    titled = bool(words) and words[0].lower() in _TITLES
    if titled:
        words = words[1:]
    if not words:
        return "", ""
    if len(words) == 1:
        return ("", words[0]) if titled else (words[0], "")
    return words[0], words[-1]


def _clean(text: str | None) -> str:
    """Lower case ASCII letters, digits and single spaces; apostrophes dropped, other punctuation a space."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    ascii_text = re.sub(r"['`]", "", ascii_text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def _name(text: str | None, *, first_word: bool) -> str:
    cleaned = _clean(text)
    if cleaned in _UNKNOWN:
        return ""
    words = cleaned.split()
    while words and words[0] in _TITLES:
        words = words[1:]
    if first_word:
        return words[0] if words else ""
    return " ".join(words)


def _address(text: str | None) -> tuple[str, str, str, str]:
    """(address, house number, flat number, first street word)."""
    cleaned = _clean(_POSTCODE_IN_TEXT.sub(" ", (text or "").lower()))
    if cleaned in _UNKNOWN:
        return "", "", "", ""
    words: list[str] = []
    for word in cleaned.split():
        if word == "st":  # "High St" is a street, "12 St Johns Road" a saint
            previous = words[-1] if words else ""
            word = "street" if previous.isalpha() else "saint"
        words.append(_STREET_WORDS.get(word, word))
    number = flat = street = ""
    position = 0
    while position < len(words):
        word = words[position]
        if word in _UNIT_WORDS and position + 1 < len(words) and _NUMBER.match(words[position + 1]):
            flat = flat or words[position + 1]
            position += 2
            continue
        if not number and _NUMBER.match(word):
            number = word
        elif number and not street and word.isalpha() and word != "the":
            street = word
            break
        position += 1
    return " ".join(words), number, flat, street


def _postcode(text: str | None) -> tuple[str, str, str]:
    """(full postcode "LS1 4AP", sector "LS1 4", district "LS1"); "" for what is not there."""
    value = text or ""
    full = postcodes.formatted(value) if postcodes.is_valid(value) else ""
    return full, full[:-2], postcodes.district(value)


def _column(values: Iterable[Any], tidy: Callable[[Any], Any], width: int) -> list[ObjectArray]:
    """Apply `tidy` to each distinct value once; `width` results per value, one array each."""
    seen: dict[Any, Any] = {}
    results = [seen[value] if value in seen else seen.setdefault(value, tidy(value)) for value in values]
    if width == 1:
        return [np.array(results, dtype=object)]
    columns = list(zip(*results, strict=True)) if results else [() for _ in range(width)]
    return [np.array(column, dtype=object) for column in columns]


def normalise(records: Records) -> Normalised:
    """Lower case, no punctuation or accents, single spaces; titles and "unknown" removed; street
    abbreviations spelt out; house and flat numbers taken from the address; postcodes in their
    canonical form with their sector and district."""
    (first,) = _column(records.first_name, lambda value: _name(value, first_word=True), 1)
    (surname,) = _column(records.surname, lambda value: _name(value, first_word=False), 1)
    canonical = np.array([_CANONICAL.get(name, name) for name in first], dtype=object)
    address, number, flat, street = _column(records.address, _address, 4)
    postcode, sector, district = _column(records.postcode, _postcode, 3)
    ages = np.array([-1 if age is None else age for age in records.approx_age], dtype=np.int64)
    ages[(ages < 0) | (ages > 120)] = -1
    return Normalised(
        ids=np.asarray(records.ids, dtype=np.int64),
        first_name=first,
        first_canonical=canonical,
        first_length=np.fromiter((len(name) for name in first), dtype=np.int64, count=len(first)),
        surname=surname,
        age=ages,
        address=address,
        number=number,
        flat=flat,
        street=street,
        postcode=postcode,
        sector=sector,
        district=district,
    )


def _similarity(a: ObjectArray, b: ObjectArray, scorer: Any, workers: int) -> npt.NDArray[np.float64]:
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(process.cpdist(a, b, scorer=scorer, workers=workers, dtype=np.float64))


def _first_name_levels(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray, workers: int) -> LevelArray:
    a, b = left.first_name[ia], right.first_name[ib]
    levels = np.full(len(ia), 4, dtype=np.int8)
    missing = (a == "") | (b == "")
    exact = ~missing & (a == b)
    variant = ~missing & ~exact & (left.first_canonical[ia] == right.first_canonical[ib])
    rest = np.flatnonzero(~(missing | exact | variant))
    la, lb = left.first_length[ia[rest]], right.first_length[ib[rest]]
    shorter = np.minimum(la, lb)
    prefix = _similarity(a[rest], b[rest], Prefix.similarity, workers)
    variant[rest[(shorter >= _MIN_PREFIX) & (prefix >= shorter)]] = True
    jaro = _similarity(a[rest], b[rest], JaroWinkler.normalized_similarity, workers)
    similar = np.zeros(len(ia), dtype=bool)
    similar[rest[jaro >= _FIRST_SIMILAR]] = True
    initial = np.zeros(len(ia), dtype=bool)
    initial[rest[(shorter == 1) & (prefix >= 1)]] = True
    for level, mask in ((3, initial), (2, similar), (1, variant), (0, exact)):
        levels[mask] = level
    levels[missing] = MISSING
    return levels


def _surname_levels(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray, workers: int) -> LevelArray:
    a, b = left.surname[ia], right.surname[ib]
    levels = np.full(len(ia), 3, dtype=np.int8)
    missing = (a == "") | (b == "")
    exact = ~missing & (a == b)
    rest = np.flatnonzero(~(missing | exact))
    jaro = _similarity(a[rest], b[rest], JaroWinkler.normalized_similarity, workers)
    levels[rest[jaro >= _SURNAME_SIMILAR]] = 2
    levels[rest[jaro >= _SURNAME_CLOSE]] = 1
    levels[exact] = 0
    levels[missing] = MISSING
    return levels


def _age_levels(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray) -> LevelArray:
    a, b = left.age[ia], right.age[ib]
    gap = np.abs(a - b)
    levels = np.searchsorted(np.array(_AGE_BANDS), gap, side="left").astype(np.int8)
    levels[(a < 0) | (b < 0)] = MISSING
    return levels


def _address_levels(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray, workers: int) -> LevelArray:
    a, b = left.address[ia], right.address[ib]
    na, nb = left.number[ia], right.number[ib]
    fa, fb = left.flat[ia], right.flat[ib]
    levels = np.full(len(ia), 3, dtype=np.int8)
    missing = (a == "") | (b == "")
    conflict = ((na != "") & (nb != "") & (na != nb)) | ((fa != "") & (fb != "") & (fa != fb))
    exact = ~missing & (a == b)
    rest = np.flatnonzero(~(missing | exact | conflict))
    ratio = _similarity(a[rest], b[rest], fuzz.token_set_ratio, workers)
    same_number = (na[rest] != "") & (na[rest] == nb[rest])
    levels[rest[same_number]] = 2
    levels[rest[ratio >= _ADDRESS_SIMILAR]] = 1
    levels[exact] = 0
    levels[missing] = MISSING
    return levels


def _postcode_levels(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray) -> LevelArray:
    levels = np.full(len(ia), 3, dtype=np.int8)
    da, db = left.district[ia], right.district[ib]
    levels[da == db] = 2
    sa = left.sector[ia]
    levels[(sa != "") & (sa == right.sector[ib])] = 1
    pa = left.postcode[ia]
    levels[(pa != "") & (pa == right.postcode[ib])] = 0
    levels[(da == "") | (db == "")] = MISSING
    return levels


def compare(left: Normalised, right: Normalised, ia: IntArray, ib: IntArray, *, workers: int = 1) -> LevelArray:
    """The level of each field (columns in `FIELDS` order; `MISSING` = -1) for the pairs
    (left[ia[k]], right[ib[k]]). `workers` is passed to rapidfuzz (-1: every core)."""
    ia, ib = np.asarray(ia, dtype=np.int64), np.asarray(ib, dtype=np.int64)
    return np.column_stack(
        [
            _first_name_levels(left, right, ia, ib, workers),
            _surname_levels(left, right, ia, ib, workers),
            _age_levels(left, right, ia, ib),
            _address_levels(left, right, ia, ib, workers),
            _postcode_levels(left, right, ia, ib),
        ]
    ).astype(np.int8)
