"""Writing and publishing, as publishers meet it: drafts, preview, publishing now or later,
unpublishing, bad input kept beside its field, files, and who may do what."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from heard.core.models import ActivityLog
from heard.publications.models import Attachment, Author, Publication
from heard.publications.services import publishing as services
from tests.factories import PublicationFactory, add_author

pytestmark = pytest.mark.django_db

NEW = reverse("publications:publication_new")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "report",
        "title": "What Millbrook told us about repairs",
        "summary": "A survey of 1,200 residents.",
        "body": "We asked people **what they think**.\n\n## What we found\n\nRepairs take too long.",
        "authors": "Dr Jo Bloggs, Millbrook University\nSam Lee, Pollster & Co, Research",
        "tags": "Housing, repairs, housing",
        "responds_to": "",
        "poll": "",
        "conversation": "",
        "challenge": "",
        "event": "",
        "lead_image_alt": "",
        "published_at": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def _picture(name: str = "photo.png", format: str = "PNG") -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), (10, 120, 90))
    data = io.BytesIO()
    image.save(data, format=format)
    return SimpleUploadedFile(name, data.getvalue(), content_type=f"image/{format.lower()}")


def _page(client, publication: Publication):
    return client.get(reverse("publications:publication", kwargs={"slug": publication.slug}))


def _page_url(publication: Publication) -> str:
    return reverse("publications:publication", kwargs={"slug": publication.slug})


def _edit_url(publication: Publication) -> str:
    return reverse("publications:publication_edit", kwargs={"slug": publication.slug})


@pytest.fixture
def report(provider) -> Publication:
    return PublicationFactory(organisation=provider, kind="report", title="The repairs report", slug="repairs-report")


# --- Drafts, publishing, scheduling --------------------------------------------------------------


def test_publication_new_saves_a_draft_only_publishers_see(client_for, provider, convener, resident) -> None:
    response = client_for(convener).post(NEW, _data())

    publication = Publication.objects.get()
    assert response.status_code == 303
    assert response["Location"] == _edit_url(publication)
    assert publication.status == "draft"
    assert publication.organisation == provider
    assert publication.slug == "what-millbrook-told-us-about-repairs"
    assert "<strong>what they think</strong>" in publication.body_html
    assert [(a.author.name, a.author.affiliation) for a in publication.authorships.all()] == [
        ("Dr Jo Bloggs", "Millbrook University"),
        ("Sam Lee", "Pollster & Co, Research"),
    ]
    assert sorted(tag.slug for tag in publication.tags.all()) == ["housing", "repairs"]
    assert ActivityLog.objects.filter(action="publication.created", object_id=str(publication.pk)).exists()
    assert _page(client_for(None), publication).status_code == 404
    assert _page(client_for(resident), publication).status_code == 404
    preview = _page(client_for(convener), publication)
    assert preview.status_code == 200
    assert "Draft — not published" in preview.content.decode()
    assert preview["Cache-Control"] == "private, no-store"


def test_publication_publish_makes_it_public(client_for, convener) -> None:
    response = client_for(convener).post(NEW, _data(action="publish"), follow=True)

    publication = Publication.objects.get()
    assert publication.status == "published"
    assert publication.published_at <= timezone.now()
    assert "The publication is published." in response.content.decode()
    page = _page(client_for(None), publication)
    assert page.status_code == 200
    assert "Draft — not published" not in page.content.decode()
    listing = client_for(None).get(reverse("publications:list")).content.decode()
    assert "What Millbrook told us about repairs" in listing


def test_publication_scheduled_is_not_public_until_its_date(client_for, convener) -> None:
    when = timezone.localtime() + dt.timedelta(days=2)
    client_for(convener).post(NEW, _data(action="publish", published_at=when.strftime("%Y-%m-%dT%H:%M")))

    publication = Publication.objects.get()
    assert publication.status == "published"
    assert publication.published_at > timezone.now()
    assert _page(client_for(None), publication).status_code == 404
    assert publication.title not in client_for(None).get(reverse("publications:list")).content.decode()
    assert "Scheduled — not published yet" in _page(client_for(convener), publication).content.decode()
    # The date comes.
    Publication.objects.filter(pk=publication.pk).update(published_at=timezone.now() - dt.timedelta(minutes=1))
    assert _page(client_for(None), publication).status_code == 200
    assert publication.title in client_for(None).get(reverse("publications:list")).content.decode()


def test_publication_publish_from_the_edit_page_saves_the_changes_too(client_for, convener, provider) -> None:
    draft = services.publication_create(organisation=provider, by=convener, kind="article", title="Draft", body="Hi")

    client_for(convener).post(_edit_url(draft), _data(kind="article", title="Now final", action="publish"))

    draft.refresh_from_db()
    assert draft.title == "Now final"
    assert draft.slug == "draft"  # the address does not change with the title
    assert draft.is_public


def test_publication_unpublish_returns_it_to_a_draft(client_for, convener, provider) -> None:
    publication = PublicationFactory(organisation=provider)

    response = client_for(convener).post(_edit_url(publication), {"action": "unpublish"})

    publication.refresh_from_db()
    assert response.status_code == 303
    assert publication.status == "draft"
    assert _page(client_for(None), publication).status_code == 404
    assert ActivityLog.objects.filter(action="publication.unpublished").exists()


def test_publication_edit_replaces_authors_and_tags_in_order(client_for, convener, provider) -> None:
    publication = PublicationFactory(organisation=provider)
    add_author(publication)

    client_for(convener).post(
        _edit_url(publication), _data(kind="article", authors="Zed Last\nAmy First, Council", tags="budget")
    )

    publication.refresh_from_db()
    assert [a.author.name for a in publication.authorships.all()] == ["Zed Last", "Amy First"]
    assert [tag.name for tag in publication.tags.all()] == ["budget"]
    assert publication.is_public  # saving changes keeps it published, with its date


def test_publication_saved_with_its_date_shown_keeps_the_exact_date(client_for, convener, provider) -> None:
    publication = PublicationFactory(organisation=provider)
    shown = timezone.localtime(publication.published_at).strftime("%Y-%m-%dT%H:%M")

    client_for(convener).post(_edit_url(publication), _data(kind="article", published_at=shown))

    before = publication.published_at
    publication.refresh_from_db()
    assert publication.published_at == before


def test_publication_slug_is_never_the_publishers_address(provider, convener) -> None:
    made = services.publication_create(organisation=provider, by=convener, kind="article", title="Manage", body="x")

    assert made.slug != "manage"
    assert made.slug.startswith("manage-")


# --- Preview ---------------------------------------------------------------------------------------


def test_publication_preview_saves_nothing_and_keeps_input(client_for, convener) -> None:
    response = client_for(convener).post(NEW, _data(action="preview", body="Some **bold** words <script>x()</script>"))

    html = response.content.decode()
    assert response.status_code == 200
    assert not Publication.objects.exists()
    assert 'id="preview-title"' in html
    assert "Some <strong>bold</strong> words" in html
    assert "<script>x()</script>" not in html
    assert 'value="What Millbrook told us about repairs"' in html
    assert "Dr Jo Bloggs, Millbrook University\nSam Lee, Pollster &amp; Co, Research</textarea>" in html
    assert re.search(r'<input type="radio" name="kind" value="report"[^>]* checked>', html)


def test_publication_preview_on_the_edit_page_changes_nothing(client_for, convener, provider) -> None:
    publication = PublicationFactory(organisation=provider, title="Kept", body="Old text")

    response = client_for(convener).post(
        _edit_url(publication), _data(title="Changed", body="New *text*", action="preview")
    )

    publication.refresh_from_db()
    html = response.content.decode()
    assert publication.title == "Kept"
    assert publication.body == "Old text"
    assert "New <em>text</em>" in html
    assert 'value="Changed"' in html


# --- Bad input --------------------------------------------------------------------------------------


def test_publication_without_title_is_refused_beside_the_field(client_for, convener) -> None:
    response = client_for(convener).post(NEW, _data(title=""))

    html = response.content.decode()
    assert response.status_code == 400
    assert not Publication.objects.exists()
    assert 'id="id_title_error"' in html
    assert "Give the publication a title." in html
    assert "A survey of 1,200 residents." in html  # the rest of the input is kept


def test_publication_picture_without_description_is_refused(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = client_for(convener).post(NEW, {**_data(), "lead_image": _picture()})

    html = response.content.decode()
    assert response.status_code == 400
    assert not Publication.objects.exists()
    assert 'id="id_lead_image_alt_error"' in html
    assert "Say in a few words what the picture shows" in html
    assert "What Millbrook told us about repairs" in html


def test_publication_file_that_is_not_a_picture_is_refused(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")

    response = client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": fake})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_lead_image_error"' in html
    assert "The file must be a picture: a JPEG, PNG or WebP." in html
    assert not Publication.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


def test_publication_gif_picture_is_refused(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    picture = _picture("anim.gif", "GIF")

    response = client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": picture})

    assert response.status_code == 400
    assert "The file must be a picture: a JPEG, PNG or WebP." in response.content.decode()
    assert not Publication.objects.exists()


def test_publication_answering_an_article_is_refused(client_for, convener, provider) -> None:
    article = PublicationFactory(organisation=provider, kind="article")

    response = client_for(convener).post(NEW, _data(kind="response", responds_to=article.pk))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_responds_to_error"' in html
    assert not Publication.objects.exclude(pk=article.pk).exists()
    with pytest.raises(ValidationError) as raised:
        services.publication_create(
            organisation=provider, by=convener, kind="response", title="R", body="x", responds_to=article
        )
    assert "responds_to" in raised.value.message_dict


def test_publication_that_is_not_a_response_cannot_answer_a_report(client_for, convener, report) -> None:
    response = client_for(convener).post(NEW, _data(kind="article", responds_to=report.pk))

    assert response.status_code == 400
    assert "Only a response can answer a report." in response.content.decode()
    assert Publication.objects.count() == 1


def test_publication_create_checks_its_input(provider, convener) -> None:
    with pytest.raises(ValidationError) as raised:
        services.publication_create(organisation=provider, by=convener, kind="article", title=" ", body="x")
    assert "title" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        services.publication_create(
            organisation=provider, by=convener, kind="article", title="T", body="x", authors=[("", "Somewhere")]
        )
    assert "authors" in raised.value.message_dict
    assert not Publication.objects.exists()
    assert not Author.objects.exists()


# --- Pictures and files ---------------------------------------------------------------------------


def test_publication_picture_is_reencoded_and_served(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    client_for(convener).post(
        NEW, {**_data(action="publish", lead_image_alt="Scaffolding on a tower block"), "lead_image": _picture()}
    )

    publication = Publication.objects.get()
    served = client_for(None).get(reverse("publications:lead_image", kwargs={"slug": publication.slug}))
    body = b"".join(served.streaming_content)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(body)).size == (40, 30)
    assert 'alt="Scaffolding on a tower block"' in _page(client_for(None), publication).content.decode()


def test_publication_picture_taken_away(
    client_for, convener, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": _picture()})
    publication = Publication.objects.get()
    stored = tmp_path / publication.lead_image.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(convener).post(_edit_url(publication), _data(remove_lead_image="on"))

    publication.refresh_from_db()
    assert not publication.lead_image
    assert publication.lead_image_alt == ""
    assert not stored.exists()


def test_publication_picture_replaced_deletes_the_old_file(
    client_for, convener, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": _picture()})
    publication = Publication.objects.get()
    old = tmp_path / publication.lead_image.name

    with django_capture_on_commit_callbacks(execute=True):
        client_for(convener).post(
            _edit_url(publication), {**_data(lead_image_alt="A park"), "lead_image": _picture("new.webp", "WEBP")}
        )

    publication.refresh_from_db()
    assert not old.exists()
    assert (tmp_path / publication.lead_image.name).exists()


def test_attachment_added_and_served_as_a_pdf(client_for, convener, provider, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    url = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})

    response = client_for(convener).post(
        url, {"action": "add", "title": "The full report", "file": SimpleUploadedFile("x.pdf", PDF)}
    )

    attachment = Attachment.objects.get()
    assert response.status_code == 303
    assert attachment.size == len(PDF)
    served = client_for(None).get(
        reverse("publications:attachment", kwargs={"slug": publication.slug, "pk": attachment.pk})
    )
    assert served["Content-Type"] == "application/pdf"
    assert 'filename="the-full-report.pdf"' in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == PDF
    assert "The full report" in _page(client_for(None), publication).content.decode()


def test_attachment_renamed_to_pdf_is_refused(client_for, convener, provider, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    url = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})
    renamed = SimpleUploadedFile("report.pdf", b"PK\x03\x04 a zip file", content_type="application/pdf")

    response = client_for(convener).post(url, {"action": "add", "title": "The full report", "file": renamed})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_file_error"' in html
    assert "The file must be a PDF." in html
    assert 'value="The full report"' in html
    assert not Attachment.objects.exists()


def test_attachment_removed(
    client_for, convener, provider, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    attachment = services.attachment_add(
        publication=publication, title="Annex", file=SimpleUploadedFile("a.pdf", PDF), by=convener
    )
    stored = tmp_path / attachment.file.name
    assert stored.exists()
    url = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})

    with django_capture_on_commit_callbacks(execute=True):
        client_for(convener).post(url, {"action": "remove", "pk": attachment.pk})

    assert not Attachment.objects.exists()
    assert not stored.exists()


def test_attachment_of_a_draft_is_not_served_to_the_public(client_for, convener, provider, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider, status="draft", published_at=None)
    attachment = services.attachment_add(
        publication=publication, title="Annex", file=SimpleUploadedFile("a.pdf", PDF), by=convener
    )
    url = reverse("publications:attachment", kwargs={"slug": publication.slug, "pk": attachment.pk})

    assert client_for(None).get(url).status_code == 404
    assert client_for(convener).get(url).status_code == 200


# --- Who may do what ------------------------------------------------------------------------------


def test_convener_of_another_organisation_cannot_edit(client_for, provider, other_convener) -> None:
    publication = PublicationFactory(organisation=provider)

    assert client_for(other_convener).get(_edit_url(publication)).status_code == 403
    assert client_for(other_convener).post(_edit_url(publication), {"action": "unpublish"}).status_code == 403
    files = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})
    assert client_for(other_convener).get(files).status_code == 403
    publication.refresh_from_db()
    assert publication.status == "published"


def test_publication_new_refuses_an_organisation_the_person_does_not_publish_for(
    client_for, convener, other_provider
) -> None:
    response = client_for(convener).post(NEW, _data(organisation=other_provider.pk))

    # Not one of the choices the form offers this convener: refused as a bad choice, nothing stored.
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Publication.objects.exists()


def test_publication_new_offers_site_admin_every_organisation(client_for, site_admin, provider, other_provider) -> None:
    html = client_for(site_admin).get(NEW).content.decode()

    assert f'<option value="{provider.pk}"' in html
    assert f'<option value="{other_provider.pk}"' in html


def test_publication_new_fixes_the_only_organisation(client_for, convener, provider) -> None:
    html = client_for(convener).get(NEW).content.decode()

    assert f'type="hidden" name="organisation" value="{provider.pk}"' in html
    assert "Published by Millbrook Borough Council." in html


def test_manage_home_links_to_publications(client_for, convener, responder) -> None:
    link = reverse("publications:manage")

    assert link in client_for(convener).get(reverse("organisations:manage_home")).content.decode()
    assert link not in client_for(responder).get(reverse("organisations:manage_home")).content.decode()


def test_publications_manage_lists_own_organisations_with_status(
    client_for, convener, provider, other_provider
) -> None:
    PublicationFactory(organisation=provider, title="Ours, public")
    PublicationFactory(organisation=provider, title="Ours, draft", status="draft", published_at=None)
    PublicationFactory(organisation=other_provider, title="Theirs")

    html = client_for(convener).get(reverse("publications:manage")).content.decode()

    assert "Ours, public" in html
    assert "Ours, draft" in html
    assert "Theirs" not in html
    assert '<strong class="tag tag--neutral">Draft</strong>' in html
    assert '<strong class="tag tag--success">Published</strong>' in html
    assert reverse("publications:publication_new") in html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_publications_manage_runs_a_fixed_number_of_queries(client_for, convener, provider) -> None:
    client, url = client_for(convener), reverse("publications:manage")
    add_author(PublicationFactory(organisation=provider))
    client.get(url)  # the session and roles are loaded the same way each time
    one = _queries(client, url)
    for _ in range(2):
        add_author(PublicationFactory(organisation=provider))

    assert _queries(client, url) == one


# --- Addresses that are pages of their own ------------------------------------------------------


def test_publication_titled_new_keeps_its_edit_page(client_for, convener) -> None:
    client_for(convener).post(NEW, _data(title="New"))

    publication = Publication.objects.get()
    assert publication.slug == "new-publication"
    page = client_for(convener).get(_edit_url(publication))
    assert page.status_code == 200
    assert "<h1>New</h1>" in page.content.decode()


def test_reserved_slugs_cover_every_fixed_publications_address() -> None:
    from django.utils.text import slugify

    from heard.publications.urls import urlpatterns

    words = set()
    for pattern in urlpatterns:
        parts = str(pattern.pattern).split("/")
        if parts[0] != "publications":
            continue
        # /publications/<word>/ and /publications/manage/<word>/ would shadow a publication's pages.
        for word in (parts[1], parts[2] if parts[1] == "manage" and len(parts) > 2 else ""):
            if word and "<" not in word and slugify(word) == word:
                words.add(word)

    assert words == {"manage", "new"}
    assert words <= services.RESERVED_SLUGS


# --- What a publication may link to ------------------------------------------------------------


@pytest.fixture
def old_report(provider) -> Publication:
    """A public report of the provider's, older than 51 reports published since by others."""
    old = PublicationFactory(organisation=provider, kind="report", title="An old report", slug="an-old-report")
    Publication.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    for n in range(51):
        PublicationFactory(kind="report", title=f"Newer report {n}")
    return old


