"""Open311 GeoReport v2, checked against the specification's own examples in XML and JSON."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from django.core import mail
from django.utils import timezone

from heard.api.enums import Scope
from heard.api.services import token_create
from heard.open311.models import Open311Request
from heard.voice.enums import ResponseStatus, StoryStatus
from heard.voice.models import Response, Story
from tests.factories import ServiceFactory, StoryFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
KEY = "test-open311-key-0123456789"

# The specification's example POST, with Heard's service code and questions in place of the
# example city's ("001", attribute[WHISPAWN], attribute[WHISDORN]).
SPEC_POST = {
    "api_key": KEY,
    "service_code": "housing-repairs",
    "lat": "37.76524078",
    "long": "-122.4212043",
    "address_string": "1234 5th street",
    "email": "smit333@sfgov.edu",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "john",
    "last_name": "smith",
    "phone": "111111111",
    "description": "A large sinkhole is destroying the street",
    "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
    "attribute[rating_overall]": "2",
    "attribute[listened]": "no",
}


@pytest.fixture
def service(provider):
    return ServiceFactory(organisation=provider, name="Housing repairs", slug="housing-repairs")


@pytest.fixture
def key(provider, site_admin):
    _token, key = token_create(
        organisation=provider, by=site_admin, name="Reporting app", scopes=[Scope.OPEN311], key=KEY
    )
    return key


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def test_discovery_in_both_formats_declares_json(client, service) -> None:
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert {child.tag for child in root} == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    data = as_json(client.get(f"{BASE}/discovery.json"))
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["url"].endswith("/open311/v2")
    assert data["changeset"].endswith("Z")


def test_service_list_matches_the_spec_example_shape(client, service) -> None:
    ServiceFactory(name="Hidden", slug="hidden", is_private=True)
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    [element] = root.findall("service")  # the private service is not listed
    assert {child.tag for child in element} == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert (element.findtext("service_code"), element.findtext("metadata"), element.findtext("type")) == (
        "housing-repairs",
        "true",
        "realtime",
    )
    data = as_json(client.get(f"{BASE}/services.json"))
    assert isinstance(data, list)
    assert len(data) == 1
    assert data[0]["service_code"] == "housing-repairs"
    assert data[0]["metadata"] is True
    assert data[0]["group"] == "Housing"


def test_a_key_shows_private_services(client, service, key) -> None:
    ServiceFactory(name="Hidden", slug="hidden", is_private=True, organisation=service.organisation)
    codes = [s["service_code"] for s in as_json(client.get(f"{BASE}/services.json", {"api_key": key}))]
    assert codes == ["hidden", "housing-repairs"]
    assert client.get(f"{BASE}/services/hidden.json").status_code == 404
    assert client.get(f"{BASE}/services/hidden.json", {"api_key": key}).status_code == 200


def test_service_definition_lists_attributes_with_their_datatypes(client, service) -> None:
    root = xml(client.get(f"{BASE}/services/housing-repairs.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "housing-repairs"
    attributes = root.findall("attributes/attribute")
    first = attributes[0]
    assert [child.tag for child in first] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert (first.findtext("code"), first.findtext("datatype"), first.findtext("required")) == (
        "rating_overall",
        "singlevaluelist",
        "true",
    )
    assert [v.findtext("key") for v in first.findall("values/value")] == ["1", "2", "3", "4", "5"]
    data = as_json(client.get(f"{BASE}/services/housing-repairs.json"))
    assert [a["order"] for a in data["attributes"]] == list(range(1, len(data["attributes"]) + 1))
    datatypes = {a["code"]: a["datatype"] for a in data["attributes"]}
    assert datatypes["topics"] == "multivaluelist"
    assert datatypes["used_on"] == "datetime"
    assert all(isinstance(a["values"], list) for a in data["attributes"])


def test_unknown_service_code_is_a_404_in_the_spec_error_format(client, service) -> None:
    root = xml(client.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    errors = as_json(client.get(f"{BASE}/services/nope.json"))
    assert errors[0]["code"] == 404
    assert "service_code" in errors[0]["description"]
    assert client.get(f"{BASE}/services/nope.json").status_code == 404


def test_posting_the_spec_example_makes_a_story_waiting_to_be_checked(client, service, key) -> None:
    response = client.post(f"{BASE}/requests.xml", SPEC_POST)
    assert response.status_code == 200
    root = xml(response)
    request_id = root.findtext("request/service_request_id")
    assert root.find("request/token") is None  # realtime: an id, no token
    assert root.findtext("request/service_notice")
    story = Story.objects.get(pk=int(request_id))
    assert (story.service, story.status, story.rating_overall, story.listened) == (service, "pending", 2, "no")
    assert story.text == "A large sinkhole is destroying the street"
    assert story.title == "A large sinkhole is destroying the street"
    # The address hears the outcome; the name stays with the request, not shown with the story.
    assert (story.author_email, story.author_name, story.shown_name) == ("smit333@sfgov.edu", "", "Resident")
    stored = Open311Request.objects.get(story=story).private
    assert stored["first_name"] == "john"
    assert (stored["lat"], stored["long"], stored["phone"], stored["media_url"]) == (
        37.76524078,
        -122.4212043,
        "111111111",
        SPEC_POST["media_url"],
    )


def test_posting_in_json_answers_a_top_level_array(client, service, key) -> None:
    data = as_json(client.post(f"{BASE}/requests.json", SPEC_POST))
    assert isinstance(data, list)
    assert len(data) == 1
    assert isinstance(data[0]["service_request_id"], str)
    assert data[0]["account_id"] == "123456"


def test_multivaluelist_attributes_are_read_from_repeated_keys(client, service, key) -> None:
    body = {**SPEC_POST, "attribute[topics][]": ["waiting", "staff"], "attribute[title]": "Hole in the road"}
    data = as_json(client.post(f"{BASE}/requests.json", body))
    request = Open311Request.objects.get(story_id=int(data[0]["service_request_id"]))
    assert request.private["attributes"]["topics"] == ["waiting", "staff"]
    assert request.story.title == "Hole in the road"


def test_a_posted_request_reads_back_in_both_formats(client, service, key) -> None:
    request_id = as_json(client.post(f"{BASE}/requests.json", SPEC_POST))[0]["service_request_id"]
    mine = xml(client.get(f"{BASE}/requests/{request_id}.xml", {"api_key": key}))
    record = mine.find("request")
    assert [child.tag for child in record] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert (record.findtext("status"), record.findtext("address"), record.findtext("lat")) == (
        "open",
        "1234 5th street",
        "37.76524078",
    )
    assert record.findtext("requested_datetime").endswith("Z")
    # Without the key that sent it, nothing until the story is published; then no place, no contact.
    assert client.get(f"{BASE}/requests/{request_id}.json").status_code == 404
    Story.objects.filter(pk=int(request_id)).update(status=StoryStatus.PUBLISHED, published_at=timezone.now())
    public = as_json(client.get(f"{BASE}/requests/{request_id}.json"))
    assert len(public) == 1
    assert (public[0]["service_request_id"], public[0]["status"]) == (request_id, "open")
    assert public[0]["description"] == SPEC_POST["description"]
    assert (public[0]["address"], public[0]["lat"], public[0]["zipcode"]) == ("", None, "")
    assert "john" not in client.get(f"/api/v1/stories/{request_id}").content.decode()


def test_a_providers_answers_set_status_and_status_notes(client, service, responder) -> None:
    story = StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    Response.objects.create(
        story=story, organisation=service.organisation, text="Looking.", status=ResponseStatus.LOOKING_INTO_IT
    )
    [record] = as_json(client.get(f"{BASE}/requests/{story.pk}.json"))
    assert (record["status"], record["status_notes"]) == ("open", "Looking into it: Looking.")
    Response.objects.create(
        story=story, organisation=service.organisation, text="Fixed.", status=ResponseStatus.CHANGE_MADE
    )
    [record] = as_json(client.get(f"{BASE}/requests/{story.pk}.json"))
    assert (record["status"], record["status_notes"]) == ("closed", "Change made: Fixed.")
    assert record["description"] == story.text
    assert as_json(client.get(f"{BASE}/requests.json", {"status": "closed"}))[0]["service_request_id"] == str(story.pk)
    assert as_json(client.get(f"{BASE}/requests.json", {"status": "open"})) == []


def test_request_list_filters_and_its_limits(client, service) -> None:
    other = ServiceFactory(slug="parks")
    now = timezone.now()
    stories = {
        name: StoryFactory(service=svc, status=StoryStatus.PUBLISHED, published_at=now)
        for name, svc in (("recent", service), ("park", other), ("old", service))
    }
    Story.objects.filter(pk=stories["old"].pk).update(created_at=now - dt.timedelta(days=120))
    ids = lambda data: sorted(int(r["service_request_id"]) for r in data)  # noqa: E731
    assert ids(as_json(client.get(f"{BASE}/requests.json"))) == sorted([stories["recent"].pk, stories["park"].pk])
    assert ids(as_json(client.get(f"{BASE}/requests.json", {"service_code": "parks"}))) == [stories["park"].pk]
    # An empty parameter behaves like a missing one.
    assert ids(as_json(client.get(f"{BASE}/requests.json", {"service_code": "", "status": ""}))) == sorted(
        [stories["recent"].pk, stories["park"].pk]
    )
    old_range = {
        "start_date": (now - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }
    assert ids(as_json(client.get(f"{BASE}/requests.json", old_range))) == [stories["old"].pk]
    # A list of ids overrides every other argument.
    by_id = {"service_request_id": f"{stories['old'].pk},{stories['park'].pk}", "service_code": "nothing"}
    assert ids(as_json(client.get(f"{BASE}/requests.json", by_id))) == sorted([stories["old"].pk, stories["park"].pk])
    too_wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    response = client.get(f"{BASE}/requests.xml", too_wide)
    assert response.status_code == 400
    assert "90 days" in xml(response).findtext("error/description")
    assert client.get(f"{BASE}/requests.json", {"status": "fixed"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "unknown"}, 404, "no service"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "location is required"),
        ({"lat": "91"}, 400, "lat and long"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"attribute[rating_overall]": "6"}, 400, "rating_overall"),
        ({"attribute[listened]": ""}, 400, "listened"),
        ({"email": "not-an-address"}, 400, "email"),
    ],
)
def test_bad_posts_are_refused_in_the_spec_format_and_nothing_is_stored(
    client, service, key, change, status, words
) -> None:
    for fmt in ("xml", "json"):
        response = client.post(f"{BASE}/requests.{fmt}", {**SPEC_POST, **change})
        assert response.status_code == status
        if fmt == "xml":
            codes = [e.findtext("code") for e in xml(response).findall("error")]
            assert set(codes) == {str(status)}
            assert any(words in e.findtext("description") for e in xml(response).findall("error"))
        else:
            assert any(words in e["description"] for e in as_json(response))
    assert Story.objects.count() == 0
    assert Open311Request.objects.count() == 0


def test_a_revoked_key_or_one_without_the_scope_is_refused(client, service, provider, site_admin) -> None:
    _token, rest_only = token_create(organisation=provider, by=site_admin, name="REST", scopes=[Scope.STORIES_WRITE])
    assert client.post(f"{BASE}/requests.json", {**SPEC_POST, "api_key": rest_only}).status_code == 403


def test_jurisdiction_is_checked(client, service, settings) -> None:
    settings.HEARD_OPEN311_JURISDICTION = "millbrook.example"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "millbrook.example"}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "sfgov.org"}).status_code == 404
    assert client.get(f"{BASE}/services.json").status_code == 200  # optional on a one-jurisdiction endpoint
    settings.HEARD_OPEN311_REQUIRE_JURISDICTION = True
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 400
    assert "jurisdiction_id" in xml(response).findtext("error/description")


def test_unknown_format_answers_in_xml(client, service) -> None:
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 404
    assert xml(response).tag == "errors"


def test_a_key_that_asks_for_confirmation_answers_a_token(
    client, service, provider, site_admin, django_capture_on_commit_callbacks
) -> None:
    _token, kiosk = token_create(
        organisation=provider, by=site_admin, name="Kiosk", scopes=[Scope.OPEN311], confirm_by_email=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        data = as_json(client.post(f"{BASE}/requests.json", {**SPEC_POST, "api_key": kiosk}))
    assert "service_request_id" not in data[0]
    token = data[0]["token"]
    assert as_json(client.get(f"{BASE}/tokens/{token}.json")) == [{"token": token}]
    types = {s["type"] for s in as_json(client.get(f"{BASE}/services.json", {"api_key": kiosk}))}
    assert types == {"batch"}
    story = Story.objects.get()
    assert story.status == StoryStatus.UNCONFIRMED
    [email] = mail.outbox
    link = next(line for line in email.body.splitlines() if "/stories/confirm/" in line).strip()
    client.get(link[link.index("/stories/") :])
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == str(story.pk)
    assert root.findtext("request/token") == token
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


def test_request_list_runs_a_fixed_number_of_queries(client, service, django_assert_max_num_queries) -> None:
    for _ in range(5):
        story = StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
        Response.objects.create(story=story, organisation=service.organisation, text="Ok", status="acknowledged")
    with django_assert_max_num_queries(2):  # stories with services and requests, their answers
        data = as_json(client.get(f"{BASE}/requests.json"))
    assert len(data) == 5


def test_a_key_sees_only_its_own_organisations_private_services(client, service, key, other_provider) -> None:
    ServiceFactory(name="Theirs", slug="theirs", is_private=True, organisation=other_provider)
    codes = [s["service_code"] for s in as_json(client.get(f"{BASE}/services.json", {"api_key": key}))]
    assert codes == ["housing-repairs"]
    response = client.post(f"{BASE}/requests.json", {**SPEC_POST, "service_code": "theirs"})
    assert response.status_code == 404
    assert Story.objects.count() == 0


def test_answers_to_questions_the_service_does_not_ask_are_left_out(client, service, key) -> None:
    data = as_json(client.post(f"{BASE}/requests.json", {**SPEC_POST, "attribute[report_url]": "http://x.example/1"}))
    stored = Open311Request.objects.get(story_id=int(data[0]["service_request_id"]))
    assert "report_url" not in stored.private["attributes"]


def test_control_characters_never_reach_the_xml(client, service, key) -> None:
    body = {**SPEC_POST, "description": "The boiler\x0b broke\x00 again", "attribute[title]": "Boiler\x01"}
    request_id = as_json(client.post(f"{BASE}/requests.json", body))[0]["service_request_id"]
    story = Story.objects.get(pk=int(request_id))
    assert (story.text, story.title) == ("The boiler broke again", "Boiler")
    record = xml(client.get(f"{BASE}/requests/{request_id}.xml", {"api_key": key})).find("request")
    assert record.findtext("description") == "The boiler broke again"


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("requests/\u00b2.json", {}, 404),
        ("requests/" + "9" * 5000 + ".json", {}, 404),
        ("requests.json", {"service_request_id": "\u00b2"}, 400),
        ("requests.json", {"service_request_id": "1,,2"}, 200),
        ("requests.json", {"service_request_id": ",".join(["1"] * 1001)}, 400),
        ("requests.json", {"start_date": "2026-02-30T00:00:00Z"}, 400),
        ("requests.json", {"end_date": "0001-01-02T00:00:00Z"}, 400),
        ("requests.json", {"start_date": "9999-12-30T00:00:00Z"}, 400),
        ("requests.json", {"start_date": "2026-11-01T00:00:00 01:00"}, 200),  # "+" read as a space
        ("services.JSON", {}, 200),
    ],
)
def test_odd_input_gets_an_answer_not_a_crash(client, service, path, query, status) -> None:
    response = client.get(f"{BASE}/{path}", query)
    assert response.status_code == status


def test_head_and_discovery_without_a_required_jurisdiction(client, service, settings) -> None:
    settings.HEARD_OPEN311_REQUIRE_JURISDICTION = True
    assert client.head(f"{BASE}/services.xml", {"jurisdiction_id": "127.0.0.1"}).status_code == 200
    assert client.get(f"{BASE}/discovery.json").status_code == 200


def test_the_demo_key_works_only_in_demo_mode(client, service, provider, site_admin, settings) -> None:
    token_create(organisation=provider, by=site_admin, name="Demo", scopes=[Scope.OPEN311], key="demo-open311-key")
    body = {**SPEC_POST, "api_key": "demo-open311-key"}
    settings.HEARD_DEMO = False
    assert client.post(f"{BASE}/requests.json", body).status_code == 403
    settings.HEARD_DEMO = True
    assert client.post(f"{BASE}/requests.json", body).status_code == 200
