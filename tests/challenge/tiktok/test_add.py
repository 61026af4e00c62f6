"""Adding a TikTok post as an entry: the same rules as an upload, and proof it is yours."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from challenge import tiktok
from challenge.errors import CampaignNotLive, DailyLimitReached, GuardianRequired
from challenge.models import Entry, TikTokClaim, TikTokPost
from challenge.services import tiktok as services
from videos.models import Video, private_storage

from ..factories import make_participant

POST = "7300000000000000001"
LINK = f"https://www.tiktok.com/@kindkid/video/{POST}"

pytestmark = pytest.mark.django_db


def _claim(participant, handle="kindkid", code="kh-7QX2Z"):
    claim = services.tiktok_claim_start(participant=participant, handle=handle)
    TikTokClaim.objects.filter(pk=claim.pk).update(code=code)
    return code


def _add(participant, **overrides):
    fields = {
        "participant": participant,
        "link": LINK,
        "prompt": "moment",
        "language": "en",
    }
    fields.update(overrides)
    return services.entry_tiktok_add(**fields)


def _title(code="kh-7QX2Z", tag="#CreateKindness"):
    return f"Kindness at school {tag} {code}"


@pytest.fixture
def adult(campaign):
    return make_participant(age=25)


def test_a_checked_post_waits_for_review_with_its_poster(adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    _claim(adult)
    entry = _add(adult)
    assert entry.state == Entry.State.PENDING_REVIEW
    assert entry.caption == "Kindness at school #CreateKindness"  # the code is not kept
    post = entry.tiktok
    assert (post.post_id, post.handle) == (POST, "kindkid")
    assert post.next_check_at > timezone.now() + dt.timedelta(hours=23)
    video = entry.video
    assert video.plays_elsewhere and video.status == Video.Status.READY
    poster = Image.open(io.BytesIO(private_storage().open(video.poster.name).read()))
    assert poster.format == "WEBP" and not poster.getexif()
    assert [e.to_state for e in entry.events.all()] == [
        Entry.State.UPLOADED,
        Entry.State.PROCESSING,
        Entry.State.PENDING_REVIEW,
    ]
    assert TikTokClaim.objects.get(participant=adult).used_at is not None


def test_a_code_works_once(adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    _claim(adult)
    _add(adult)
    fake.posts["7300000000000000002"] = fake.posts[POST]
    with pytest.raises(services.TikTokNoCode):
        _add(adult, link="https://www.tiktok.com/@kindkid/video/7300000000000000002")


def test_someone_elses_post_is_refused(adult, fake_tiktok):
    """The thief claims their own account, pastes the victim's link."""
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    _claim(adult, handle="thief")
    with pytest.raises(services.TikTokNotYours):
        _add(adult)
    assert not Entry.objects.exists()


def test_another_participants_code_does_not_count(adult, fake_tiktok):
    """The victim's post carries the victim's code; the thief has a code of their own."""
    fake, _cdn = fake_tiktok
    victim = make_participant()
    fake.posts[POST].title = _title(code=_claim(victim, code="kh-VVVVV"))
    _claim(adult, code="kh-TTTTT")  # the thief claims the victim's handle too
    with pytest.raises(services.TikTokCodeMissing):
        _add(adult)