def test_publication_can_answer_a_report_older_than_the_select_shows(client_for, convener, old_report) -> None:
    form = client_for(convener).get(NEW).content.decode()
    assert "Newer report 50" in form
    assert "An old report" not in form  # the select lists the recent ones only

    response = client_for(convener).post(NEW, _data(kind="response", responds_to=old_report.pk))

    assert response.status_code == 303
    assert Publication.objects.get(kind="response").responds_to == old_report


def test_report_page_offers_its_publishers_a_response_with_the_report_chosen(client_for, convener, old_report) -> None:
    link = f"{NEW}?responds_to={old_report.pk}"

    page = client_for(convener).get(_page_url(old_report)).content.decode()
    form = client_for(convener).get(link).content.decode()

    assert f'href="{link}"' in page
    assert f'href="{link}"' not in client_for(None).get(_page_url(old_report)).content.decode()
    assert f'<option value="{old_report.pk}" selected>An old report</option>' in form
    assert re.search(r'<input type="radio" name="kind" value="response"[^>]* checked>', form)


def test_publication_cannot_answer_another_organisations_draft_report(client_for, convener, other_provider) -> None:
    theirs = PublicationFactory(
        organisation=other_provider, kind="report", title="Their draft", status="draft", published_at=None
    )

    response = client_for(convener).post(NEW, _data(kind="response", responds_to=theirs.pk))

    assert response.status_code == 400
    assert 'id="id_responds_to_error"' in response.content.decode()
    assert not Publication.objects.filter(kind="response").exists()


