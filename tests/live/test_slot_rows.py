"""The slot offer form starts with the rows it needs and takes as many as are sent."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.live.forms import MAX_SLOT_RANGES
from oneway.live.models import SlotOffer

pytestmark = pytest.mark.django_db


def offer_data(count: int) -> dict[str, str]:
    day = (timezone.now() + datetime.timedelta(days=10)).date()
    data = {
        "name": "Autumn panel",
        "timezone": "Europe/London",
        "slot_minutes": "30",
        "buffer_minutes": "0",
        "minimum_notice_hours": "24",
        "ranges-TOTAL_FORMS": str(count),
        "ranges-INITIAL_FORMS": "0",
        "ranges-MIN_NUM_FORMS": "0",
        "ranges-MAX_NUM_FORMS": str(MAX_SLOT_RANGES),
    }
    for n in range(count):
        data[f"ranges-{n}-date"] = (day + datetime.timedelta(days=n)).isoformat()
        data[f"ranges-{n}-start"] = "09:00"
        data[f"ranges-{n}-end"] = "10:00"
    return data


def test_new_form_has_the_suggested_rows_one_empty_row_and_a_row_template(
    admin_client: Client,
) -> None:
    content = admin_client.get(reverse("live:slot_offer_create")).content.decode()
    assert content.count('class="slot-range') == 4  # two suggested, one empty, the template
    assert '<template id="slot-range-template">' in content
    assert 'name="ranges-__prefix__-date"' in content
    assert "Range __number__" in content
    assert "oneway/formset_rows.js" in content and "onclick" not in content


def test_more_than_five_ranges_are_saved(admin_client: Client) -> None:
    response = admin_client.post(reverse("live:slot_offer_create"), offer_data(8))
    assert response.status_code == 302
    assert SlotOffer.objects.get().ranges.count() == 8


def test_too_many_ranges_are_refused_with_a_message(admin_client: Client) -> None:
    response = admin_client.post(reverse("live:slot_offer_create"), offer_data(MAX_SLOT_RANGES + 1))
    assert response.status_code == 200
    assert f"Offer at most {MAX_SLOT_RANGES} ranges at a time." in response.content.decode()
    assert not SlotOffer.objects.exists()
