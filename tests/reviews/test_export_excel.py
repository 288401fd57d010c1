"""The CSV export opens in Excel with accents intact: UTF-8 with a byte order mark."""

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.core.models import Interview, Invitation

pytestmark = pytest.mark.django_db


def test_export_starts_with_a_bom_and_keeps_accents(
    interview: Interview, make_candidate: Callable[..., Invitation], admin_client: Client
) -> None:
    make_candidate(interview, name="José Núñez", email="jose@example.com")
    response = admin_client.get(reverse("dashboard:review_export", args=[interview.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "José Núñez".encode() in response.content
    # Read as Excel does with the BOM: "utf-8-sig" drops it and the header is clean.
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Candidate"
    assert rows[1][:2] == ["José Núñez", "jose@example.com"]
