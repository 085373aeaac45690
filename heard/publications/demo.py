"""The demo world's publications, newsletter and contact form, by the Millbrook Collaborative.

- The report "The Collaborative Citizen", published two months ago from the first wave of the demo
  poll (its figures are read from the poll's weighted results), with a short PDF, linked to the
  poll and to the festival; three responses to it from invited experts; and an article calling
  for festival hosts, from when the call was open.
- The "Millbrook Collaborative newsletter", with three topics and its first issue, sent: the
  report, its responses and the call for hosts, with the festival and the follow-up evening on
  repairs. Five residents and partners receive it (each delivery recorded as sent); one more
  address is waiting for its confirmation.
- Four contact topics (three for the Collaborative's teams, one for the council's) and two
  messages, one of them already handled.

Everyone named here is made up, as is everything else in the demo world. The rows are written
directly, with the dates they would have had; bodies are rendered with the same Markdown
renderer the publishing service uses. Deterministic, and idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from heard.core.crypto import token_digest
from heard.events.demo import FESTIVAL_SLUG, FOLLOW_UP_SLUG
from heard.events.models import Event
from heard.polls.demo import TITLE as POLL_TITLE
from heard.polls.models import Poll
from heard.publications.enums import (
    DeliveryStatus,
    IssueStatus,
    PublicationKind,
    PublicationStatus,
    SubscriberStatus,
)
from heard.publications.markdown import render
from heard.publications.models import (
    Attachment,
    Author,
    Authorship,
    ContactMessage,
    ContactTopic,
    Delivery,
    Newsletter,
    NewsletterIssue,
    Publication,
    Subscriber,
    Tag,
    Topic,
)
from heard.publications.personal import email_key

REPORT_SLUG = "the-collaborative-citizen"
ARTICLE_SLUG = "calling-all-hosts-the-unusual-suspects-festival"
NEWSLETTER_SLUG = "millbrook-collaborative-newsletter"
CONTACT_DOMAIN = "millbrook.example"

DIRECTOR = ("Dr Ruth Calloway", "Director, Millbrook Collaborative")
FOUNDATION = ("Margaret Osei", "Chief Executive, the Eastmere Foundation")
PROFESSOR = ("Professor Alan Whitcombe", "Professor of Public Management, University of Eastmere")
POLLSTER = ("Hannah Lowe", "Research Director, Eastmere Research")

# Days before today: the report came out while the festival's call for hosts was open (it opened
# 70 days ago and closed 30 days ago), and the newsletter went out two days after it.
ARTICLE_DAYS_AGO = 66
REPORT_DAYS_AGO = 62
RESPONSES_DAYS_AGO = 61
ISSUE_DAYS_AGO = 60

NEWSLETTER_TOPICS = (
    ("Reports and research", "reports-and-research", "New reports, the poll's findings and responses to them."),
    ("Events", "events", "Discussions, the festival and other chances to meet."),
    ("Getting involved", "getting-involved", "Calls for hosts, ideas and volunteers."),
)
# (demo person, topics chosen: none means everything)
SUBSCRIBERS = (
    ("resident", ()),
    ("resident2", ("events",)),
    ("resident3", ("reports-and-research", "events")),
    ("shopkeeper", ("getting-involved",)),
    ("agewell", ()),
)
PENDING_SUBSCRIBER = "plumber"

CONTACT_TOPICS = (
    (
        "collaborative",
        "General enquiries",
        "general-enquiries",
        "Questions about Heard, the Millbrook Collaborative and how to take part.",
        "hello",
    ),
    (
        "collaborative",
        "Press and media",
        "press-and-media",
        "For journalists: interviews, the report and the poll's figures.",
        "press",
    ),
    (
        "collaborative",
        "Hosting at the festival",
        "hosting-at-the-festival",
        "Ideas for a session at The Unusual Suspects Festival, or questions about hosting one.",
        "festival",
    ),
    (
        "council",
        "Feedback about the council's services",
        "feedback-about-the-councils-services",
        "Tell Millbrook Borough Council about a service. To tell your story in public, use the service's page.",
        "feedback",
    ),
)


def seed(world: dict[str, Any]) -> dict[str, Any]:
    if Publication.objects.filter(slug=REPORT_SLUG).exists():
        found = _existing()
        world["publications"] = found
        return found
    people = world["people"]
    organisations = world["organisations"]
    collaborative = organisations["collaborative"]
    convener = people["convener"]
    now = timezone.now()
    poll = Poll.objects.filter(title=POLL_TITLE).first()
    festival = Event.objects.filter(slug=FESTIVAL_SLUG).first()
    follow_up = Event.objects.filter(slug=FOLLOW_UP_SLUG).first()
    tags = {
        name: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for name, slug in (
            ("Research", "research"),
            ("Public services", "public-services"),
            ("Polling", "polling"),
            ("Taking part", "taking-part"),
            ("The new frontline", "the-new-frontline"),
            ("Festival", "festival"),
        )
    }

    report_at = now - dt.timedelta(days=REPORT_DAYS_AGO)
    figures = _figures(poll, before=report_at)
    report = _publication(
        organisation=collaborative,
        kind=PublicationKind.REPORT,
        title="The Collaborative Citizen",
        slug=REPORT_SLUG,
        summary=(
            f"Only {_percent(figures['say'])} of people in Millbrook believe they have any say over their "
            "local public services. Our report asks what it would take for residents to help shape what they "
            "rely on, and sets out a new deal between residents, services and the wider community."
        ),
        body=_report_body(figures, festival, follow_up),
        published_at=report_at,
        created_by=convener,
        poll=poll,
        event=festival,
        authors=[DIRECTOR],
        tags=[tags["Research"], tags["Public services"], tags["Polling"], tags["Taking part"]],
    )
    _attach_pdf(report, figures)

    responses = [
        _publication(
            organisation=collaborative,
            kind=PublicationKind.RESPONSE,
            title=title,
            slug=slug,
            summary=summary,
            body=body,
            published_at=now - dt.timedelta(days=RESPONSES_DAYS_AGO, hours=3 - n),
            created_by=convener,
            responds_to=report,
            authors=[author],
            tags=response_tags,
        )
        for n, (title, slug, summary, body, author, response_tags) in enumerate(
            (
                (
                    "The new frontline",
                    "the-new-frontline",
                    "Shopkeepers, plumbers and taxi drivers now notice need before any service does. "
                    "Services have to be built around those relationships.",
                    _FOUNDATION_RESPONSE.format(frontline=reverse("frontline:start")),
                    FOUNDATION,
                    [tags["Public services"], tags["The new frontline"]],
                ),
                (
                    "Participants, not objects of policy",
                    "participants-not-objects-of-policy",
                    "While residents are treated as the objects of decisions rather than partners in them, "
                    "both they and the services lose.",
                    _PROFESSOR_RESPONSE,
                    PROFESSOR,
                    [tags["Public services"], tags["Taking part"]],
                ),
                (
                    "What the poll does and does not tell us",
                    "what-the-poll-does-and-does-not-tell-us",
                    "How the figures were weighted, how sure we can be of them, and the gaps between "
                    "groups that matter most.",
                    _pollster_body(figures, poll),
                    POLLSTER,
                    [tags["Polling"], tags["Research"]],
                ),
            )
        )
    ]

    article = _publication(
        organisation=collaborative,
        kind=PublicationKind.ARTICLE,
        title="Calling all hosts: The Unusual Suspects Festival",
        slug=ARTICLE_SLUG,
        summary=(
            "Organisations and residents are invited to lead workshops, seminars and talks at our three-day "
            "festival of unexpected partnerships."
        ),
        body=_article_body(festival),
        published_at=now - dt.timedelta(days=ARTICLE_DAYS_AGO),
        created_by=convener,
        event=festival,
        authors=[DIRECTOR],
        tags=[tags["Festival"], tags["Taking part"]],
    )

    newsletter, issue = _newsletter(
        world, report=report, responses=responses, article=article, events=[festival, follow_up], figures=figures
    )
    contact_topics = _contact(world, now)
    found = {
        "report": report,
        "responses": responses,
        "article": article,
        "newsletter": newsletter,
        "issue": issue,
        "contact_topics": contact_topics,
    }
    world["publications"] = found
    return found


def _existing() -> dict[str, Any]:
    report = Publication.objects.get(slug=REPORT_SLUG)
    newsletter = Newsletter.objects.filter(slug=NEWSLETTER_SLUG).first()
    return {
        "report": report,
        "responses": list(report.responses.order_by("published_at", "pk")),
        "article": Publication.objects.filter(slug=ARTICLE_SLUG).first(),
        "newsletter": newsletter,
        "issue": newsletter.issues.filter(number=1).first() if newsletter is not None else None,
        "contact_topics": {topic.slug: topic for topic in ContactTopic.objects.all()},
    }


def _publication(
    *,
    authors: list[tuple[str, str]],
    tags: list[Tag],
    body: str,
    **fields: Any,
) -> Publication:
    publication = Publication.objects.create(
        body=body, body_html=render(body), status=PublicationStatus.PUBLISHED, **fields
    )
    for position, (name, affiliation) in enumerate(authors):
        author = Author.objects.get_or_create(name=name, affiliation=affiliation)[0]
        Authorship.objects.create(publication=publication, author=author, position=position)
    publication.tags.set(tags)
    return publication


# --- The poll's figures ------------------------------------------------------------------------

# What the report says when the poll's results cannot be read (the poll is not in this world).
FALLBACK = {"wave": "", "respondents": 0, "say": 0.14, "tried": None, "listened": None, "tenure": [], "satisfied": []}
AGREE = ("4", "5")


def _figures(poll: Poll | None, *, before: dt.datetime) -> dict[str, Any]:
    """The headline figures of the poll's latest wave closed before `before`, read from its
    stored (weighted) results: the share who agree they have a say, the share who ever tried
    to tell a service what they think, how listened to those felt, and the share with a say by
    housing tenure (groups too small to report are left out)."""
    if poll is None:
        return FALLBACK
    waves = [wave for wave in poll.waves.order_by("-closes_at") if wave.closes_at <= before and wave.results]
    questions = waves[0].results.get("questions", []) if waves else []

    def question(starts: str) -> dict[str, Any] | None:
        return next((q for q in questions if str(q.get("text", "")).startswith(starts)), None)

    say = question("I have a say")
    if say is None or not say.get("rows"):
        return FALLBACK
    agree = [i for i, row in enumerate(say["rows"]) if row["code"] in AGREE]
    tried = question("Have you ever tried")
    listened = question("When you did, how well")
    grid = question("How far do you agree with each of these")
    satisfied = sorted(
        (
            (str(item["label"]).removeprefix("I am satisfied with "), item["estimate"])
            for item in (grid or {}).get("items", [])
            if str(item.get("label", "")).startswith("I am satisfied with ") and not item.get("suppressed")
        ),
        key=lambda pair: -pair[1],
    )
    tenure = []
    for level in say.get("breakdowns", {}).get("tenure", {}).get("levels", []):
        cells = level["cells"]
        if not any(cells[i]["suppressed"] for i in agree):
            tenure.append((level["label"], sum(cells[i]["estimate"] for i in agree)))
    return {
        "wave": waves[0].label,
        "respondents": waves[0].results.get("respondents", 0),
        "say": sum(say["rows"][i]["estimate"] for i in agree),
        "tried": next((row["estimate"] for row in tried["rows"] if row["label"] == "Yes"), None) if tried else None,
        "listened": (listened.get("mean") or {}).get("estimate") if listened else None,
        "tenure": tenure,
        "satisfied": satisfied,
    }


def _percent(share: float) -> str:
    return f"{round(share * 100)} per cent"


NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _one_in(share: float) -> str:
    if share <= 0:
        return "almost nobody"
    n = max(2, round(1 / share))
    return f"about one in {NUMBERS[n - 2] if n <= len(NUMBERS) + 1 else n}"


def _satisfaction(figures: dict[str, Any]) -> str:
    """One sentence on how satisfied people are, from the best- and worst-rated services."""
    satisfied = figures["satisfied"]
    if len(satisfied) < 2:
        return "Satisfaction with local services is mixed at best."
    (best, high), (worst, low) = satisfied[0], satisfied[-1]
    return (
        f"Satisfaction is mixed at best: {round(high * 100)}% are satisfied with {best}, but only "
        f"{round(low * 100)}% with {worst}."
    )


def _figures_table(figures: dict[str, Any]) -> str:
    rows = [("Say they have a say in how public services in their area are run", f"{round(figures['say'] * 100)}%")]
    if figures["tried"] is not None:
        rows.append(
            ("Have ever tried to tell a public service what they think of it", f"{round(figures['tried'] * 100)}%")
        )
    if figures["listened"] is not None:
        rows.append(("How well those who tried felt listened to (average, 0 to 10)", f"{figures['listened']:.1f}"))
    lines = ["| What people told us | Millbrook |", "| --- | ---: |"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    return "\n".join(lines)


def _tenure_table(figures: dict[str, Any]) -> str:
    if not figures["tenure"]:
        return ""
    lines = ["| Home | Say they have a say |", "| --- | ---: |"]
    lines += [f"| {label} | {round(share * 100)}% |" for label, share in figures["tenure"]]
    return "\n".join(lines)


# --- The texts ---------------------------------------------------------------------------------


def _event_url(event: Event) -> str:
    return reverse("events:event", kwargs={"slug": event.slug})


def _report_body(figures: dict[str, Any], festival: Event | None, follow_up: Event | None) -> str:
    say = _percent(figures["say"])
    method = (
        f"In {figures['wave']} we asked {figures['respondents']:,} people who live or work in Millbrook about "
        "the public services they use, online and through Eastmere Research's panel. Open polls hear "
        "more from older home owners than from anyone else, so we weighted the answers to match the "
        "borough's population by age, housing, ethnic group and disability, from the Census. The "
        "figures below are the weighted ones."
        if figures["respondents"]
        else "We asked people who live or work in Millbrook about the public services they use, and "
        "weighted their answers to match the borough's population."
    )
    tenure = _tenure_table(figures)
    follow_up_line = (
        f"a [follow-up discussion evening]({_event_url(follow_up)})"
        if follow_up is not None
        else "a follow-up discussion evening"
    )
    festival_line = (
        f"and at [{festival.title}]({_event_url(festival)}), three days of sessions hosted by the borough's partners"
        if festival is not None
        else "and at the festival we are planning with the borough's partners"
    )
    return f"""Ask people in Millbrook whether they can influence the services they rely on, and most \
