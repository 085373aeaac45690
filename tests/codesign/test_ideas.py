"""Proposing, supporting and discussing ideas, as residents meet them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from heard.codesign import services
from heard.codesign.enums import CommentStatus
from heard.codesign.models import Comment, Idea, Support
from tests.codesign.conftest import move_to
from tests.factories import IdeaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _propose(client, challenge, **data):
    fields = {"title": "Text tenants the day before a repair visit", "description": "So they can be in."}
    fields.update(data)
    return client.post(reverse("codesign:idea_new", kwargs={"slug": challenge.slug}), fields)


def test_idea_proposed_is_published_with_its_author_as_first_supporter(client_for, challenge, resident) -> None:
    response = _propose(client_for(resident), challenge)
    idea = Idea.objects.get()
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    assert (idea.author, idea.support_count) == (resident, 1)
    assert Support.objects.filter(idea=idea, user=resident).exists()
    page = client_for(None).get(challenge.get_absolute_url()).content.decode()
    assert "Text tenants the day before a repair visit" in page
    assert "1 supporter" in page


def test_idea_with_missing_description_keeps_the_title_and_says_what_to_do(client_for, challenge, resident) -> None:
    response = _propose(client_for(resident), challenge, description="  ")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tell us a little more about your idea." in page
    assert 'value="Text tenants the day before a repair visit"' in page
    assert not Idea.objects.exists()


def test_idea_proposed_after_the_ideas_phase_is_refused(client_for, challenge, resident) -> None:
    move_to(challenge, "deliberation")
    response = _propose(client_for(resident), challenge)
    assert response.status_code == 400
    assert "Proposing an idea is not possible now" in response.content.decode()
    assert not Idea.objects.exists()


def test_idea_proposal_needs_an_account(client_for, challenge) -> None:
    response = _propose(client_for(None), challenge)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Idea.objects.exists()


def test_idea_form_suggests_similar_ideas_without_javascript(client_for, challenge, resident) -> None:
    IdeaFactory(challenge=challenge, title="Text tenants before each repair visit")
    IdeaFactory(challenge=challenge, title="Plant more trees in the park")
    url = reverse("codesign:idea_new", kwargs={"slug": challenge.slug})
    page = client_for(resident).get(url, {"title": "Text tenants before repair visits"}).content.decode()
    assert "Is your idea one of these?" in page
    assert "Text tenants before each repair visit" in page
    assert "Plant more trees" not in page
    assert 'value="Text tenants before repair visits"' in page


def test_similar_ideas_partial_answers_while_typing(client_for, challenge) -> None:
    IdeaFactory(challenge=challenge, title="Text tenants before each repair visit")
    url = reverse("codesign:similar", kwargs={"slug": challenge.slug})
    page = client_for(None).get(url, {"title": "text the tenants before repairs"}, HTTP_HX_REQUEST="true")
    assert "Text tenants before each repair visit" in page.content.decode()
    assert "<html" not in page.content.decode()
    nothing = client_for(None).get(url, {"title": "bins collected on sundays"}).content.decode()
    assert "No similar ideas yet." in nothing


def test_similarity_matches_pg_trigram_measure() -> None:
    from heard.codesign.selectors import trigram_similarity

    # pg_trgm: similarity('word', 'words') = 4/7 (trigrams "  w"," wo","wor","ord","rd " vs ..."rds","ds ").
    assert trigram_similarity("word", "words") == pytest.approx(4 / 7)
    assert trigram_similarity("repairs", "repairs") == 1.0
    assert trigram_similarity("abc", "xyz") == 0.0


def _picture(colour: str = "red") -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: must not survive
    data = io.BytesIO()
    image.save(data, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001 home of Amara.jpg", data.getvalue(), content_type="image/jpeg")


def test_idea_picture_is_reencoded_without_metadata_and_served(
    client_for, challenge, resident, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = _propose(client_for(resident), challenge, image=_picture(), image_alt="A broken gutter")
    idea = Idea.objects.get()
    assert response.status_code == 302
    assert "Amara" not in idea.image.name
    served = client_for(None).get(reverse("codesign:idea_image", kwargs={"slug": challenge.slug, "pk": idea.pk}))
    body = b"".join(served.streaming_content)
    assert served["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in body
    assert Image.open(io.BytesIO(body)).size == (40, 30)
    assert 'alt="A broken gutter"' in client_for(None).get(idea.get_absolute_url()).content.decode()


def test_idea_file_that_is_not_a_picture_is_refused(client_for, challenge, resident, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = _propose(client_for(resident), challenge, image=fake, image_alt="Something")
    assert response.status_code == 400
    assert "The file must be a picture" in response.content.decode()
    assert not Idea.objects.exists()


def test_support_counts_once_and_second_support_is_refused(client_for, challenge, resident, neighbour) -> None:
    idea = IdeaFactory(challenge=challenge)
    url = reverse("codesign:support", kwargs={"slug": challenge.slug, "pk": idea.pk})
    client_for(neighbour).post(url)
    response = client_for(neighbour).post(url, follow=True)
    idea.refresh_from_db()
    assert idea.support_count == 1
    assert Support.objects.filter(idea=idea).count() == 1
    assert "You already support this idea." in response.content.decode()


def test_support_withdrawn_while_the_phase_allows(client_for, challenge, neighbour) -> None:
    idea = IdeaFactory(challenge=challenge)
    services.idea_support(idea=idea, by=neighbour)
    move_to(challenge, "deliberation")
    client_for(neighbour).post(
        reverse("codesign:support", kwargs={"slug": challenge.slug, "pk": idea.pk}), {"action": "withdraw"}
    )
    idea.refresh_from_db()
    assert idea.support_count == 0
    assert not Support.objects.exists()


def test_support_outside_the_phase_is_refused_and_changes_nothing(client_for, challenge, neighbour) -> None:
    idea = IdeaFactory(challenge=challenge)
    move_to(challenge, "decision")
    response = client_for(neighbour).post(
        reverse("codesign:support", kwargs={"slug": challenge.slug, "pk": idea.pk}), follow=True
    )
    idea.refresh_from_db()
    assert "Supporting an idea is not possible now" in response.content.decode()
    assert idea.support_count == 0
    assert not Support.objects.exists()


def test_comment_reply_joins_the_thread_and_shows_under_its_comment(client_for, challenge, resident, neighbour) -> None:
    idea = IdeaFactory(challenge=challenge)
    url = reverse("codesign:comment_add", kwargs={"slug": challenge.slug, "pk": idea.pk})
    client_for(resident).post(url, {"text": "Would this work for people without phones?"})
    first = Comment.objects.get()
    client_for(neighbour).post(url, {"text": "A letter could go too.", "parent": first.pk})
    reply = Comment.objects.exclude(pk=first.pk).get()
    client_for(resident).post(url, {"text": "Good point.", "parent": reply.pk})
    page = client_for(None).get(idea.get_absolute_url()).content.decode()
    assert reply.parent == first
    assert Comment.objects.filter(parent=first).count() == 2  # a reply to a reply joins the thread
    assert page.index("Would this work") < page.index("A letter could go too.") < page.index("Good point.")
    idea.refresh_from_db()
    assert idea.comment_count == 3


def test_comment_outside_the_phase_is_refused_with_the_text_kept(client_for, challenge, resident) -> None:
    idea = IdeaFactory(challenge=challenge)
    move_to(challenge, "decision")
    response = client_for(resident).post(
        reverse("codesign:comment_add", kwargs={"slug": challenge.slug, "pk": idea.pk}), {"text": "Late thought"}
    )
    assert response.status_code == 400
    assert "Commenting is not possible now" in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_reported_by_three_readers_is_held_for_a_moderator(client_for, challenge, resident) -> None:
    idea = IdeaFactory(challenge=challenge)
    comment = services.comment_add(idea=idea, by=resident, text="Rude words")
    url = reverse("codesign:comment_report", kwargs={"slug": challenge.slug, "pk": idea.pk, "comment_pk": comment.pk})
    readers = [UserFactory() for _ in range(3)]
    client_for(readers[0]).post(url, {"reason": "abusive"})
    again = client_for(readers[0]).post(url, {"reason": "abusive"})
    assert "You have already reported this comment." in again.content.decode()
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED
    for reader in readers[1:]:
        client_for(reader).post(url, {"reason": "abusive"})
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD
    assert "Rude words" not in client_for(None).get(idea.get_absolute_url()).content.decode()


def test_invited_only_challenge_lets_in_only_invited_addresses(client_for, challenge, resident, neighbour) -> None:
    challenge.participation = "invited"
    challenge.save()
    services.challenge_invite(challenge=challenge, by=None, emails=["Resident@Example.org"])
    assert _propose(client_for(resident), challenge).status_code == 302
    refused = _propose(client_for(neighbour), challenge, title="Another idea entirely")
    assert "open only to the people invited" in refused.content.decode()
    assert Idea.objects.count() == 1


def test_draft_challenge_is_hidden_from_the_public(client_for, challenge, convener) -> None:
    challenge.published_at = None
    challenge.save()
    assert client_for(None).get(challenge.get_absolute_url()).status_code == 404
    assert client_for(convener).get(challenge.get_absolute_url()).status_code == 200
    assert challenge.title not in client_for(None).get(reverse("codesign:list")).content.decode()


def test_similar_ideas_on_both_databases_rank_the_closest_first(challenge) -> None:
    """The same ranking whichever database answers (pg_trgm on PostgreSQL, in Python elsewhere)."""
    from heard.codesign.selectors import similar_ideas

    close = IdeaFactory(challenge=challenge, title="Text tenants the day before a repair visit")
    nearer = IdeaFactory(challenge=challenge, title="Text tenants before a repair visit")
    IdeaFactory(challenge=challenge, title="Plant trees along the river path")
    hidden = IdeaFactory(challenge=challenge, title="Text tenants before a repair visit!", status="hidden")
    found = similar_ideas(challenge=challenge, text="text tenants before a repair visit")
    assert found[:2] == [nearer, close]
    assert hidden not in found
    assert similar_ideas(challenge=challenge, text="planting trees by the river") == list(
        challenge.ideas.filter(title__startswith="Plant")
    )


def test_moderation_queue_lists_only_reported_comments_and_clears_when_kept(
    client_for, challenge, resident, convener
) -> None:
    idea = IdeaFactory(challenge=challenge)
    services.comment_add(idea=idea, by=resident, text="A kind comment nobody reported")
    reported = services.comment_add(idea=idea, by=resident, text="A comment someone reported")
    services.comment_report(comment=reported, by=UserFactory(), reason="off_topic")
    manage_url = reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug})
    page = client_for(convener).get(manage_url).content.decode()
    assert "A comment someone reported" in page
    assert "A kind comment nobody reported" not in page
    client_for(convener).post(
        reverse("codesign:manage_comment", kwargs={"slug": challenge.slug, "pk": reported.pk}), {"action": "keep"}
    )
    assert "A comment someone reported" not in client_for(convener).get(manage_url).content.decode()
    assert "A comment someone reported" in client_for(None).get(idea.get_absolute_url()).content.decode()
