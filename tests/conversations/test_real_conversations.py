"""Real Pol.is conversations analysed end to end, and compared with the groups Pol.is itself gave.

participants-votes.csv carries each participant's Pol.is group. The floors below are the adjusted Rand
index (ARI) measured on 2026-11-27 with seed 0 (docs/performance.md, "Opinion maps") less a margin of
about 0.05 to 0.1; they catch a regression, not noise. Pol.is's own groups came from years of
incremental updates (history-dependent membership, k smoothing, warm starts), so a perfect match is
not expected. These conversations are small or medium, so that the whole file runs in a few seconds.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from heard.conversations.analysis import adjusted_rand_index, analyse
from heard.conversations.polis import read_export
from tests.conversations.polis_data import here

# conversation: (ARI floor, Pol.is's number of groups); measured ARI in the comment.
FLOORS = {
    "15-per-hour-seattle": (0.85, 2),  # 0.941
    "brexit-consensus": (0.80, 2),  # 0.876
    "canadian-electoral-reform": (0.90, 2),  # 0.964
    "scoop-hivemind.taxes": (0.85, 2),  # 0.910
    "scoop-hivemind.biodiversity": (0.85, 2),  # 0.931
    "vtaiwan.uberx": (0.75, 2),  # 0.826
}


@pytest.mark.parametrize("conversation", sorted(FLOORS))
def test_groups_agree_with_polis(conversation):
    floor, polis_k = FLOORS[conversation]
    export = read_export(here(conversation))
    polis = {p: g for p, g in export.groups.items() if g is not None}
    result = analyse(export.to_votes(), seed=0)
    assert result.enough_votes
    assert result.k == polis_k
    ours = result.labels()
    shared = [p for p in polis if p in ours]
    assert len(shared) >= 0.9 * len(ours)
    ari = adjusted_rand_index([polis[p] for p in shared], [ours[p] for p in shared])
    assert ari >= floor, f"{conversation}: ARI {ari:.3f} below {floor}"
    moderated_out = {s.id for s in export.statements if s.excluded}
    for group in result.groups:
        assert group["repness"]
        assert not {e["statement_id"] for e in group["repness"]} & moderated_out
    assert not set(result.statement_order) & moderated_out


def test_opinion_map_command_writes_the_documented_json(tmp_path):
    out = tmp_path / "seattle.json"
    call_command("opinion_map", "--polis-dir", str(here("15-per-hour-seattle")), "--json", str(out), "--seed", "0")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"participants_clustered", "groups", "consensus"}
    export = read_export(here("15-per-hour-seattle"))
    participants = {v.participant_id for v in export.votes}
    statements = {s.id for s in export.statements}
    members = [m for group in data["groups"] for m in group["members"]]
    assert data["participants_clustered"] == len(members) == len(set(members))
    assert set(members) <= participants
    assert len(data["groups"]) == 2
    for group in data["groups"]:
        assert set(group) == {"id", "members", "repness"}
        assert isinstance(group["id"], int)
        for entry in group["repness"]:
            assert set(entry) == {"statement_id", "direction", "p_success", "repness", "z"}
            assert entry["statement_id"] in statements
            assert entry["direction"] in ("agree", "disagree")
    for entry in data["consensus"]:
        assert set(entry) == {"statement_id", "direction", "probability"}
        assert entry["statement_id"] in statements
        assert 0 < entry["probability"] < 1
    # The same seed gives the same map.
    again = tmp_path / "again.json"
    call_command("opinion_map", "--polis-dir", str(here("15-per-hour-seattle")), "--json", str(again))
    assert json.loads(again.read_text(encoding="utf-8")) == data