say no. Only {say} of the people we asked, {_one_in(figures["say"])}, believe they have any say over \
how local public services are run.

# What we asked

{method}

# What we found

{_figures_table(figures)}

{_satisfaction(figures)} Behind those numbers is a gap in understanding: the services residents
pay for through their taxes often do not grasp what people need from them on a home, a job or
making ends meet. The gap is widest for people who already have the least: renters, younger
people, disabled people and people from minority ethnic groups are the least likely to feel they
have a say.

{"By housing, the gap is plain:" if tenure else ""}

{tenure}

# What it means

These results should trouble anyone who commissions, manages, delivers or votes on the budget
for a public service, and every party that will ask for residents' votes.

- **People are treated as users, not partners.** Services are designed *for* residents, rarely
  *with* them, and people can tell.
- **Telling a service what you think rarely changes anything you can see.** Many of those who
  tried did not feel listened to, and few heard what happened next.
- **The collaborative citizen is there to be found.** Residents, local businesses and community
  groups already do much of the noticing, caring and fixing. If we shut that voice out, public
  life will still change, but it will change around people rather than with them.

# What we propose

We argue for *services to the public*: a broader idea than public services alone, in which
residents help to shape and run what they depend on, alongside the council, the NHS, businesses
and voluntary groups.

1. **A new deal** between residents, the council and other services, businesses and community
   groups, written down and checked each year.
