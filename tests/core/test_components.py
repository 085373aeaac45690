"""The reusable template components every app builds its pages from."""

from __future__ import annotations

import re

from django import forms
from django.core.paginator import Paginator
from django.template import Context, Template
from django.utils import translation


class _ExampleForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As you would like to be called")
    colour = forms.ChoiceField(label="Colour", choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")


def _render(source: str, **context: object) -> str:
    return Template("{% load heard %}" + source).render(Context(context))


def test_field_has_label_hint_and_error_linked_to_the_input() -> None:
    form = _ExampleForm({"name": "", "colour": "blue"})
    html = _render("{{ form }}", form=form)
    assert '<label class="field__label" for="id_name">Your name' in html
    assert 'id="id_name_hint"' in html
    assert 'id="id_name_error"' in html
    assert 'aria-describedby="id_name_hint id_name_error"' in html
    assert 'aria-invalid="true"' in html


def test_radio_group_is_a_fieldset_with_a_legend_and_keeps_the_choice() -> None:
    form = _ExampleForm({"name": "", "colour": "blue"})
    html = _render("{{ form }}", form=form)
    assert "<fieldset" in html
    assert "Colour" in html.split("<legend", 1)[1].split("</legend>", 1)[0]
    assert re.search(r'<input type="radio" name="colour" value="blue"[^>]*checked', html)
    assert not re.search(r'<input type="radio" name="colour" value="red"[^>]*checked', html)


def test_error_summary_links_each_error_to_its_field() -> None:
    form = _ExampleForm({"name": "", "colour": "blue"})
    form.is_valid()
    html = _render('{% include "components/error_summary.html" with form=form %}', form=form)
    assert 'href="#id_name"' in html
    assert 'href="#id_agree"' in html
    assert 'href="#id_colour_0"' not in html  # the colour was fine
    assert "There is a problem" in html


def test_error_summary_is_absent_when_there_are_no_errors() -> None:
    html = _render('{% include "components/error_summary.html" with form=form %}', form=_ExampleForm())
    assert html.strip() == ""


def test_pagination_keeps_the_filters_in_its_links() -> None:
    page = Paginator(list(range(50)), 20).get_page(2)
    html = _render(
        '{% include "components/pagination.html" with page=page query=query %}', page=page, query="sector=public"
    )
    assert 'href="?sector=public&amp;page=1"' in html
    assert 'href="?sector=public&amp;page=3"' in html
    assert 'aria-current="page"' in html
    assert "Showing 21 to 40 of 50" in html


def test_table_tag_adds_caption_and_a_named_scrolling_region() -> None:
    html = _render('{% table "Roles" %}<tbody><tr><th scope="row">a</th></tr></tbody>{% endtable %}')
    assert 'role="region" aria-label="Roles" tabindex="0"' in html
    assert '<caption class="table__caption">Roles</caption>' in html
    assert '<th scope="row">a</th>' in html


def test_status_tag_says_its_state_in_words() -> None:
    html = _render('{% status_tag "Change made" "success" %}')
    assert html.strip() == '<strong class="tag tag--success">Change made</strong>'


def test_empty_state_and_card_render_their_text() -> None:
    html = _render('{% include "components/empty_state.html" with title="Nothing yet" body="Be the first" %}')
    assert "Nothing yet" in html
    assert "Be the first" in html
    html = _render('{% include "components/card.html" with title="Age Well" url="/o/age-well/" meta="Charity" %}')
    assert '<a href="/o/age-well/">Age Well</a>' in html


def _render_humanized(source: str, **context: object) -> str:
    return Template("{% load humanize %}" + source).render(Context(context))


def test_the_bar_chart_groups_its_counts_by_thousands_the_readers_way() -> None:
    # The shared bar chart prints counts through django.contrib.humanize's intcomma, grouped the
    # reader's way, on its bars and in its table.
    chart = '{% include "components/bar_chart.html" with chart_id="c" title="Votes" rows=rows max=big %}'
    rows = [("Mon", 12000), ("Tue", 1234567), ("Wed", 999)]
    html = _render_humanized(chart, rows=rows, big=1234567)
    assert re.findall(r'class="chart__value">([^<]+)<', html) == ["12,000", "1,234,567", "999"]
    assert re.findall(r"<td>([^<]+)</td>", html) == ["12,000", "1,234,567", "999"]
    with translation.override("fr"):
        assert "<td>12\xa0000</td>" in _render_humanized(chart, rows=rows[:1], big=12000)


def test_numbers_not_passed_through_intcomma_stay_whole_and_anything_else_stays_as_it_is() -> None:
    # Only counts asked for are grouped (USE_THOUSAND_SEPARATOR is off): an id printed on its own
    # stays whole, for links and attributes.
    assert _render_humanized("{{ n }}", n=12000) == "12000"
    assert _render_humanized("[{{ none|intcomma }}] {{ word|intcomma }}", none="", word="many") == "[] many"
    # A boolean is a number to intcomma; no page passes one.
    assert _render_humanized("{{ flag|intcomma }}", flag=True) == "1"
