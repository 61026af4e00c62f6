"""A TikTok entry made through the real service against the fake TikTok."""

from challenge.models import TikTokClaim
from challenge.services import tiktok as services
from challenge.services.moderation.decisions import entry_approve

from ..factories import make_participant, make_user

POST = "7300000000000000001"
LINK = f"https://www.tiktok.com/@kindkid/video/{POST}"


def tiktok_entry(
    fake, *, participant=None, approve=True, post_id=POST, handle="kindkid"
):
    from tests.tiktok_server import FakePost

    participant = participant or make_participant()
    claim = services.tiktok_claim_start(participant=participant, handle=handle)
    fake.posts[post_id] = FakePost(
        handle=handle, title=f"Kind words #CreateKindness {claim.code}"
    )
    entry = services.entry_tiktok_add(
        participant=participant,
        link=f"https://www.tiktok.com/@{handle}/video/{post_id}",
        prompt="words",
        language="en",
    )
    assert TikTokClaim.objects.get(pk=claim.pk).used_at is not None
    if approve:
        entry = entry_approve(entry_id=entry.pk, actor=make_user(moderator=True))
    return entry