2. **Close every loop.** Whoever asks for views says what came of them, with dates.
3. **Go where people are.** Evenings, weekends, online and in person, in plain language, paid
   for people's time where that is what it takes.
4. **Measure it.** We will ask the same questions again, so that everyone can see whether the
   share of people who feel they have a say goes up.

# What happens next

We do not have all the answers, and we want to hear from you. Read the responses to the report
from people who work on these questions every day, and help us turn the proposals into practice:
at {follow_up_line}, {festival_line}. If you would like to talk to us about this work,
[get in touch]({reverse("publications:contact")}).
"""


_FOUNDATION_RESPONSE = """How residents rate their services is only half the story. The world those \
services work in is changing as well, and the first person to notice that something is wrong is, \
more and more often, someone nobody pays to notice.

Think about who sees trouble coming. A shopkeeper whose regular customer starts losing track of
her change, and of the day of the week. A plumber called out in midwinter to a flat with no
heating and an old man in two coats. A taxi driver who picks up a frightened teenager at two in
the morning. None of them works for a public service, yet each may be the first to know that
someone needs help. That is the new frontline, and services already lean on it every day.

# It runs on relationships

If need is first seen by neighbours, traders and drivers, then the real question for services is
one of relationships: who trusts whom, who takes a risk by speaking up, and whether anyone acts
when they do. Services that work with those relationships can see how problems connect (the cold
flat, the fall, the missed appointment) and deal with them together. That is kinder, and cheaper,
than meeting each problem separately and late.

