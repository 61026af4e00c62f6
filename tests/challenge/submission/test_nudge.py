"""The kindness nudge: matching (with the seeded starter list) and the flow."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Nudge, NudgeOutcome, WatchedWord
from challenge.nudge import Watched, caption_hits, find_hits
from challenge.selectors.dashboard import nudge_stats
from challenge.services.submission import nudges_expire_abandoned
from tests.challenge.factories import (
    entry_post_data,
    make_nudge,
    make_participant,
    video_files,
)
from videos.models import Video

SUBMIT = "/en/challenge/submit/"


@pytest.mark.parametrize(
    "caption, phrase",
    [
        # English: plain, case, leetspeak, spacing, punctuation, repeats, plural
        ("you are an idiot", "idiot"),
        ("YOU IDIOT", "idiot"),
        ("1d10t", "idiot"),
        ("i d i o t", "idiot"),
        ("i.d.i.o.t", "idiot"),
        ("id-iot", "idiot"),
        ("stuuuuupid", "stupid"),
        ("what losers", "loser"),
        ("k1ll y0urs3lf", "kill yourself"),
        ("killyourself", "kill yourself"),
        ("k.y.s", "kys"),
        ("@$$hole", "asshole"),
        ("nobody   likes   you", "nobody likes you"),
        # Italian
        ("sei proprio un cretino", "cretino"),
        ("che cretini", "cretino"),
        ("AMMAZZATI", "ammazzati"),
        ("s.c.e.m.o", "scemo"),
        # French, with and without accents
        ("t'es débile", "débile"),
        ("t'es debile", "débile"),
        ("Personne ne t'aime", "personne ne t'aime"),
        ("va crever", "va crever"),
        # German, umlauts and ß folded
        ("du bist hässlich", "du bist hässlich"),
        ("du bist haesslich", "du bist hässlich"),
        ("du bist hasslich", "du bist hässlich"),
        ("Vollidiot!!!", "vollidiot"),
        ("geh sterben", "geh sterben"),
    ],
)
def test_hurtful_captions_are_caught(db, caption, phrase):
    assert phrase in {hit["phrase"] for hit in caption_hits(caption)}


@pytest.mark.parametrize(
    "caption",
    [
        "I was in class when it happened",
        "We visited Scunthorpe last summer",
        "My assessment went well thanks to a friend",
        "As kind as can be",
        "She has real skill with words",
        "Hello everyone, be kind",
        "Il mio amico mi ha aiutato con la cassa",
        "Un grand assassin de la tristesse: le sourire",
        "Je n'allais nulle part sans elle",
        "C'est une connaissance qui m'a aidé",
        "Ich war schlampig, aber sie half mir",
        "Die Therapie gegen Spastik hilft",
        "Sie hat mich aufgebaut, als ich traurig war",
        "A hug from my sister",
    ],
)
def test_innocent_captions_pass(db, caption):
    assert caption_hits(caption) == []


def test_matching_works_on_any_custom_list():
    words = [Watched("meanie", "en", "nudge")]
    assert find_hits("what a M3AN13!", words)[0]["matched"] == "meanie"
    assert find_hits("meaningful", words) == []


def test_inactive_words_are_ignored(db):
    WatchedWord.objects.filter(phrase="idiot").update(is_active=False)
    assert not any(h["phrase"] == "idiot" for h in caption_hits("idiot"))


def test_starter_list_is_seeded_in_four_languages(db):
    languages = set(WatchedWord.objects.values_list("language", flat=True))
    assert languages == {"en", "it", "fr", "de"}
    assert WatchedWord.objects.filter(action=WatchedWord.Action.HOLD).exists()


# The flow ----------------------------------------------------------------------


@pytest.fixture
def nudged(participant_client, campaign, upload):
    response = participant_client.post(
        SUBMIT, entry_post_data(upload(), caption="you are such an idiot")
    )
    nudge = Nudge.objects.get()
    assert response["Location"] == reverse("challenge:nudge", kwargs={"pk": nudge.pk})
    return nudge


def test_a_hurtful_caption_shows_think_before_you_post(participant_client, nudged):
    assert not Entry.objects.exists()
    assert nudged.video is not None  # the upload is stored, privately
    # "idiot" is on the en, fr and de lists: one hit, not three
    assert [hit["phrase"] for hit in nudged.hits] == ["idiot"]
    page = participant_client.get(
        reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    ).content.decode()
    assert "Think before you post" in page
    assert "idiot" in page
    assert "you are such an idiot" in page


def test_editing_the_caption_submits_it(participant_client, nudged):
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    response = participant_client.post(
        url, {"choice": "edit", "caption": "you are such a good friend"}
    )
    assert response.status_code == HTTPStatus.FOUND
    entry = Entry.objects.get()
    assert entry.caption == "you are such a good friend #CreateKindness"
    assert entry.nudge_outcome == NudgeOutcome.EDITED
    assert entry.watched_hits[0]["phrase"] == "idiot"
    nudged.refresh_from_db()
    assert (nudged.outcome, nudged.entry) == (Nudge.Outcome.EDITED, entry)


def test_an_edit_that_is_still_hurtful_asks_again(participant_client, nudged):
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    response = participant_client.post(url, {"choice": "edit", "caption": "loser"})
    assert response.status_code == HTTPStatus.OK
    assert "still contains words" in response.content.decode()
    assert not Entry.objects.exists()
    nudged.refresh_from_db()
    assert nudged.outcome == Nudge.Outcome.PENDING
    assert nudged.hits[0]["phrase"] == "loser"


def test_posting_anyway_records_the_hits(participant_client, nudged):
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    participant_client.post(url, {"choice": "post_anyway", "caption": ""})
    entry = Entry.objects.get()
    assert entry.nudge_outcome == NudgeOutcome.POSTED_ANYWAY
    assert entry.caption.startswith("you are such an idiot")
    assert entry.state == Entry.State.PROCESSING


def test_cancelling_deletes_the_video(
    participant_client, nudged, django_capture_on_commit_callbacks
):
    video = nudged.video
    storage = video.source.storage
    assert storage.exists(video.source.name)
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = participant_client.post(url, {"choice": "cancel"})
    assert response["Location"] == reverse("challenge:submit")
    assert not Entry.objects.exists()
    assert not storage.exists(video.source.name)
    nudged.refresh_from_db()
    assert (nudged.outcome, nudged.video) == (Nudge.Outcome.CANCELLED, None)
    assert Video.objects.get(pk=video.pk).source.name == ""
    # a second click on an old page does nothing more
    assert participant_client.post(url, {"choice": "post_anyway"}).status_code == (
        HTTPStatus.FOUND
    )
    assert not Entry.objects.exists()


def test_another_participant_cannot_answer_my_nudge(client, nudged):
    other = make_participant()
    client.force_login(other.user)
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    client.post(url, {"choice": "post_anyway"})
    nudged.refresh_from_db()
    assert nudged.outcome == Nudge.Outcome.PENDING


def test_nudge_stats_give_the_reconsideration_rate(db, participant):
    for outcome in ["edited", "cancelled", "posted_anyway", "posted_anyway", "pending"]:
        make_nudge(participant=participant, outcome=outcome, with_video=False)
    stats = nudge_stats()
    assert stats["shown"] == 5
    assert stats["reconsidered"] == 2
    assert stats["answered"] == 4
    assert stats["rate"] == 0.5


def test_abandoned_nudges_are_expired_and_their_video_deleted(
    nudged, participant, tmp_path, settings, django_capture_on_commit_callbacks
):
    """Only pending nudges older than the hold lose their video; answered ones and
    recent ones keep theirs, and every row stays."""
    settings.CHALLENGE_NUDGE_HOLD_HOURS = 24
    hold = dt.timedelta(hours=24)
    recent = make_nudge(
        participant=participant,
        with_files=True,
        tmp_dir=tmp_path,
        age=hold - dt.timedelta(minutes=5),
    )
    answered = make_nudge(
        participant=participant,
        outcome=Nudge.Outcome.POSTED_ANYWAY,
        with_files=True,
        tmp_dir=tmp_path,
        age=hold * 3,
    )
    kept = {
        nudge.pk: [(f.storage, f.name) for f in video_files(nudge.video)]
        for nudge in (recent, answered)
    }
    source = nudged.video.source
    storage, name = source.storage, source.name
    assert nudges_expire_abandoned() == 0  # nothing is old enough yet
    Nudge.objects.filter(pk=nudged.pk).update(created_at=timezone.now() - hold * 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_expire_abandoned() == 1

    outcomes = dict(Nudge.objects.values_list("pk", "outcome"))
    assert outcomes == {
        nudged.pk: Nudge.Outcome.ABANDONED,
        recent.pk: Nudge.Outcome.PENDING,
        answered.pk: Nudge.Outcome.POSTED_ANYWAY,
    }
    nudged.refresh_from_db()
    assert (nudged.video, nudged.decided_at is not None) == (None, True)
    assert not storage.exists(name)
    for pk, files in kept.items():
        assert Nudge.objects.get(pk=pk).video_id is not None
        assert files and all(store.exists(file) for store, file in files), pk
    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_expire_abandoned() == 0


def test_the_nudge_attributes_its_figure_to_tiktok(participant_client, nudged):
    page = participant_client.get(
        reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    ).content.decode()
    figure = page.split("data-attributed-figure>")[1].split("</p>")[0]
    assert "4 in 10" in figure and "TikTok" in figure


def test_the_dashboard_labels_the_nudge_rate_as_this_sites_own(client, moderator):
    for outcome in (NudgeOutcome.EDITED, NudgeOutcome.POSTED_ANYWAY):
        make_nudge(outcome=outcome)
    client.force_login(moderator)
    page = client.get(reverse("admin:challenge_entry_dashboard")).content.decode()
    assert "50%" in page
    assert "(measured on this site)" in page
