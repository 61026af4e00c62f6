"""challenge.tiktok against the local fake TikTok: links, oEmbed, thumbnails."""

import io
import time

import pytest
from PIL import Image

from challenge import tiktok
from tests.tiktok_server import FakePost, jpeg_bytes, png_bomb_bytes

POST = "7300000000000000001"
LINK = f"https://www.tiktok.com/@kindkid/video/{POST}"


@pytest.mark.parametrize(
    ("link", "post_id", "handle"),
    [
        (LINK, POST, "kindkid"),
        (f"{LINK}?is_from_webapp=1&sender_device=pc", POST, "kindkid"),
        (f"www.tiktok.com/@kind.kid_2/video/{POST}/", POST, "kind.kid_2"),
        (f"  https://tiktok.com/@kindkid/video/{POST}  ", POST, "kindkid"),
        (f"http://www.tiktok.com/@kindkid/video/{POST}", POST, "kindkid"),
    ],
)
def test_video_links_are_read_without_a_request(link, post_id, handle, fake_tiktok):
    post = tiktok.post_link_resolve(link)
    assert (post.post_id, post.handle) == (post_id, handle)
    assert post.url == f"https://www.tiktok.com/@{handle}/video/{post_id}"
    assert fake_tiktok[0].requests == []


@pytest.mark.parametrize(
    "link",
    [
        "",
        "hello",
        f"https://www.tiktok.com.evil.example/@kindkid/video/{POST}",
        f"https://evil.example/@kindkid/video/{POST}",
        f"https://www.tiktok.com/@kind<b>/video/{POST}",
        "https://www.tiktok.com/@kindkid/video/12",
        f"https://www.tiktok.com/@kindkid/video/{POST}x",
        f"https://user:pw@www.tiktok.com/@kindkid/video/{POST}",
        f"javascript://www.tiktok.com/@kindkid/video/{POST}",
        "https://www.tiktok.com/@kindkid",
        "https://www.tiktok.com/t/",
        "https://www.tiktok.com/" + "a" * 600,
    ],
)
def test_anything_else_is_not_a_tiktok_link(link, fake_tiktok):
    with pytest.raises(tiktok.TikTokLinkInvalid):
        tiktok.post_link_resolve(link)


def test_a_photo_post_link_is_refused_by_name():
    with pytest.raises(tiktok.TikTokPhotoPost) as caught:
        tiktok.post_link_parse(f"https://www.tiktok.com/@kindkid/photo/{POST}")
    assert "photo" in str(caught.value.message)


def test_a_short_link_is_followed_within_tiktok(fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.short_links["ZMabc12"] = f"{LINK}?_r=1&_t=ZN"
    post = tiktok.post_link_resolve(f"{fake.base}/t/ZMabc12/")
    assert (post.post_id, post.handle) == (POST, "kindkid")
    # The video page the short link points at is never fetched.
    assert [r["path"] for r in fake.requests] == ["/t/ZMabc12/"]


def test_a_short_link_through_another_short_link(fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.short_links["ZMone11"] = f"{fake.base}/t/ZMtwo22"
    fake.short_links["ZMtwo22"] = LINK
    assert tiktok.post_link_resolve(f"{fake.base}/t/ZMone11").post_id == POST


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        f"https://evil.example/@kindkid/video/{POST}",
        "https://www.tiktok.com/foryou",
    ],
)
def test_a_short_link_leading_outside_tiktok_is_refused_unfetched(
    location, fake_tiktok
):
    fake, _cdn = fake_tiktok
    fake.short_links["ZMbad99"] = location
    with pytest.raises(tiktok.TikTokLinkInvalid):
        tiktok.post_link_resolve(f"{fake.base}/t/ZMbad99")
    assert [r["path"] for r in fake.requests] == ["/t/ZMbad99"]