# Starting from what people want

Taken seriously, this changes the terms between the public and the services that exist for them.
The starting point has to be the hopes people hold for their own lives and for the people they
care about, not a picture of residents as dependent and passive, waiting for things to be done
to them.

In Millbrook, part of that frontline is already taking shape: local shopkeepers and tradespeople
can now [pass on a worry about someone]({frontline}) to the agencies that can help, and hear
back that it was picked up. The report shows why that matters. People who feel they have no say
are also the least likely to ask for help early.
"""


_PROFESSOR_RESPONSE = """Most of the time, the people of Millbrook are something that policy \
happens to. Decisions about their services are made elsewhere and then delivered to them; they \
are seldom invited to help shape changes that will alter their own daily lives. Treat people as \
objects of policy for long enough and they start to behave like it.

# What being left out costs

The result is not contentment. It is weariness, cynicism and, at times, real anger. When two in
three people tell pollsters that they cannot spare the time, or see no point, in working with
services to improve things, we should be careful how we read it. It is less a verdict on public
life than a record of being asked nothing, or of being asked and then hearing nothing back.

Nobody gains. Residents never discover what they could achieve alongside the people who run their
services, and the services never learn what residents could bring. Without that, there can be no
aims held in common, and partnership stays a word in a strategy document.

# The newcomers are in the same position

