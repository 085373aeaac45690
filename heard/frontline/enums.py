import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    SHOPKEEPER = "shopkeeper", _("Shopkeeper or shop worker")
    TRADESPERSON = "tradesperson", _("Tradesperson (plumber, electrician, builder…)")
    DRIVER = "driver", _("Taxi, bus or delivery driver")
    POSTAL = "postal", _("Postal or delivery worker")
    NEIGHBOUR = "neighbour", _("Neighbour")
    OTHER = "other", _("Other")


class PartnerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be verified")
    VERIFIED = "verified", _("Verified")
    SUSPENDED = "suspended", _("Suspended")


class Category(models.TextChoices):
    DEMENTIA = "dementia", _("Possible dementia or confusion")
    COLD_HOME = "cold_home", _("Cold or unsafe home")
    YOUNG_PERSON = "young_person", _("Distressed or at-risk young person")
    SELF_NEGLECT = "self_neglect", _("Self-neglect")
    ISOLATION = "isolation", _("Isolation or loneliness")
    FINANCIAL = "financial", _("Financial hardship")
    ABUSE = "abuse", _("Suspected abuse or exploitation")
    OTHER = "other", _("Something else")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent: someone should look today")
    SOON = "soon", _("Soon: in the next day or two")
    ROUTINE = "routine", _("Not urgent: within a few days")


# How long an agency has to acknowledge a referral, by urgency; a missed deadline escalates.
ACKNOWLEDGE_WITHIN = {
    Urgency.URGENT: dt.timedelta(hours=4),
    Urgency.SOON: dt.timedelta(hours=24),
    Urgency.ROUTINE: dt.timedelta(days=3),
}


class SubjectAware(models.TextChoices):
    AGREED = "agreed", _("Yes, and they agreed to me passing this on")
    KNOWS = "knows", _("They know, but did not say whether they agree")
    NOT_TOLD = "not_told", _("No: telling them could put them at more risk")
    COULD_NOT_ASK = "could_not_ask", _("No: I could not ask them")


class LawfulBasis(models.TextChoices):
    """Under UK GDPR, recorded per flag by whoever triages it."""

    CONSENT = "consent", _("Consent of the person")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (protecting someone's life)")
    PUBLIC_TASK = "public_task", _("Public task (a statutory duty, e.g. Care Act 2014 s42)")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class AgencyKind(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", _("Adult social care")
    CHILDREN = "children", _("Children's services")
    HOUSING = "housing", _("Housing")
    NHS = "nhs", _("NHS")
    POLICE = "police", _("Police (non-emergency)")
    FIRE = "fire", _("Fire service: safe and well visits")
    CHARITY = "charity", _("Charity or community group")
    DUTY = "duty", _("Duty coordinators (flags no rule routes)")


class FlagStatus(models.TextChoices):
    """What the flagger sees. Never more than this."""

    RECEIVED = "received", _("Received")
    LOOKED_AT = "looked_at", _("Being looked at")
    CLOSED = "closed", _("Closed")


class ReferralStatus(models.TextChoices):
    ROUTED = "routed", _("Waiting to be acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    TRANSFERRED = "transferred", _("Transferred")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")


OPEN_REFERRAL = (ReferralStatus.ROUTED, ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED)


class Outcome(models.TextChoices):
    ACTION_TAKEN = "action_taken", _("Action taken")
    SUPPORT_OFFERED = "support_offered", _("Support offered, not taken up")
    NO_ACTION_NEEDED = "no_action_needed", _("Looked into: no action needed")
    COULD_NOT_CONTACT = "could_not_contact", _("Could not make contact")


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class AccessReason(models.TextChoices):
    """Why someone read or exported a flag's personal details (the audit log keeps it)."""

    ACT = "act", _("To act on this referral")
    TRIAGE = "triage", _("To triage or route it")
    LINK = "link", _("To check a proposed link")
    COORDINATE = "coordinate", _("To coordinate a linked case")
    EXPORT = "export", _("To export for a lawful request")


class ExportPurpose(models.TextChoices):
    """Why a manager exports referrals with personal details (recorded in the access log)."""

    SUBJECT_ACCESS = "subject_access", _("A subject access request from the person")
    LAWFUL_REQUEST = "lawful_request", _("A court order, or a police request with a lawful basis")
    SAFEGUARDING_REVIEW = "review", _("A safeguarding adults or child practice review")
    CASE_AUDIT = "case_audit", _("An audit of the agency's casework")
