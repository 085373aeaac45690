"""Weighting a wave to margins (typed or from CSV), its results with intervals, breakdowns and
suppression, and the research exports."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from heard.polls import analysis, estimation
from heard.polls.enums import RespondentStatus
from heard.polls.models import Answer, Respondent

pytestmark = pytest.mark.django_db

AGE_LEVELS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
# Population shares (percent) and a sample that over-represents older people.
POPULATION = dict(zip(AGE_LEVELS, [14, 19, 17, 16, 14, 11, 9], strict=True))
SAMPLE = dict(zip(AGE_LEVELS, [10, 12, 14, 20, 24, 26, 14], strict=True))


def fill(wave, *, agree_young=0.6, agree_old=0.2):
    """Complete responses: SAMPLE people per age band; the young agree more often."""
    poll = wave.poll
    age, say, text = (poll.questions.get(code=c) for c in ("q1", "q3", "q7"))
    n = 0
    for level, count in SAMPLE.items():
        share = agree_young if level in ("16-24", "25-34") else agree_old
        for k in range(count):
            n += 1
            respondent = Respondent.objects.create(
                wave=wave, resume_key=f"k{wave.pk}-{n}", status=RespondentStatus.COMPLETE, submitted_at=timezone.now()
            )
            Answer.objects.create(respondent=respondent, question=age, choices=[level])
            Answer.objects.create(respondent=respondent, question=say, choices=["4" if k < share * count else "2"])
            if k == 0:
                Answer.objects.create(respondent=respondent, question=text, text=f"Comment from {level}")


def weigh(client, poll, data=None, files=None):
    url = reverse("polls:manage_weighting", kwargs={"slug": poll.slug, "number": 1})
    return client.post(url, {**(data or {}), **(files or {})})


def test_weighting_to_typed_margins_meets_them_and_results_follow(
    client_for, analyst, poll, wave, django_capture_on_commit_callbacks
) -> None:
    fill(wave)
    client = client_for(analyst)
    margins = {f"age_band__{level}": str(share) for level, share in POPULATION.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = weigh(client, poll, {**margins, "cap": "5"})
    assert response.status_code == 302
    wave.refresh_from_db()
    report = wave.weighting_report
    assert report["converged"]
    assert report["max_margin_error"] <= 1e-6
    assert report["max_weight"] <= 5
    # Weighted, each age band has its population share.
    weights = dict(Respondent.objects.filter(wave=wave).values_list("pk", "weight"))
    by_level: dict[str, float] = {}
    for respondent_id, choices in Answer.objects.filter(question__code="q1").values_list("respondent_id", "choices"):
        by_level[choices[0]] = by_level.get(choices[0], 0) + weights[respondent_id]
    total = sum(by_level.values())
    for level, share in POPULATION.items():
        assert by_level[level] / total == pytest.approx(share / 100, abs=1e-6)
    # The stored result for "I have a say" is the weighted share, with both intervals.
    say = next(q for q in wave.results["questions"] if q["code"] == "q3")
    tend_to_agree = next(row for row in say["rows"] if row["code"] == "4")
    y = np.array(
        [
            1.0 if c == ["4"] else 0.0
            for c in Answer.objects.filter(question__code="q3")
            .order_by("respondent_id")
            .values_list("choices", flat=True)
        ]
    )
    w = np.array([weights[pk] for pk in sorted(weights)])
    assert tend_to_agree["estimate"] == pytest.approx(float((w * y).sum() / w.sum()), abs=1e-6)
    assert tend_to_agree["ci_low"] < tend_to_agree["estimate"] < tend_to_agree["ci_high"]
    assert tend_to_agree["kish_low"] is not None
    page = client.get(reverse("polls:manage_results", kwargs={"slug": poll.slug})).content.decode()
    assert "95% interval" in page
    assert "Kish interval" in page


def test_small_groups_are_suppressed_and_gaps_marked(client_for, analyst, poll, wave) -> None:
    fill(wave)
    analysis.wave_results_store(wave=wave)
    page = client_for(analyst).get(reverse("polls:manage_results", kwargs={"slug": poll.slug}) + "?by=age_band")
    html = page.content.decode()
    assert "too few answers" in html  # every age band has fewer than 50 people
    entry = next(q for q in wave.results["questions"] if q["code"] == "q3")
    cells = entry["breakdowns"]["age_band"]["levels"]
    assert all(level["cells"][0]["suppressed"] for level in cells)


def test_gap_between_groups_is_significant_when_large(poll, wave) -> None:
    """With bigger groups the young's higher agreement is marked as a significant gap."""
    global SAMPLE
    saved = SAMPLE
    SAMPLE = {level: count * 6 for level, count in saved.items()}
    try:
        fill(wave, agree_young=0.7, agree_old=0.2)
    finally:
        SAMPLE = saved
    analysis.wave_results_store(wave=wave)
    entry = next(q for q in wave.results["questions"] if q["code"] == "q3")
    levels = {level["level"]: level for level in entry["breakdowns"]["age_band"]["levels"]}
    agree = [row["code"] for row in entry["rows"]].index("4")
    young_gap = levels["16-24"]["cells"][agree]["gap"]
    assert young_gap["significant"]
    assert young_gap["estimate"] > 0.3
    assert not levels["16-24"]["cells"][agree]["suppressed"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"variable,level,share\nage_band,16-24,14\nage_band,25-34,nope\n", "Line 3"),
        (b"variable,level,share\nage_band,16-24,50\nage_band,25-34,10\n", "needs a share"),
        (b"variable,level,share\n" + b"".join(f"age_band,{lv},10\n".encode() for lv in AGE_LEVELS), "add up to 70"),
        (b"variable,level,share\nage_band,teen,100\n", "no level teen"),
        (b"variable,level,share\ntenure,own_outright,100\n", "No question of this poll asks about Housing tenure"),
        (b"name,value\n", "headings"),
    ],
)
def test_bad_margins_are_named_and_nothing_is_stored(client_for, analyst, poll, wave, content, message) -> None:
    response = weigh(client_for(analyst), poll, files={"margins_csv": SimpleUploadedFile("m.csv", content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    wave.refresh_from_db()
    assert wave.margins == {}


def test_margins_imported_from_csv(client_for, analyst, poll, wave, django_capture_on_commit_callbacks) -> None:
    fill(wave)
    rows = "".join(f"age_band,{level},{share / 100}\n" for level, share in POPULATION.items())
    with django_capture_on_commit_callbacks(execute=True):
        weigh(
            client_for(analyst),
            poll,
            files={"margins_csv": SimpleUploadedFile("m.csv", f"variable,level,share\n{rows}".encode())},
        )
    wave.refresh_from_db()
    assert wave.margins["age_band"]["16-24"] == pytest.approx(0.14)
    assert wave.weighting_report["converged"]


def test_exports_hold_every_respondent_with_weight_and_labels(client_for, analyst, poll, wave, tmp_path) -> None:
    fill(wave)
    wave.margins = {"age_band": {level: share / 100 for level, share in POPULATION.items()}}
    wave.save()
    analysis.wave_weight(wave=wave)
    wave.refresh_from_db()
    analysis.wave_results_store(wave=wave)
    client = client_for(analyst)
    url = lambda fmt: reverse("polls:manage_export", kwargs={"slug": poll.slug, "number": 1, "fmt": fmt})  # noqa: E731
    rows = list(csv.DictReader(io.StringIO(client.get(url("csv")).content.decode("utf-8-sig"))))
    assert len(rows) == sum(SAMPLE.values())
    assert {"respondent", "weight", "q1", "q3", "q5_1", "q6_1"} <= set(rows[0])
    assert all(float(row["weight"]) > 0 for row in rows)
    path = tmp_path / "poll.sav"
    path.write_bytes(client.get(url("sav")).content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == len(rows)
    assert meta.column_names_to_labels["q3"] == "I have a say"
    assert (
        meta.variable_value_labels["q3"][5.0 if isinstance(next(iter(meta.variable_value_labels["q3"])), float) else 5]
        == "Strongly agree"
    )
    assert meta.variable_value_labels["q1"]
    assert isinstance(frame, pd.DataFrame)
    assert frame["weight"].notna().all()
    workbook_path = tmp_path / "poll.xlsx"
    workbook_path.write_bytes(client.get(url("xlsx")).content)
    workbook = load_workbook(workbook_path)
    assert workbook.sheetnames == ["Results", "Respondents"]
    assert workbook["Respondents"].max_row == len(rows) + 1


def test_free_text_is_coded_into_themes(client_for, analyst, poll, wave) -> None:
    fill(wave)
    client = client_for(analyst)
    url = reverse("polls:manage_text", kwargs={"slug": poll.slug, "code": "q7"})
    answer = Answer.objects.filter(question__code="q7").first()
    client.post(url, {"answer": answer.pk, "theme": "Age"})
    assert list(answer.themes.values_list("label", flat=True)) == ["Age"]
    page = client.get(url + "?theme=Age").content.decode()
    assert answer.text in page
    assert "Not coded yet" in page


def test_results_are_public_only_when_published(client, client_for, resident, poll, wave) -> None:
    fill(wave)
    analysis.wave_results_store(wave=wave)
    url = reverse("polls:results", kwargs={"slug": poll.slug})
    assert client_for(resident).get(url).status_code == 403
    poll.results_public = True
    poll.save()
    assert client.get(url).status_code == 200


def test_results_page_reads_stored_figures_in_a_fixed_number_of_queries(
    client, poll, wave, django_assert_max_num_queries
) -> None:
    poll.results_public = True
    poll.save()
    fill(wave)
    analysis.wave_results_store(wave=wave)
    with django_assert_max_num_queries(3):  # poll, waves with results, (session-free)
        client.get(reverse("polls:results", kwargs={"slug": poll.slug}) + "?by=age_band")


def test_kish_effective_size_is_reported() -> None:
    assert estimation.kish_effective_size(np.array([1.0, 1.0, 2.0, 2.0])) == pytest.approx(36 / 10)


def test_a_failed_reweighting_keeps_the_last_good_one(
    client_for, analyst, poll, wave, django_capture_on_commit_callbacks
) -> None:
    fill(wave)
    good = {"age_band": {level: share / 100 for level, share in POPULATION.items()}}
    assert analysis.wave_weight(wave=wave, margins=good)
    analysis.wave_results_store(wave=wave)
    before = dict(Respondent.objects.filter(wave=wave).values_list("pk", "weight"))
    # Margins that leave an age band without anyone to carry it: 75+ has people, but a share of 0.
    impossible = {level: str(share) for level, share in POPULATION.items()}
    impossible["75+"], impossible["16-24"] = "0", str(POPULATION["16-24"] + POPULATION["75+"])
    with django_capture_on_commit_callbacks(execute=True):
        weigh(client_for(analyst), poll, {f"age_band__{k}": v for k, v in impossible.items()})
    wave.refresh_from_db()
    assert wave.weighting_error
    assert wave.margins == good
    assert dict(Respondent.objects.filter(wave=wave).values_list("pk", "weight")) == before
    assert wave.results["weighted"]
    page = client_for(analyst).get(reverse("polls:manage_weighting", kwargs={"slug": poll.slug, "number": 1}))
    assert "could not be done" in page.content.decode()


@pytest.mark.parametrize("value", ["nan", "inf", "-5"])
def test_shares_that_are_not_numbers_are_refused(client_for, analyst, poll, wave, value) -> None:
    data = {f"age_band__{level}": str(share) for level, share in POPULATION.items()}
    data["age_band__16-24"] = value
    response = weigh(client_for(analyst), poll, data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    wave.refresh_from_db()
    assert wave.margins == {}


def test_the_public_sees_results_only_once_a_wave_closes(client, poll, wave) -> None:
    poll.results_public = True
    poll.save()
    fill(wave)
    analysis.wave_results_store(wave=wave)
    url = reverse("polls:results", kwargs={"slug": poll.slug})
    assert "No results yet" in client.get(url).content.decode()
    type(wave).objects.filter(pk=wave.pk).update(closes_at=timezone.now())
    assert "I have a say" in client.get(url).content.decode()


def test_exported_text_never_runs_as_a_formula(client_for, analyst, poll, wave) -> None:
    fill(wave)
    Answer.objects.filter(question__code="q7").update(text='=HYPERLINK("http://x.example")')
    url = reverse("polls:manage_export", kwargs={"slug": poll.slug, "number": 1, "fmt": "csv"})
    rows = list(csv.DictReader(io.StringIO(client_for(analyst).get(url).content.decode("utf-8-sig"))))
    texts = {row["q7"] for row in rows if row["q7"]}
    assert texts == {'\'=HYPERLINK("http://x.example")'}
