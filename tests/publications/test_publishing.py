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
from heard.organisations.enums import Role
from heard.publications.models import Attachment, Author, Publication
from heard.publications.services import publishing as services
from tests.factories import MembershipFactory, PublicationFactory, UserFactory, add_author, add_totp

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

    assert response.status_code == 400
    assert "The picture must be a JPEG, PNG or WebP file." in response.content.decode()
    assert not Publication.objects.exists()


def test_publication_gif_picture_is_refused(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    picture = _picture("anim.gif", "GIF")

    response = client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": picture})

    assert response.status_code == 400
    assert "The picture must be a JPEG, PNG or WebP file." in response.content.decode()


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


def test_publication_picture_taken_away(client_for, convener, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    client_for(convener).post(NEW, {**_data(lead_image_alt="A street"), "lead_image": _picture()})
    publication = Publication.objects.get()

    client_for(convener).post(_edit_url(publication), _data(remove_lead_image="on"))

    publication.refresh_from_db()
    assert not publication.lead_image
    assert publication.lead_image_alt == ""


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


def test_attachment_removed(client_for, convener, provider, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory(organisation=provider)
    attachment = services.attachment_add(
        publication=publication, title="Annex", file=SimpleUploadedFile("a.pdf", PDF), by=convener
    )
    url = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})

    client_for(convener).post(url, {"action": "remove", "pk": attachment.pk})

    assert not Attachment.objects.exists()


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


def test_convener_of_another_organisation_cannot_edit(client_for, provider, other_provider) -> None:
    publication = PublicationFactory(organisation=provider)
    outsider = UserFactory()
    MembershipFactory(user=outsider, organisation=other_provider, role=Role.CONVENER)
    add_totp(outsider)

    assert client_for(outsider).get(_edit_url(publication)).status_code == 403
    assert client_for(outsider).post(_edit_url(publication), {"action": "unpublish"}).status_code == 403
    files = reverse("publications:attachments_manage", kwargs={"slug": publication.slug})
    assert client_for(outsider).get(files).status_code == 403
    publication.refresh_from_db()
    assert publication.status == "published"


def test_publication_new_refuses_an_organisation_the_person_does_not_publish_for(
    client_for, convener, other_provider
) -> None:
    response = client_for(convener).post(NEW, _data(organisation=other_provider.pk))

    assert response.status_code in (400, 403)
    assert not Publication.objects.filter(organisation=other_provider).exists()


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
    assert "Draft" in html
    assert "Published" in html
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