def test_a_short_link_to_a_photo_post(fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.short_links["ZMpho77"] = f"https://www.tiktok.com/@kindkid/photo/{POST}"
    with pytest.raises(tiktok.TikTokPhotoPost):
        tiktok.post_link_resolve(f"{fake.base}/t/ZMpho77")


def test_an_unknown_short_link_is_not_found(fake_tiktok):
    fake, _cdn = fake_tiktok
    with pytest.raises(tiktok.TikTokPostNotFound):
        tiktok.post_link_resolve(f"{fake.base}/t/ZMnone0")


def test_a_public_video_reads_as_a_checked_post(fake_tiktok):
    fake, cdn = fake_tiktok
    post = tiktok.post_fetch(LINK)
    assert post == tiktok.TikTokPost(
        post_id=POST,
        url=LINK,
        handle="kindkid",
        author_name="Kind Kid",
        title="Being kind is cool #CreateKindness kh-7QX2",
        thumbnail_url=f"http://localhost:{cdn.port}/thumbs/ok.jpg",
    )
    assert post.player_url == f"https://www.tiktok.com/player/v1/{POST}"
    (request,) = fake.requests
    assert request["path"] == (
        "/oembed?url=https%3A%2F%2Fwww.tiktok.com%2F%40kindkid%2Fvideo%2F" + POST
    )


def test_the_author_comes_from_tiktok_not_from_the_link(fake_tiktok):
    """A link may carry any handle before the id: TikTok's author_url is the truth."""
    post = tiktok.post_fetch(f"https://www.tiktok.com/@someone_else/video/{POST}")
    assert post.handle == "kindkid"
    assert post.url == LINK


@pytest.mark.parametrize(
    ("variant", "error"),
    [
        ("not_found", tiktok.TikTokPostNotFound),
        ("private", tiktok.TikTokPostPrivate),
        ("photo", tiktok.TikTokPhotoPost),
        ("html_title", tiktok.TikTokBadAnswer),
        ("html_author", tiktok.TikTokBadAnswer),
        ("other_id", tiktok.TikTokBadAnswer),
        ("not_json", tiktok.TikTokBadAnswer),
        ("huge_json", tiktok.TikTokBadAnswer),
        ("gzip", tiktok.TikTokBadAnswer),
        ("no_thumbnail", tiktok.TikTokThumbnailError),
        ("outside_thumbnail", tiktok.TikTokThumbnailError),
        ("server_error", tiktok.TikTokUnavailable),
        ("slow", tiktok.TikTokUnavailable),
        ("dribble", tiktok.TikTokUnavailable),
        ("redirect_loopback", tiktok.TikTokBadAnswer),
        ("redirect_metadata", tiktok.TikTokBadAnswer),
    ],
)
def test_each_hostile_or_failed_answer_has_its_own_error(variant, error, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.posts[POST].variant = variant
    started = time.monotonic()
    with pytest.raises(error) as caught:
        tiktok.post_fetch(LINK)
    assert time.monotonic() - started < 3  # TIKTOK_TOTAL_TIMEOUT is 1.5 s here
    assert str(caught.value.message)  # a sentence for the participant
    assert all("oembed" in r["path"] for r in fake.requests)


def test_an_unreachable_tiktok_says_try_later(settings, fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.stop()
    with pytest.raises(tiktok.TikTokUnavailable) as caught:
        tiktok.post_fetch(LINK)
    assert "try again" in str(caught.value.message)


def test_without_the_test_setting_the_local_server_is_never_reached(
    settings, fake_tiktok
):
    fake, _cdn = fake_tiktok
    settings.TIKTOK_LOCAL_TEST_SERVERS = []
    with pytest.raises(tiktok.TikTokBadAnswer):
        tiktok.post_fetch(LINK)
    assert fake.requests == []


@pytest.mark.parametrize(
    "text",
    ["<b>hi</b>", "a </p> b", "x<!-- y", "<?php", "＜script＞alert(1)", "< img src=x>"],
)
def test_markup_in_text_is_refused(text):
    with pytest.raises(tiktok.TikTokBadAnswer):
        tiktok._plain(text, "title", 100)


def test_plain_text_with_a_heart_passes():
    assert (
        tiktok._plain("I <3 you & you > me\u202e", "title", 100)
        == "I <3 you & you > me"
    )


def test_the_thumbnail_is_re_encoded_without_metadata(fake_tiktok):
    post = tiktok.post_fetch(LINK)
    thumbnail = tiktok.thumbnail_fetch(post.thumbnail_url)
    data = thumbnail.data
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert image.size == (thumbnail.width, thumbnail.height) == (360, 640)
    assert not image.getexif()
    assert not {"icc_profile", "exif", "xmp"} & set(image.info)
    assert b"SpyCam" not in data


def test_a_large_thumbnail_is_scaled_down(fake_tiktok):
    _fake, cdn = fake_tiktok
    cdn.files["/thumbs/ok.jpg"] = (
        "image/jpeg",
        jpeg_bytes((1080, 1920), exif=False),
        0,
    )
    thumbnail = tiktok.thumbnail_fetch(f"http://localhost:{cdn.port}/thumbs/ok.jpg")
    assert Image.open(io.BytesIO(thumbnail.data)).size == (720, 1280)


@pytest.mark.parametrize(
    ("content_type", "body", "delay"),
    [
        ("image/jpeg", b"\xff\xd8\xff" + b"x" * (4 * 1024 * 1024), 0),  # over the cap
        ("image/png", png_bomb_bytes(), 0),  # declares 60000×60000
        ("text/html", b"<html></html>", 0),
        ("image/jpeg", b"not an image", 0),
        ("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 0),
        ("image/jpeg", jpeg_bytes(), 3),  # too slow
    ],
)
def test_bad_thumbnails_are_refused(content_type, body, delay, fake_tiktok):
    _fake, cdn = fake_tiktok
    cdn.files["/thumbs/ok.jpg"] = (content_type, body, delay)
    with pytest.raises(tiktok.TikTokThumbnailError):
        tiktok.thumbnail_fetch(f"http://localhost:{cdn.port}/thumbs/ok.jpg")


def test_a_thumbnail_from_the_endpoint_host_is_refused(fake_tiktok):
    fake, _cdn = fake_tiktok
    fake.files["/thumbs/ok.jpg"] = ("image/jpeg", jpeg_bytes(), 0)
    with pytest.raises(tiktok.TikTokThumbnailError):
        tiktok.thumbnail_fetch(f"{fake.base}/thumbs/ok.jpg")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Be kind #CreateKindness", True),
        ("#createkindness!", True),
        ("#ＣｒｅａｔｅＫｉｎｄｎｅｓｓ", True),
        ("#CreateKindnessFake", False),
        ("CreateKindness", False),
        ("", False),
    ],
)
def test_the_hashtag_is_a_whole_tag(title, expected):
    assert tiktok.title_has_hashtag(title) is expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("hello kh-7QX2 #CreateKindness", True),
        ("hello KH-7qx2", True),
        ("hello kh-7QX23", False),
        ("hello xkh-7QX2", False),
        ("hello", False),
    ],
)
def test_the_code_is_a_whole_word(title, expected):
    assert tiktok.title_has_code(title, "kh-7QX2") is expected


def test_an_empty_code_never_matches():
    assert tiktok.title_has_code("anything", "") is False


@pytest.mark.parametrize("post_id", ["", "12", "7300000000000000001/../x", "abc"])
def test_the_player_url_takes_only_an_id(post_id):
    with pytest.raises(ValueError):
        tiktok.player_url(post_id)


def test_a_fake_post_with_defaults_is_public():
    assert FakePost().variant == "ok"


def test_a_thumbnail_declaring_too_many_pixels_is_refused_before_decoding(fake_tiktok):
    """5000×5000 is under Pillow's own bomb limit: our side limit catches it."""
    _fake, cdn = fake_tiktok
    cdn.files["/thumbs/ok.jpg"] = ("image/png", png_bomb_bytes(5000), 0)
    with pytest.raises(tiktok.TikTokThumbnailError) as caught:
        tiktok.thumbnail_fetch(f"http://localhost:{cdn.port}/thumbs/ok.jpg")
    assert "5000x5000" in caught.value.detail
