"""The service directory: search, pages, the Open Referral UK feed and import, and staff editing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from heard.directory.enums import ServiceCategory, ServiceStatus
from heard.directory.models import Service
from heard.directory.selectors import service_search
from heard.organisations.models import Organisation
from tests.factories import OrganisationFactory, PostcodePrefixFactory, ServiceFactory, WardFactory

pytestmark = pytest.mark.django_db


def test_search_finds_words_in_name_description_and_provider() -> None:
    council = OrganisationFactory(name="Millbrook Borough Council")
    repairs = ServiceFactory(name="Housing repairs", description="Fix leaks and damp", organisation=council)
    advice = ServiceFactory(name="Money advice", description="Help with debts and damp-free budgets")
    ServiceFactory(name="Bus routes", description="Buses every 12 minutes")
    assert list(service_search(text="repairs")) == [repairs]
    assert set(service_search(text="debts")) == {advice}
    assert list(service_search(text="millbrook")) == [repairs]
    assert list(service_search(text="housing leaks")) == [repairs]  # every word must match
    assert list(service_search(text="nothing-like-this")) == []


def test_search_puts_a_match_in_the_name_before_one_in_the_description() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ranking is PostgreSQL full-text search; SQLite orders by name")
    in_description = ServiceFactory(name="Advice line", description="We can talk about repairs too")
    in_name = ServiceFactory(name="Repairs", description="Reporting a problem")
    assert list(service_search(text="repairs")) == [in_name, in_description]


def test_search_leaves_out_private_and_closed_services() -> None:
    ServiceFactory(name="Repairs hotline", is_private=True)
    ServiceFactory(name="Repairs desk", status=ServiceStatus.DEFUNCT)
    shown = ServiceFactory(name="Repairs online", status=ServiceStatus.TEMPORARILY_CLOSED)
    assert list(service_search(text="repairs")) == [shown]


def test_service_list_filters_by_category_and_by_postcode(client) -> None:
    ward = WardFactory(name="Eastfield")
    PostcodePrefixFactory(prefix="MB3", area=ward)
    here = ServiceFactory(name="Eastfield repairs surgery", category=ServiceCategory.HOUSING)
    here.areas.add(ward)
    borough_wide = ServiceFactory(name="Council repairs", category=ServiceCategory.HOUSING)
    borough_wide.areas.add(ward.parent)
    ServiceFactory(name="Repairs elsewhere", category=ServiceCategory.HOUSING).areas.add(WardFactory())
    ServiceFactory(name="Debt advice", category=ServiceCategory.INCOME).areas.add(ward)

    page = client.get(reverse("directory:list"), {"category": "housing", "postcode": "mb3 9zz"}).context["page"]
    assert {service.name for service in page} == {"Eastfield repairs surgery", "Council repairs"}


def test_service_list_with_a_bad_postcode_says_so_and_keeps_the_search(client) -> None:
    html = client.get(reverse("directory:list"), {"q": "repairs", "postcode": "nope"}).content.decode()
    assert "Enter a real postcode, like E8 1EA." in html
    assert 'href="#id_postcode"' in html
    assert 'value="repairs"' in html


@pytest.mark.parametrize("count", [1, 3])
def test_service_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    ServiceFactory.create_batch(count)
    with django_assert_num_queries(2):  # count, page with providers
        response = client.get(reverse("directory:list"), {"q": "service"})
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_service_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    service = ServiceFactory()
    service.areas.add(*[WardFactory() for _ in range(count)])
    with django_assert_num_queries(2):  # service with provider, areas with parents
        response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    assert service.name in response.content.decode()


def test_private_service_has_no_public_page(client) -> None:
    service = ServiceFactory(is_private=True)
    assert client.get(service.get_absolute_url()).status_code == 404


def test_openreferral_feed_lists_services_in_pages(client) -> None:
    ServiceFactory.create_batch(3)
    ServiceFactory(is_private=True)
    data = client.get(reverse("directory:openreferral_services"), {"per_page": 2}).json()
    assert data["total_items"] == 3
    assert data["total_pages"] == 2
    assert data["first_page"] is True
    assert data["last_page"] is False
    assert len(data["contents"]) == 2
    item = data["contents"][0]
    assert {"id", "name", "status", "url", "organization", "service_areas", "attributes", "phones"} <= set(item)
    assert item["attributes"][0]["taxonomy_term"]["vocabulary"] == "heard-service-category"


def test_openreferral_single_service(client) -> None:
    service = ServiceFactory(phone="0300 555 0101", address="Town Hall, MB1 3AA", opening_hours="9 to 5")
    data = client.get(reverse("directory:openreferral_service", kwargs={"uid": service.uid})).json()
    assert data["id"] == str(service.uid)
    assert data["phones"][0]["number"] == "0300 555 0101"
    assert data["service_at_locations"][0]["location"]["address"][0]["address_1"] == "Town Hall, MB1 3AA"


def _upload(payload: object) -> SimpleUploadedFile:
    return SimpleUploadedFile("services.json", json.dumps(payload).encode(), content_type="application/json")


def test_import_reads_heard_own_export_back_and_updates_rather_than_duplicates(client, client_for, site_admin):
    ward = WardFactory(name="Hillcrest")
    original = ServiceFactory(name="Warm homes checks", phone="0300 555 0601", minimum_age=60)
    original.areas.add(ward)
    exported = client.get(reverse("directory:openreferral_services")).json()
    exported["contents"][0]["name"] = "Warm home checks"
    exported["contents"].append(
        {
            "id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e0f",
            "name": "Stop smoking support",
            "status": "active",
            "url": "https://example.org/stop-smoking",
            "organization": {"name": "Riverside Health CIC"},
            "service_areas": [{"name": "Hillcrest"}, {"name": "Atlantis"}],
            "attributes": [{"taxonomy_term": {"code": "health", "vocabulary": "heard-service-category"}}],
        }
    )
    response = client_for(site_admin).post(
        reverse("directory:manage_import"), {"file": _upload(exported), "sector": "voluntary"}, follow=True
    )
    html = response.content.decode()
    assert "1 new services, 1 updated, 1 new organisations" in html
    assert "left out: Atlantis" in html
    original.refresh_from_db()
    assert original.name == "Warm home checks"
    assert original.minimum_age == 60
    new = Service.objects.get(name="Stop smoking support")
    assert str(new.uid) == "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e0f"
    assert new.category == ServiceCategory.HEALTH
    assert list(new.areas.all()) == [ward]
    assert Organisation.objects.get(name="Riverside Health CIC").sector == "voluntary"


def test_import_with_problems_lists_each_and_stores_nothing(client_for, site_admin) -> None:
    payload = [
        {"id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e01", "name": "Fine", "organization": {"name": "A"}},
        {"id": "not-a-uuid", "name": "Broken id", "organization": {"name": "A"}},
        {
            "id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e02",
            "name": "Ages",
            "organization": {"name": "A"},
            "minimum_age": 20,
            "maximum_age": 10,
        },
        {"id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e03", "organization": {"name": "A"}},
    ]
    response = client_for(site_admin).post(
        reverse("directory:manage_import"), {"file": _upload(payload), "sector": "public"}
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Service 2 (Broken id): its id must be a UUID." in html
    assert "Service 3 (Ages): the minimum age is above the maximum age." in html
    assert "Service 4 has no name." in html
    assert not Service.objects.exists()
    assert not Organisation.objects.filter(name="A").exists()


def test_import_of_a_file_that_is_not_json_says_so(client_for, site_admin) -> None:
    bad = SimpleUploadedFile("services.json", b"{not json", content_type="application/json")
    response = client_for(site_admin).post(reverse("directory:manage_import"), {"file": bad, "sector": "public"})
    assert "The file is not valid JSON" in response.content.decode()


def test_manager_adds_a_service_and_a_bad_age_range_keeps_what_was_typed(client_for, manager, provider) -> None:
    url = reverse("directory:manage_service_add", kwargs={"slug": provider.slug})
    data = {
        "name": "Youth club",
        "description": "Tuesdays",
        "category": "children_and_families",
        "status": "active",
        "minimum_age": "18",
        "maximum_age": "11",
        "phone": "0300 555 0800",
    }
    response = client_for(manager).post(url, data)
    html = response.content.decode()
    assert "The maximum age must be the same as or above the minimum age." in html
    assert 'value="Youth club"' in html
    assert 'value="0300 555 0800"' in html
    assert not Service.objects.exists()

    response = client_for(manager).post(url, {**data, "minimum_age": "11", "maximum_age": "18"})
    assert response.status_code == 302
    service = Service.objects.get(name="Youth club")
    assert service.organisation == provider
    assert (service.minimum_age, service.maximum_age) == (11, 18)


def test_manager_edits_own_service_but_not_another_organisations(client_for, manager, provider) -> None:
    own = ServiceFactory(organisation=provider)
    other = ServiceFactory()
    data = {"name": "Renamed", "category": "housing", "status": "temporarily closed"}
    response = client_for(manager).post(reverse("directory:manage_service_edit", kwargs={"slug": own.slug}), data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.name, own.status) == ("Renamed", ServiceStatus.TEMPORARILY_CLOSED)
    response = client_for(manager).post(reverse("directory:manage_service_edit", kwargs={"slug": other.slug}), data)
    assert response.status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_organisation_services_page_runs_a_fixed_number_of_queries(
    client_for, manager, provider, django_assert_num_queries, count
) -> None:
    ServiceFactory.create_batch(count, organisation=provider)
    client = client_for(manager)
    client.get("/")
    with django_assert_num_queries(6):  # session, user, roles, organisation, count, page
        response = client.get(reverse("directory:manage_services", kwargs={"slug": provider.slug}))
    assert len(response.context["page"].object_list) == count


def test_export_and_import_commands_round_trip(tmp_path) -> None:
    import io

    from django.core.management import call_command

    service = ServiceFactory(name="Befriending", minimum_age=65)
    out = io.StringIO()
    call_command("export_openreferral", stdout=out)
    data = json.loads(out.getvalue())
    assert [item["name"] for item in data] == ["Befriending"]

    data[0]["name"] = "Befriending and phone calls"
    path = tmp_path / "services.json"
    path.write_text(json.dumps(data))
    call_command("import_openreferral", str(path), stdout=io.StringIO())
    service.refresh_from_db()
    assert service.name == "Befriending and phone calls"
    assert Service.objects.count() == 1
