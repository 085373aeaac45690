"""Answers to the optional "about you" questions, used to weight polls. Bands follow the 2021
Census and the ONS harmonised standards so that poll margins can come from published tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PREFER_NOT = "prefer_not"


class AgeBand(models.TextChoices):
    AGE_16_24 = "16-24", _("16 to 24")
    AGE_25_34 = "25-34", _("25 to 34")
    AGE_35_44 = "35-44", _("35 to 44")
    AGE_45_54 = "45-54", _("45 to 54")
    AGE_55_64 = "55-64", _("55 to 64")
    AGE_65_74 = "65-74", _("65 to 74")
    AGE_75_PLUS = "75+", _("75 or over")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("In another way")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class Tenure(models.TextChoices):
    OWN_OUTRIGHT = "own_outright", _("Own it outright")
    OWN_MORTGAGE = "own_mortgage", _("Own it with a mortgage or loan")
    SHARED_OWNERSHIP = "shared_ownership", _("Shared ownership")
    SOCIAL_RENT_COUNCIL = "rent_council", _("Rent from the council")
    SOCIAL_RENT_HA = "rent_housing_association", _("Rent from a housing association")
    PRIVATE_RENT = "rent_private", _("Rent from a private landlord or letting agency")
    RENT_FREE = "rent_free", _("Live here rent-free")
    OTHER = "other", _("Other")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class WorkStatus(models.TextChoices):
    FULL_TIME = "full_time", _("Working full-time")
    PART_TIME = "part_time", _("Working part-time")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed and looking for work")
    STUDENT = "student", _("In full-time education")
    RETIRED = "retired", _("Retired")
    CARING = "caring", _("Looking after home or family")
    LONG_TERM_SICK = "long_term_sick", _("Long-term sick or disabled")
    OTHER = "other", _("Other")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class Ethnicity(models.TextChoices):
    ASIAN = "asian", _("Asian or Asian British")
    BLACK = "black", _("Black, Black British, Caribbean or African")
    MIXED = "mixed", _("Mixed or multiple ethnic groups")
    WHITE = "white", _("White")
    OTHER = "other", _("Another ethnic group")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


class Disability(models.TextChoices):
    LIMITED_A_LOT = "limited_a_lot", _("Yes, limited a lot")
    LIMITED_A_LITTLE = "limited_a_little", _("Yes, limited a little")
    NO = "no", _("No")
    PREFER_NOT_TO_SAY = PREFER_NOT, _("Prefer not to say")


DEMOGRAPHIC_FIELDS: dict[str, type[models.TextChoices]] = {
    "age_band": AgeBand,
    "gender": Gender,
    "tenure": Tenure,
    "work_status": WorkStatus,
    "ethnicity": Ethnicity,
    "disability": Disability,
}