def test_site_admin_cannot_link_a_publication_to_another_organisations_draft(
    client_for, site_admin, provider, other_provider
) -> None:
    # A site administrator's form offers every organisation's drafts; the service still refuses to
    # link one to another organisation's publication.
    theirs = PublicationFactory(
        organisation=other_provider, kind="report", title="Their draft", status="draft", published_at=None
    )

    response = client_for(site_admin).post(NEW, _data(organisation=provider.pk, kind="response", responds_to=theirs.pk))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_responds_to_error"' in html
    assert "Choose a published report, or one of your organisation&#x27;s own." in html
    assert not Publication.objects.filter(kind="response").exists()


def test_publication_services_refuse_links_to_another_organisations_unpublished_things(
    provider, other_provider, site_admin
) -> None:
    from tests.factories import ChallengeFactory, PollFactory, festival

    report = PublicationFactory(organisation=other_provider, kind="report", status="draft", published_at=None)
    links = {
        "responds_to": report,
        "event": festival(other_provider, published=False, slug="their-draft-festival"),
        "challenge": ChallengeFactory(organisation=other_provider, published_at=None),
        "poll": PollFactory(organisation=other_provider),  # no published wave
    }

    for field, linked in links.items():
        kind = "response" if field == "responds_to" else "article"
        with pytest.raises(ValidationError) as raised:
            services.publication_create(
                organisation=provider, by=site_admin, kind=kind, title="T", body="x", **{field: linked}
            )
        assert list(raised.value.message_dict) == [field]
    assert not Publication.objects.filter(organisation=provider).exists()
    # The same things may be linked from their own organisation's publications.
    own = services.publication_create(
        organisation=other_provider, by=site_admin, kind="response", title="T", body="x", **links
    )
    assert (own.responds_to, own.event, own.challenge, own.poll) == tuple(links.values())


