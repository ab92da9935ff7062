"""``{% path %}`` gives what ``{% url %}`` gives, for every URL of record ids it is used for."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from safeguard.templatetags.paths import path_for


@pytest.mark.parametrize(
    ("name", "ids"),
    [("case_detail", [1]), ("case_detail", [4_000_000_123]), ("step_detail", [12, 345]), ("action_complete", [7, 7]),
     ("concern_detail", [3]), ("action_reassign", [99, 1])],
)  # fmt: skip
def test_path_is_the_url_django_reverses(name, ids):
    assert path_for(name, *ids) == reverse(name, args=ids)


def test_the_tag_renders_the_same_as_url():
    rendered = Template("{% load paths %}{% path 'step_detail' a b %}|{% url 'step_detail' a b %}").render(
        Context({"a": 5, "b": 6})
    )
    first, second = rendered.split("|")
    assert first == second == "/cases/5/steps/6/"


@pytest.mark.parametrize("value", ["5", "5/../../admin", 5.0, True, None])
def test_only_record_ids_go_into_the_url(value):
    with pytest.raises(TypeError, match="record ids"):
        path_for("case_detail", value)
