"""Issue "safety at the edges", point 5: a minor is anyone under 18.

Needing a guardian's consent stops at the country's age of digital consent (15 in
France, 14 in Italy); being a minor does not. A 15-year-old in France uploads without a
guardian, and their entry must still be labelled a minor's, be found by the "under
18" filter and be served first to the moderators.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from challenge.models import Entry
from challenge.selectors.desk import desk_queue
from tests.challenge.factories import (
    entry_post_data,
    make_entry,
    make_participant,
    make_user,
)

S = Entry.State
SUBMIT = "/en/challenge/submit/"


@pytest.mark.parametrize(
    ("age", "country", "minor", "needs_guardian"),
    [
        (13, "IT", True, True),  # under Italy's 14
        (15, "FR", True, False),  # France's consent age is 15
        (15, "DE", True, True),  # Germany's is 16
        (17, "IT", True, False),
        (18, "FR", False, False),
    ],
)
def test_an_entry_records_both_facts(
    client, campaign, upload, age, country, minor, needs_guardian
):
    participant = make_participant(age=age, country=country)
    client.force_login(participant.user)
    data = entry_post_data(upload(), guardian_email="parent@example.net")
    client.post(SUBMIT, data)
    entry = Entry.objects.get()
    assert (entry.is_minor, entry.needs_guardian) == (minor, needs_guardian)
    assert (entry.state == S.DRAFT) == needs_guardian


@pytest.fixture
def french_15(campaign):
    """15 in France: old enough to consent, still a minor."""
    return make_participant(age=15, country="FR")


def _their_entry(client, participant, upload, django_capture_on_commit_callbacks):
    client.force_login(participant.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SUBMIT, entry_post_data(upload()))
    client.logout()
    entry = Entry.objects.get(participant=participant)
    assert entry.state == S.PENDING_REVIEW
    return entry


def test_the_desk_calls_a_15_year_old_a_minor(
    client, french_15, upload, django_capture_on_commit_callbacks
):
    entry = _their_entry(client, french_15, upload, django_capture_on_commit_callbacks)
    client.force_login(make_user(moderator=True))
    page = client.get(
        reverse("admin:challenge_entry_desk_entry", args=[entry.pk])
    ).content.decode()
    assert "Minor, 13-15" in page
    assert "Adult" not in page


def test_the_under_18_filter_finds_a_minor_who_needed_no_guardian(
    client, french_15, upload, django_capture_on_commit_callbacks
):
    entry = _their_entry(client, french_15, upload, django_capture_on_commit_callbacks)
    adult = make_entry()
    client.force_login(make_user(moderator=True))
    page = client.get(
        reverse("admin:challenge_entry_changelist"), {"signal": "minor"}
    ).content.decode()
    assert f"/{entry.pk}/change/" in page
    assert f"/{adult.pk}/change/" not in page


def test_minors_first_includes_16_and_17_year_olds(settings, campaign):
    settings.MODERATION_MINOR_MAX_WAIT_MINUTES = 30
    older_adult = make_entry(waited=dt.timedelta(hours=3))
    seventeen = make_participant(age=17, country="IT")
    from challenge.services.submission import entry_create
    from tests.challenge.factories import make_video

    minor = entry_create(
        participant=seventeen,
        video=make_video(),
        caption="a kind day",
        prompt="moment",
        language="en",
    )
    Entry.objects.filter(pk=minor.pk).update(
        state=S.PENDING_REVIEW,
        state_changed_at=minor.created_at - dt.timedelta(minutes=45),
    )
    assert list(desk_queue())[:2] == [minor, older_adult]


# --- Existing rows are migrated ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_the_old_flag_into_the_two_facts():
    before = [("challenge", "0017_note_event_states_open_report_count")]
    after = [("challenge", "0018_entry_needs_guardian")]
    kid_it = make_participant(age=13, country="IT")
    teen_fr = make_participant(age=15, country="FR")
    grown = make_participant(age=30, country="FR")
    rows = {
        "kid_it": make_entry(participant=kid_it).pk,
        "teen_fr": make_entry(participant=teen_fr).pk,
        "grown": make_entry(participant=grown).pk,
    }
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("challenge", "Entry")
        old.objects.filter(pk=rows["kid_it"]).update(is_minor=True)  # the old meaning
        old.objects.exclude(pk=rows["kid_it"]).update(is_minor=False)

        MigrationExecutor(connection).migrate(after)

        facts = {
            name: tuple(
                Entry.objects.filter(pk=pk)
                .values_list("is_minor", "needs_guardian")
                .get()
            )
            for name, pk in rows.items()
        }
        assert facts == {
            "kid_it": (True, True),
            "teen_fr": (True, False),
            "grown": (False, False),
        }
        MigrationExecutor(connection).migrate(before)  # and back
        back = executor.loader.project_state(before).apps.get_model(
            "challenge", "Entry"
        )
        assert back.objects.get(pk=rows["teen_fr"]).is_minor is False
    finally:
        # Later migrations too: the next tests run on the whole schema.
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