@pytest.mark.parametrize(
    ("title", "error"),
    [
        ("Kindness #CreateKindness", services.TikTokCodeMissing),
        ("Kindness kh-7QX2Z", services.TikTokHashtagMissing),
        ("Kindness #CreateKindnessNot kh-7QX2Z", services.TikTokHashtagMissing),
    ],
)
def test_the_code_and_the_hashtag_are_needed(title, error, adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = title
    _claim(adult)
    with pytest.raises(error):
        _add(adult)
    assert not Entry.objects.exists() and not Video.objects.exists()


def test_without_a_code_nothing_is_asked_of_tiktok(adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    with pytest.raises(services.TikTokNoCode):
        _add(adult)
    assert fake.requests == []


def test_the_same_post_cannot_come_twice(adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    _claim(adult)
    _add(adult)
    other = make_participant()
    fake.posts[POST].title = _title(code=_claim(other, code="kh-AAAAA"))
    with pytest.raises(services.TikTokAlreadyAdded):
        _add(other)


@pytest.mark.parametrize(
    "variant", ["html_title", "private", "not_found", "photo", "slow", "no_thumbnail"]
)
def test_a_hostile_or_failed_answer_stores_nothing(variant, adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    fake.posts[POST].variant = variant
    _claim(adult)
    with pytest.raises(tiktok.TikTokError):
        _add(adult)
    assert not Entry.objects.exists() and not Video.objects.exists()
    assert TikTokClaim.objects.get(participant=adult).used_at is None


def test_a_refused_thumbnail_leaves_no_file(adult, fake_tiktok, settings):
    fake, cdn = fake_tiktok
    fake.posts[POST].title = _title()
    cdn.files["/thumbs/ok.jpg"] = ("text/html", b"<html>", 0)
    _claim(adult)
    with pytest.raises(tiktok.TikTokThumbnailError):
        _add(adult)
    assert not Video.objects.exists()


def test_a_childs_post_waits_for_the_guardian(campaign, fake_tiktok, mailoutbox):
    fake, _cdn = fake_tiktok
    child = make_participant(age=13, country="FR")
    fake.posts[POST].title = _title()
    _claim(child)
    with pytest.raises(GuardianRequired):
        _add(child)
    entry = _add(child, guardian_email="parent@example.org")
    assert entry.state == Entry.State.DRAFT
    assert entry.is_minor and entry.needs_guardian


def test_a_teenager_past_the_consent_age_is_marked_a_minor(campaign, fake_tiktok):
    fake, _cdn = fake_tiktok
    teen = make_participant(age=16, country="FR")
    fake.posts[POST].title = _title()
    _claim(teen)
    entry = _add(teen)
    assert entry.is_minor and not entry.needs_guardian
    assert entry.state == Entry.State.PENDING_REVIEW


def test_the_daily_limit_counts_tiktok_entries(adult, fake_tiktok, settings):
    fake, _cdn = fake_tiktok
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 1
    fake.posts[POST].title = _title()
    _claim(adult)
    _add(adult)
    _claim(adult, code="kh-BBBBB")
    with pytest.raises(DailyLimitReached):
        _add(adult)


def test_nothing_is_added_while_the_campaign_is_closed(db, fake_tiktok):
    fake, _cdn = fake_tiktok
    participant = make_participant()
    _claim(participant)
    with pytest.raises(CampaignNotLive):
        _add(participant)
    assert fake.requests == []


def test_watched_words_in_the_description_reach_the_desk(adult, fake_tiktok):
    from challenge.models import WatchedWord

    WatchedWord.objects.create(phrase="loser")
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title() + " you loser"
    _claim(adult)
    entry = _add(adult)
    assert [hit["phrase"] for hit in entry.watched_hits] == ["loser"]


def test_asking_again_replaces_the_code(adult):
    first = services.tiktok_claim_start(participant=adult, handle="@kindkid")
    second = services.tiktok_claim_start(participant=adult, handle="kindkid")
    assert services.tiktok_claim_open(participant=adult) == second
    assert not TikTokClaim.objects.filter(pk=first.pk).exists()
    assert second.code.startswith("kh-") and len(second.code) == 8


def test_a_code_expires_after_a_day(adult):
    claim = services.tiktok_claim_start(participant=adult, handle="kindkid")
    TikTokClaim.objects.filter(pk=claim.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    assert services.tiktok_claim_open(participant=adult) is None


@pytest.mark.parametrize("handle", ["", "a b", "<script>", "x" * 25])
def test_a_bad_handle_gets_no_code(adult, handle):
    with pytest.raises(tiktok.TikTokLinkInvalid):
        services.tiktok_claim_start(participant=adult, handle=handle)


def test_withdrawing_erases_the_poster(
    adult, fake_tiktok, django_capture_on_commit_callbacks
):
    from challenge.services.submission import entry_withdraw

    fake, _cdn = fake_tiktok
    fake.posts[POST].title = _title()
    _claim(adult)
    entry = _add(adult)
    name = entry.video.poster.name
    with django_capture_on_commit_callbacks(execute=True):
        entry_withdraw(entry=entry, actor=adult.user)
    assert not private_storage().exists(name)
    assert Video.objects.get(pk=entry.video_id).status == Video.Status.DELETED
    assert TikTokPost.objects.filter(entry=entry).exists()  # the history keeps the id


def test_a_long_description_still_fits_the_caption(adult, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].title = "kh-7QX2Z " + "kind " * 700 + "#CreateKindness"
    _claim(adult)
    entry = _add(adult)
    assert len(entry.caption) <= Entry._meta.get_field("caption").max_length
    assert entry.caption.endswith("#CreateKindness")