Charities, social enterprises and private firms now run a good share of local services, and many
promise to do things differently. Residents are not yet persuaded: few expect those providers to
serve them any better than the council does. Unless they win people's active involvement, the
newcomers will find their own role as narrow as the one they set out to replace.

# Where to start

Start small and be seen to follow through. A service that asks, acts, and reports back, on time
and in public, earns the right to ask again. The report's proposals to close every loop and to
measure progress each year are the right place to begin.
"""


def _pollster_body(figures: dict[str, Any], poll: Poll | None) -> str:
    say = _percent(figures["say"])
    if figures["respondents"]:
        sample = (
            f"The headline rests on {figures['respondents']:,} answers collected in {figures['wave']}, some "
            "through our panel and most through an open link. Open links reach some people far more than "
            "others: older home owners answered in much greater numbers than young renters. We therefore "
            "weighted the answers (raking them to the Census figures for age, housing, ethnic group and "
            "disability), so that each group counts as much as it does in the borough. Weighting corrects "
            "who answered; it cannot correct who never saw the poll, which is why the intervals published "
            "with the results are wider than the raw number of answers would suggest."
        )
    else:
        sample = "The answers were weighted to match the borough's population."
    tenure = _tenure_table(figures)
    poll_url = reverse("polls:poll", kwargs={"slug": poll.slug}) if poll is not None else reverse("polls:list")
    return f"""The figure everyone will quote from this report is {say}: the share of people who feel \
they have a say in how their local services are run. It is worth knowing what stands behind it.

# Who answered, and how we weighted it

{sample}

# The gaps matter more than the headline

A single number for the whole borough hides the differences that matter. Groups that are smaller
in the sample come with more uncertainty, and we do not report groups too small to say anything
about, but the pattern is consistent: people who rent, younger people, disabled people and people
from minority ethnic groups are less likely than others to feel heard.

{tenure}

# What we will watch

We will ask the same questions again in the autumn. A change of a point or two will be within the
margin of error; what to watch is whether the gaps between groups close, and whether people who
tried to tell a service what they think start to feel listened to. The full results, with their
intervals, are published with [the poll]({poll_url}).
"""


def _article_body(festival: Event | None) -> str:
    when = ""
    call = ""
    if festival is not None:
        start = timezone.localtime(festival.starts_at)
        end = timezone.localtime(festival.ends_at)
        when = f", from {start:%-d} to {end:%-d %B %Y}"
        call_url = reverse("events:call", kwargs={"slug": festival.slug})
        call = f"[Propose a session]({call_url}) through the call for hosts. "
    return f"""Would you like to run a session at *The Unusual Suspects*{when}? Our festival is about \
