"""The moderation dashboard: its figures and its link from the admin index."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import (
    Entry,
)
from challenge.services.moderation import decisions, reports
from tests.challenge.factories import (
    make_entries,
    make_entry,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_dashboard_figures(client, moderator):
    from challenge.selectors.dashboard import dashboard_figures

    pending = make_entries(4)
    decisions.entry_approve(entry_id=pending[0].pk, actor=moderator)
    decisions.entry_reject(entry_id=pending[1].pk, actor=moderator, reason="spam")
    approved = make_entry(state=S.APPROVED)
    reports.report_create(entry_id=approved.pk, reporter_key="a", reason="spam")
    figures = dashboard_figures()
    assert figures["queue_length"] == 2
    assert figures["approval_rate"] == 0.5
    assert figures["decided"] == 2
    assert figures["open_reports"] == 1
    assert figures["per_day"][-1]["total"] == 2
    assert len(figures["per_day"]) == 14
    client.force_login(moderator)
    response = client.get(reverse("admin:challenge_entry_dashboard"))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Waiting for review" in page
    assert "50%" in page


def test_admin_index_links_the_dashboard(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:challenge_entry_dashboard") in page
