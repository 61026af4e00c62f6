"""The guardian's mail says how its two clocks relate (issue 32, section 2): until
when the link works, when an unanswered entry is deleted, and that a new link does
not move the deletion. Dates, not "7 days" beside "14 days"."""

import datetime as dt

import pytest
from django.utils import timezone

from challenge import emails
from challenge.models import Entry, GuardianConsent
from core.dates import format_day
from tests.challenge.factories import make_entry, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(settings):
    settings.GUARDIAN_LINK_MAX_AGE_DAYS = 7
    settings.GUARDIAN_WAIT_DAYS = 14
    minor = make_participant(age=13, country="IT", language="en")
    entry = make_entry(participant=minor, state=Entry.State.DRAFT)
    return GuardianConsent.objects.create(entry=entry, guardian_email="p@example.org")


def _said(moment: dt.datetime) -> str:
    return format_day(timezone.localtime(moment), "DATETIME_FORMAT")


def test_the_mail_gives_both_dates_and_how_they_relate(consent):
    body = emails.guardian_request_message(consent=consent, link="http://x/").body
    assert "expires in 7 days" not in body and "within 14 days" not in body
    link_until = consent.requested_at + dt.timedelta(days=7)
    deleted_at = consent.entry.created_at + dt.timedelta(days=14)
    assert f"The link works once, until {_said(link_until)}." in body
    assert f"@{consent.entry.participant.handle} can send you a new one" in body
    assert f"Without an answer by {_said(deleted_at)} (14 days after" in body
    assert "A new link does not move that date." in body


def test_a_link_sent_late_is_never_said_to_outlive_the_entry(consent):
    consent.requested_at = consent.entry.created_at + dt.timedelta(days=10)
    consent.save()
    body = emails.guardian_request_message(consent=consent, link="http://x/").body
    deleted_at = consent.entry.created_at + dt.timedelta(days=14)
    assert f"The link works once, until {_said(deleted_at)}." in body
    assert "can send you a new one" not in body