def test_publication_keeps_a_link_to_a_report_taken_down_since(client_for, convener, provider, other_provider) -> None:
    theirs = PublicationFactory(organisation=other_provider, kind="report", title="Their report")
    response = PublicationFactory(organisation=provider, kind="response", responds_to=theirs)
    Publication.objects.filter(pk=theirs.pk).update(status="draft")

    saved = client_for(convener).post(
        _edit_url(response), _data(kind="response", title="Changed", responds_to=theirs.pk)
    )

    response.refresh_from_db()
    assert saved.status_code == 303
    assert (response.title, response.responds_to) == ("Changed", theirs)


def test_report_with_responses_stays_a_report(client_for, convener, provider, report) -> None:
    PublicationFactory(organisation=provider, kind="response", responds_to=report)

    response = client_for(convener).post(_edit_url(report), _data(kind="article"))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_kind_error"' in html
    assert "This report has responses, so it stays a report." in html
    report.refresh_from_db()
    assert report.kind == "report"


def test_report_without_responses_may_become_an_article(client_for, convener, report) -> None:
    response = client_for(convener).post(_edit_url(report), _data(kind="article"))

    report.refresh_from_db()
    assert response.status_code == 303
    assert report.kind == "article"


# --- Scheduled pieces ---------------------------------------------------------------------------