what can happen when people who rarely work together sit down in the same room, and we are \
inviting organisations and residents to lead its workshops, seminars and talks, or to help with them.

Over three days we will look at what working together can do about some of the hardest questions
facing Millbrook's services:

- how young people can build resilience when work and housing are hard to find;
- how to support an ageing population to live well at home;
- how to shape public services around the people who use them;
- how to close the digital divide.

# Who can host

Anyone with something to share: the council and the NHS, contractors and businesses, charities,
community groups and residents. We especially want sessions that bring together people who do not
usually meet.

# How to take part

{call}If you have an idea but are not sure how to shape it, [get in touch]({reverse("publications:contact")})
and choose "Hosting at the festival".
"""


def _issue_intro(figures: dict[str, Any], festival: Event | None, follow_up: Event | None) -> str:
    say = _percent(figures["say"])
    follow = (
        f"Next comes a [discussion evening]({_event_url(follow_up)}), starting with repairs,"
        if follow_up is not None
        else "Next comes a discussion evening"
    )
    hosts = f"[{festival.title}]({_event_url(festival)})" if festival is not None else "our festival"
    return f"""Welcome to our first newsletter. If you have ever wondered whether anyone hears what you \
tell the council, our new report suggests plenty of your neighbours feel the same: only {say} of \
people in Millbrook think they have any say over how local services work.

*The Collaborative Citizen* draws on our poll with Eastmere Research and asks what it would take \
for residents to help shape the services they rely on, rather than only receive them. \
{_satisfaction(figures)} The people with the least feel it the most.

Read the report, and the responses from Margaret Osei of the Eastmere Foundation, Professor Alan \
Whitcombe of the University of Eastmere and Hannah Lowe of Eastmere Research.

We want to keep the conversation going. {follow} where we will work out together how to put the \
report's ideas into practice and what a fairer deal between residents, services, businesses and \
community groups could look like. Please come.

**Calling all hosts.** Would your organisation or group like to run a workshop, seminar or talk at \
{hosts}? The themes include young people's resilience, growing older well, services designed around \
residents and the digital divide.

More is on the way: check our website from time to time for what is new.

{DIRECTOR[0]}, Director
"""


# --- A PDF of the report's summary -------------------------------------------------------------


def _tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF of a few lines of text (Helvetica), written by hand so the demo needs no
    PDF library."""

    def text(value: str) -> str:
        return (
            value.replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
            .encode("latin-1", "replace")
            .decode("latin-1")
        )

    stream_lines = ["BT", "/F1 18 Tf", "72 770 Td", f"({text(title)}) Tj", "/F1 11 Tf", "0 -28 Td"]
    for line in lines:
        stream_lines += [f"({text(line)}) Tj", "0 -16 Td"]
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _attach_pdf(report: Publication, figures: dict[str, Any]) -> None:
    lines = [
        "Millbrook Collaborative - a summary of the report",
        "",
        f"Only {_percent(figures['say'])} of people in Millbrook feel they have a say",
        "in how their public services are run.",
        "",
        "We propose a new deal between residents, services, businesses and",
        "community groups: close every loop, go where people are, and measure it.",
        "",
        "Read the whole report, and the responses to it, on Heard.",
    ]
    data = _tiny_pdf("The Collaborative Citizen", lines)
    # One file for every demo world built on this machine (the test suite builds many), not one each.
    name = "publications/demo/the-collaborative-citizen.pdf"
    if default_storage.exists(name) and default_storage.size(name) != len(data):
        default_storage.delete(name)
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    Attachment.objects.create(publication=report, title="The Collaborative Citizen: summary", file=name, size=len(data))


# --- The newsletter ----------------------------------------------------------------------------


