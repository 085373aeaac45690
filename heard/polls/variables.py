"""The weighting variables a profile question can give, with their levels.

They are the "about you" answers of accounts (bands as in the 2021 Census and the ONS harmonised
standards, so margins can come from published tables). "Prefer not to say" is offered in a poll
but is not a level of the population: see `MISSING`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heard.accounts.enums import DEMOGRAPHIC_FIELDS, PREFER_NOT

LABELS = {
    "age_band": _("Age band"),
    "gender": _("Gender"),
    "tenure": _("Housing tenure"),
    "work_status": _("Work status"),
    "ethnicity": _("Ethnic group"),
    "disability": _("Disability"),
}
VARIABLE_CHOICES = [(code, LABELS[code]) for code in DEMOGRAPHIC_FIELDS]

# A respondent who preferred not to say (or was not asked) is in this level of the variable.
# Weighting keeps its share of the sample as it is and rakes the other levels to the margins
# scaled to the rest, so no one is dropped for declining a question.
MISSING = "_missing"


def options(variable: str) -> list[tuple[str, str]]:
    """The answers a profile question for `variable` offers, "Prefer not to say" last."""
    return [(str(code), str(label)) for code, label in DEMOGRAPHIC_FIELDS[variable].choices]


def levels(variable: str) -> list[str]:
    """The population levels of `variable` (what margins give shares for)."""
    return [str(code) for code, _label in DEMOGRAPHIC_FIELDS[variable].choices if code != PREFER_NOT]


def level_label(variable: str, level: str) -> str:
    if level == MISSING:
        return str(_("Not stated"))
    return dict(options(variable)).get(level, level)
