from __future__ import annotations

import pytest
from django.urls import reverse

from heard.organisations.enums import AreaKind, Sector
from tests.factories import AreaFactory, LocalAuthorityFactory, OrganisationFactory, PostcodePrefixFactory, WardFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 3])
def test_organisation_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    OrganisationFactory.create_batch(count)
    with django_assert_num_queries(2):  # count + page
        response = client.get(reverse("organisations:list"))
    assert len(response.context["page"].object_list) == count


def test_organisation_list_filters_by_sector(client) -> None:
    OrganisationFactory(name="Council", sector=Sector.PUBLIC)
    OrganisationFactory(name="Food bank", sector=Sector.COMMUNITY)
    html = client.get(reverse("organisations:list"), {"sector": "community"}).content.decode()
    assert "Food bank" in html
    assert "Council" not in html


def test_organisation_list_is_paginated(client) -> None:
    OrganisationFactory.create_batch(25)
    first = client.get(reverse("organisations:list"))
    second = client.get(reverse("organisations:list"), {"page": 2})
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert 'rel="next"' in first.content.decode()


def test_organisations_serving_a_ward_include_those_serving_its_borough(client) -> None:
    ward = WardFactory(name="Eastfield")
    borough_wide = OrganisationFactory(name="Council")
    borough_wide.areas.add(ward.parent)
    local = OrganisationFactory(name="Tenants")
    local.areas.add(ward)
    OrganisationFactory(name="Elsewhere")
    html = client.get(reverse("organisations:list"), {"area": ward.slug}).content.decode()
    assert "Council" in html
    assert "Tenants" in html
    assert "Elsewhere" not in html


def test_organisation_page_shows_details_and_areas(client) -> None:
    ward = WardFactory(name="Hillcrest")
    organisation = OrganisationFactory(name="Age Well", description="Help at home", website="https://agewell.example")
    organisation.areas.add(ward)
    html = client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug})).content.decode()
    assert "<h1>Age Well</h1>" in html
    assert "Help at home" in html
    assert "Hillcrest" in html


@pytest.mark.parametrize("count", [1, 3])
def test_area_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    AreaFactory.create_batch(count)
    with django_assert_num_queries(2):
        response = client.get(reverse("organisations:areas"))
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_area_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    borough = LocalAuthorityFactory()
    for _ in range(count):
        ward = WardFactory(parent=borough)
        OrganisationFactory().areas.add(ward)
    with django_assert_num_queries(4):  # area, children count, children, organisations
        response = client.get(reverse("organisations:area_detail", kwargs={"slug": borough.slug}))
    assert response.status_code == 200
    assert len(response.context["organisations"]) == count


def test_postcode_finds_the_ward_by_its_sector_before_the_borough_by_its_district(client) -> None:
    ward = WardFactory(name="Canal Side")
    PostcodePrefixFactory(prefix="MB1 1", area=ward)
    PostcodePrefixFactory(prefix="MB1", area=ward.parent)
    response = client.get(reverse("organisations:postcode_lookup"), {"postcode": "mb1 1xy"})
    assert response["Location"] == reverse("organisations:area_detail", kwargs={"slug": ward.slug})
    response = client.get(reverse("organisations:postcode_lookup"), {"postcode": "MB1 9XY"})
    assert response["Location"] == reverse("organisations:area_detail", kwargs={"slug": ward.parent.slug})


def test_postcode_not_covered_says_so(client) -> None:
    response = client.get(reverse("organisations:postcode_lookup"), {"postcode": "ZZ1 1ZZ"}, follow=True)
    assert "We could not find an area for ZZ1 1ZZ" in response.content.decode()


def test_bad_postcode_gets_a_clear_message_and_keeps_what_was_typed(client) -> None:
    html = client.get(reverse("organisations:postcode_lookup"), {"postcode": "hello"}).content.decode()
    assert "There is a problem" in html
    assert 'href="#id_postcode"' in html
    assert "Enter a real postcode, like E8 1EA." in html
    assert 'value="hello"' in html


def test_area_kinds_filter(client) -> None:
    WardFactory(name="Northgate")
    html = client.get(reverse("organisations:areas"), {"kind": AreaKind.WARD}).content.decode()
    assert "Northgate" in html


def test_a_sector_and_a_district_that_look_alike_do_not_collide(client) -> None:
    """The sector "SE1 1" and the district "SE11" are different places."""
    sector_ward = WardFactory(name="Borough")
    district_ward = WardFactory(name="Kennington")
    PostcodePrefixFactory(prefix="SE1 1", area=sector_ward)
    PostcodePrefixFactory(prefix="SE11", area=district_ward)
    response = client.get(reverse("organisations:postcode_lookup"), {"postcode": "SE1 1AA"})
    assert response["Location"] == reverse("organisations:area_detail", kwargs={"slug": sector_ward.slug})
    response = client.get(reverse("organisations:postcode_lookup"), {"postcode": "SE11 4AA"})
    assert response["Location"] == reverse("organisations:area_detail", kwargs={"slug": district_ward.slug})