def _newsletter(
    world: dict[str, Any],
    *,
    report: Publication,
    responses: list[Publication],
    article: Publication,
    events: list[Event | None],
    figures: dict[str, Any],
) -> tuple[Newsletter, NewsletterIssue]:
    people = world["people"]
    collaborative = world["organisations"]["collaborative"]
    now = timezone.now()
    newsletter = Newsletter.objects.create(
        organisation=collaborative,
        name=f"{collaborative.name} newsletter",
        slug=NEWSLETTER_SLUG,
        description=(
            "Our reports and what the poll finds, events and the festival, and ways to get involved in "
            "Millbrook's services. About once a month."
        ),
        reply_to=f"newsletter@collaborative.{CONTACT_DOMAIN}",
    )
    topics = {
        slug: Topic.objects.create(newsletter=newsletter, name=name, slug=slug, description=description, position=n)
        for n, (name, slug, description) in enumerate(NEWSLETTER_TOPICS)
    }
    sent_at = now - dt.timedelta(days=ISSUE_DAYS_AGO)
    festival, follow_up = events
    intro = _issue_intro(figures, festival, follow_up)
    issue = NewsletterIssue.objects.create(
        newsletter=newsletter,
        number=1,
        subject="“The Collaborative Citizen”: our first report, and how to be part of what comes next",
        intro=intro,
        intro_html=render(intro),
        status=IssueStatus.SENT,
        sending_started_at=sent_at - dt.timedelta(minutes=2),
        sent_at=sent_at,
        created_by=people["convener"],
    )
    issue.publications.set([report, *responses, article])
    issue.events.set([event for event in events if event is not None])

    subscribers = []
    joined = sent_at - dt.timedelta(days=30)
    for key, chosen in SUBSCRIBERS:
        person = people[key]
        subscriber = Subscriber.objects.create(
            newsletter=newsletter,
            email=person.email,
            email_digest=email_key(person.email),
            status=SubscriberStatus.SUBSCRIBED,
            user=person,
            created_at=joined,
            confirm_sent_at=joined,
            confirmed_at=joined + dt.timedelta(minutes=10),
        )
        subscriber.topics.set([topics[slug] for slug in chosen])
        subscribers.append(subscriber)
    Delivery.objects.bulk_create(
        Delivery(
            issue=issue,
            subscriber=subscriber,
            status=DeliveryStatus.SENT,
            attempts=1,
            claimed_at=sent_at - dt.timedelta(minutes=1),
            sent_at=sent_at - dt.timedelta(seconds=30 - n),
        )
        for n, subscriber in enumerate(subscribers)
    )
    issue.recipients = len(subscribers)
    issue.save(update_fields=["recipients"])
    # Someone who signed up yesterday and has not followed the link yet: nothing is sent to them.
    pending = people[PENDING_SUBSCRIBER]
    Subscriber.objects.create(
        newsletter=newsletter,
        email=pending.email,
        email_digest=email_key(pending.email),
        status=SubscriberStatus.PENDING,
        # Nobody holds the secret behind this digest: the demo's confirmation email was never sent.
        confirm_digest=token_digest(f"demo-unsent-confirmation:{pending.email}"),
        confirm_sent_at=now - dt.timedelta(days=1),
        created_at=now - dt.timedelta(days=1),
    )
    return newsletter, issue


# --- The contact form --------------------------------------------------------------------------


def _contact(world: dict[str, Any], now: dt.datetime) -> dict[str, ContactTopic]:
    organisations = world["organisations"]
    people = world["people"]
    topics = {
        slug: ContactTopic.objects.create(
            organisation=organisations[org_key],
            name=name,
            slug=slug,
            description=description,
            team_email=f"{mailbox}@{org_key}.{CONTACT_DOMAIN}",
            position=n,
        )
        for n, (org_key, name, slug, description, mailbox) in enumerate(CONTACT_TOPICS)
    }
    ContactMessage.objects.create(
        topic=topics["hosting-at-the-festival"],
        name="Carol Ashworth",
        email=f"carol.ashworth@tenants.{CONTACT_DOMAIN}",
        message=(
            "Hello,\n\nI chair the Eastfield Tenants' Association. Several of our members would like to run a "
            "short session at the festival about what it is like waiting for repairs, and what has changed since "
            "the repairs challenge. Could we share a slot with the council?\n\nThank you,\nCarol"
        ),
        created_at=now - dt.timedelta(days=45),
        handled_at=now - dt.timedelta(days=44),
        handled_by=people["convener"],
    )
    resident = people["resident"]
    ContactMessage.objects.create(
        topic=topics["feedback-about-the-councils-services"],
        name=resident.display_name,
        email=resident.email,
        user=resident,
        message=(
            "The recycling on our side of Canal Street has been missed three weeks running. I reported it "
            "online each time and got an automatic reply, but nothing changed. Who can I speak to?"
        ),
        created_at=now - dt.timedelta(days=2),
    )
    return topics