def test_scheduled_publication_can_be_published_now(client_for, convener, provider) -> None:
    later = timezone.now() + dt.timedelta(days=3)
    scheduled = PublicationFactory(organisation=provider, title="Coming soon", published_at=later)
    client = client_for(convener)
    assert 'value="publish_now"' in client.get(_edit_url(scheduled)).content.decode()

    response = client.post(
        _edit_url(scheduled),
        _data(kind="article", title="Out now", published_at=timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"))
        | {"action": "publish_now"},
        follow=True,
    )

    scheduled.refresh_from_db()
    assert "The publication is published." in response.content.decode()
    assert scheduled.title == "Out now"
    assert scheduled.is_public
    assert scheduled.published_at <= timezone.now()
    assert ActivityLog.objects.filter(action="publication.published", object_id=str(scheduled.pk)).exists()
    assert 'value="publish_now"' not in client.get(_edit_url(scheduled)).content.decode()


def test_published_publication_offers_no_publish_now(client_for, convener, provider) -> None:
    published = PublicationFactory(organisation=provider)

    assert 'value="publish_now"' not in client_for(convener).get(_edit_url(published)).content.decode()


# --- A chosen picture on a page sent back -------------------------------------------------------


def _picture_hint(html: str) -> str:
    start = html.index('id="id_lead_image_hint"')
    return html[start : html.index("</p>", start)]


@pytest.mark.parametrize("action", ["save", "preview"])
def test_publication_chosen_picture_is_asked_for_again_beside_its_field(
    client_for, convener, settings, tmp_path, action
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = client_for(convener).post(
        NEW, {**_data(title="" if action == "save" else "Kept", action=action), "lead_image": _picture()}
    )

    assert response.status_code == (400 if action == "save" else 200)
    assert "choose it again before you save" in _picture_hint(response.content.decode())
    assert not Publication.objects.exists()


def test_publication_form_without_a_chosen_picture_does_not_ask_for_one(client_for, convener) -> None:
    response = client_for(convener).post(NEW, _data(title=""))

    assert "choose it again" not in _picture_hint(response.content.decode())


# --- Files never left behind -------------------------------------------------------------------


def _files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def _failing(**_kwargs: object) -> None:
    raise RuntimeError("the activity log is down")


def test_publication_picture_is_deleted_when_the_write_fails_after_it(
    provider, convener, settings, tmp_path, monkeypatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "log_action", _failing)

    with pytest.raises(RuntimeError):
        services.publication_create(
            organisation=provider,
            by=convener,
            kind="article",
            title="T",
            body="x",
            lead_image=_picture(),
            lead_image_alt="A street",
        )

    assert not Publication.objects.exists()
    assert _files(tmp_path) == []


def test_attachment_file_is_deleted_when_the_write_fails_after_it(
    provider, convener, settings, tmp_path, monkeypatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    monkeypatch.setattr(services, "log_action", _failing)

    with pytest.raises(RuntimeError):
        services.attachment_add(
            publication=publication, title="Annex", file=SimpleUploadedFile("a.pdf", PDF), by=convener
        )

    assert not Attachment.objects.exists()
    assert _files(tmp_path) == []


def test_publication_picture_is_deleted_when_publishing_it_is_refused(
    client_for, convener, settings, tmp_path, monkeypatch
) -> None:
    # Created, then refused by the next service in the same transaction: the view's block rolls
    # both back, and the picture the first one saved goes too.
    settings.MEDIA_ROOT = tmp_path

    def refuse(**_kwargs: object) -> None:
        raise ValidationError({"published_at": "Not now."})

    monkeypatch.setattr(services, "publication_publish", refuse)
    response = client_for(convener).post(
        NEW, {**_data(action="publish", lead_image_alt="A street"), "lead_image": _picture()}
    )

    assert response.status_code == 400
    assert "Not now." in response.content.decode()
    assert not Publication.objects.exists()
    assert _files(tmp_path) == []


# --- Limits -------------------------------------------------------------------------------------


def test_attachment_beyond_twenty_is_refused_beside_the_field(
    client_for, convener, provider, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    for number in range(services.MAX_ATTACHMENTS):
        services.attachment_add(
            publication=publication, title=f"Annex {number}", file=SimpleUploadedFile("a.pdf", PDF), by=convener
        )
    url = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})

    response = client_for(convener).post(
        url, {"action": "add", "title": "One too many", "file": SimpleUploadedFile("b.pdf", PDF)}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_file_error"' in html
    assert "A publication can have up to 20 files." in html
    assert 'value="One too many"' in html
    assert Attachment.objects.count() == 20
    assert len(_files(tmp_path)) == 20
