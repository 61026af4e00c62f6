"""Visitors report an entry: once per session, hidden at the threshold, rate limited."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from challenge.models import Entry, Report
from tests.challenge.factories import (
    make_entries,
    make_entry,
)
from tests.challenge.gallery.helpers import detail_url

pytestmark = pytest.mark.django_db
S = Entry.State


def test_a_visitor_reports_once_per_session(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {"reason": "bullying", "text": "mean words"})
    assert response.status_code == HTTPStatus.OK
    assert "Your report has been sent" in response.content.decode()
    again = client.post(url, {"reason": "spam"})
    assert "already reported" in again.content.decode()
    report = Report.objects.get()
    assert (report.reason, report.text) == ("bullying", "mean words")
    assert report.reporter_key.startswith("s:")
    assert client.session.session_key not in report.reporter_key


def test_a_report_needs_a_session(settings):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    scripted = Client()
    response = scripted.post(url, {"reason": "spam"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Report.objects.exists()
    # the form it got back came with a session: now it may report
    assert scripted.post(url, {"reason": "spam"}).status_code == HTTPStatus.OK
    assert Report.objects.count() == 1


def test_three_anonymous_reports_do_not_hide_the_entry(settings):
    # Hiding needs verified accounts: tests/security/test_reports_and_limits.py.
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    for _ in range(3):
        visitor = Client()
        visitor.get(url)
        visitor.post(url, {"reason": "unsafe"})
    assert Client().get(detail_url(entry)).status_code == HTTPStatus.OK
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 3)


def test_reports_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "report": "2/m/ip"}
    entries = make_entries(3, state=S.APPROVED)
    statuses = []
    for entry in entries:
        url = reverse("gallery:report", kwargs={"pk": entry.pk})
        client.get(url)
        statuses.append(client.post(url, {"reason": "spam"}).status_code)
    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    assert Report.objects.count() == 2


def test_a_bad_reason_keeps_the_text(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    client.get(url)
    response = client.post(url, {"reason": "", "text": "please look"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "please look" in response.content.decode()
    assert not Report.objects.exists()
