"""The HLS ladder: its shape, its playlists, its segments, the poster, the command."""

import io
import math
from http import HTTPStatus
from pathlib import Path

import av
import pytest
from django.core.management import call_command
from PIL import Image, ImageStat

from videos import pipeline
from videos.clips import make_clip, top_band_is_red
from videos.models import Video
from videos.pipeline import ladder
from videos.services import video_process

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("width", "height", "rotation", "expected"),
    [
        # landscape 1080p source: three rungs, 16:9 kept, top = the MP4's size
        (1920, 1080, 0, [("240p", 426, 240), ("480p", 852, 480), ("720p", 1280, 720)]),
        # a phone's portrait clip, stored sideways: portrait rungs
        (1920, 1080, 90, [("240p", 240, 426), ("480p", 480, 852), ("720p", 720, 1280)]),
        # coded portrait
        (720, 1280, 0, [("240p", 240, 426), ("480p", 480, 852), ("720p", 720, 1280)]),
        # 360p source: never upscaled, 480p skipped
        (640, 360, 0, [("240p", 426, 240), ("360p", 640, 360)]),
        # just above a rung: no near-duplicate rung
        (480, 270, 0, [("270p", 480, 270)]),
        # odd sizes: even, within the source, one rung
        (333, 187, 0, [("186p", 332, 186)]),
        (187, 333, 270, [("186p", 332, 186)]),
        # square
        (1080, 1080, 0, [("240p", 240, 240), ("480p", 480, 480), ("720p", 720, 720)]),
    ],
)
def test_ladder_shape(width, height, rotation, expected):
    rungs = ladder(width, height, rotation, 720, (240, 480))
    assert [(r.name, r.width, r.height) for r in rungs] == expected
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in rungs)
    caps = [r.video_kbps for r in rungs]
    assert caps == sorted(caps)


def _hls_folder(video: Video) -> Path:
    return Path(video.stream.path).parent


def _rung_bytes(folder: Path, rung: str) -> list[tuple[str, bytes]]:
    playlist = pipeline.read_media_playlist(folder / rung / "index.m3u8")
    names = [playlist["init"], *(uri for _s, uri in playlist["segments"])]
    return [(name, (folder / rung / name).read_bytes()) for name in names]


@pytest.mark.parametrize(
    ("kind", "rungs"),
    [
        ("landscape", [("240p", 426, 240), ("480p", 852, 480), ("720p", 1280, 720)]),
        ("portrait", [("240p", 240, 426), ("360p", 360, 640)]),
        ("odd", [("186p", 332, 186)]),
    ],
)
def test_processing_writes_a_valid_ladder_beside_the_mp4(upload, tmp_path, kind, rungs):
    clip = {
        "landscape": lambda: make_clip(
            tmp_path / "l.mp4", seconds=3, width=1280, height=720, fps=10
        ),
        "portrait": lambda: make_clip(
            tmp_path / "p.mp4", seconds=3, width=640, height=360, rotation=90, fps=10
        ),
        "odd": lambda: make_clip(
            tmp_path / "o.webm", seconds=3, width=333, height=187, fps=10
        ),
    }[kind]()
    video = video_process(video_id=upload(clip).pk)
    assert video.status == Video.Status.READY, video.failure_detail
    folder = _hls_folder(video)
    assert video.stream.name == f"videos/{video.pk}/hls/master.m3u8"

    variants = pipeline.read_master_playlist(folder / "master.m3u8")
    assert [uri for _a, uri in variants] == [f"{n}/index.m3u8" for n, _w, _h in rungs]
    assert [v["name"] for v in video.ladder] == [n for n, _w, _h in rungs]
    top = rungs[-1]
    assert (video.width, video.height) == (top[1], top[2])  # the MP4 is the top rung
    segment_lists = []
    for (attributes, _uri), (name, width, height) in zip(variants, rungs, strict=True):
        assert attributes["RESOLUTION"] == f"{width}x{height}"
        assert int(attributes["AVERAGE-BANDWIDTH"]) <= int(attributes["BANDWIDTH"])
        video_codec, audio_codec = attributes["CODECS"].split(",")
        assert video_codec.startswith("avc1.64") and audio_codec == "mp4a.40.2"
        playlist = pipeline.read_media_playlist(folder / name / "index.m3u8")
        durations = [seconds for seconds, _uri in playlist["segments"]]
        assert sum(durations) == pytest.approx(3.0, abs=0.25)
        assert max(durations) <= playlist["target"] == math.ceil(max(durations))
        assert durations[0] == pytest.approx(2.0, abs=0.11)  # VIDEO_HLS_SEGMENT_SECONDS
        segment_lists.append(durations)
        # Every segment starts on a keyframe: a player may switch at any boundary.
        init = (folder / name / "init.mp4").read_bytes()
        for _seconds, uri in playlist["segments"]:
            joined = io.BytesIO(init + (folder / name / uri).read_bytes())
            with av.open(joined, format="mp4") as container:
                packet = next(container.demux(video=0))
                assert packet.is_keyframe, f"{name}/{uri}"
    # Segments line up across rungs.
    assert all(durations == segment_lists[0] for durations in segment_lists)


def test_portrait_rungs_are_upright(upload, clips, tmp_path):
    video = video_process(video_id=upload(clips["portrait"]).pk)
    folder = _hls_folder(video)
    for rung in video.ladder:
        joined = tmp_path / f"{rung['name']}.mp4"
        joined.write_bytes(
            b"".join(data for _n, data in _rung_bytes(folder, rung["name"]))
        )
        with av.open(str(joined)) as container:
            frame = next(container.decode(video=0))
        assert frame.height > frame.width
        assert frame.rotation % 360 == 0
        assert top_band_is_red(frame.to_image())


def test_segments_and_playlists_carry_no_metadata(upload, clips, tmp_path):
    video = video_process(video_id=upload(clips["tagged"]).pk)
    assert video.status == Video.Status.READY, video.failure_detail
    folder = _hls_folder(video)
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert len(files) >= 4
    for path in files:
        data = path.read_bytes()
        for secret in (
            b"45.4642",
            b"Giulia",
            b"secret comment",
            b"2024-05-01",
            b"Lavf",
        ):
            assert secret not in data, f"{secret!r} in {path.name}"
    for rung in video.ladder:
        joined = tmp_path / f"{rung['name']}.mp4"
        joined.write_bytes(
            b"".join(data for _n, data in _rung_bytes(folder, rung["name"]))
        )
        with av.open(str(joined)) as container:
            assert set(container.metadata) <= pipeline.TECHNICAL_CONTAINER_KEYS
            for stream in container.streams:
                assert set(stream.metadata) <= pipeline.TECHNICAL_STREAM_KEYS
            assert sorted(s.type for s in container.streams) == ["audio", "video"]


def test_poster_is_a_representative_frame_not_the_black_opening(upload, tmp_path):
    clip = make_clip(
        tmp_path / "fade.mp4", seconds=3, width=320, height=180, fps=10, black_start=1.2
    )
    video = video_process(video_id=upload(clip).pk)
    with Image.open(video.poster.path) as poster:
        assert poster.format == "WEBP"
        assert poster.size == (video.width, video.height)
        luma = ImageStat.Stat(poster.convert("L")).mean[0]
    assert luma > 40


def test_the_page_gives_the_poster_its_size(upload, clips):
    from django.template.loader import render_to_string

    video = video_process(video_id=upload(clips["landscape"]).pk)

    class Episode:
        slug = "x"
        title = "Kind"
        video_url = video.video_url
        poster_url = video.poster_url
        stream_url = ""

    Episode.video = video
    Episode.video_url = ""  # still being prepared: only the poster shows
    html = render_to_string(
        "components/player.html", {"episode": Episode, "tracks": [], "reveal_id": ""}
    )
    assert f'width="{video.width}" height="{video.height}"' in html


def test_a_rung_playlist_and_segments_are_served_with_their_types(
    client, upload, clips, django_user_model
):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    client.force_login(
        django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    )
    master = client.get(video.stream_url)
    assert master.status_code == HTTPStatus.OK
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master["Cache-Control"] == "private, no-store"
    rung = video.ladder[0]["name"]
    base = video.stream_url.rsplit("/", 1)[0]
    playlist = client.get(f"{base}/{rung}/index.m3u8")
    assert b'#EXT-X-MAP:URI="init.mp4"' in playlist.content
    init = client.get(f"{base}/{rung}/init.mp4")
    assert init["Content-Type"] == "video/mp4"
    segment = client.get(f"{base}/{rung}/s00000.m4s", HTTP_RANGE="bytes=0-7")
    assert segment.status_code == HTTPStatus.PARTIAL_CONTENT
    assert segment["Content-Type"] == "video/iso.segment"
    assert b"".join(segment.streaming_content)[4:8] in (b"styp", b"moof")


@pytest.mark.parametrize(
    "path",
    [
        "240p/../../video.mp4",
        "240p/source",
        "..%2Fsource/index.m3u8",
        "240p/s1.m4s",
        "999p/index.m3u8",  # not a rung of this video
        "240p/index.m3u8.bak",
        "240p%0A/index.m3u8",
        "240p/index.m3u8%0A",
        "master.m3u8/x",
    ],
)
def test_only_the_ladders_own_files_can_be_asked_for(
    client, upload, clips, django_user_model, path
):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    client.force_login(
        django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    )
    base = video.stream_url.rsplit("/", 1)[0]
    assert client.get(f"{base}/{path}").status_code == HTTPStatus.NOT_FOUND


def test_ladder_command_converts_old_videos_once(
    upload, clips, django_capture_on_commit_callbacks
):
    from videos.models import private_storage
    from videos.services import STREAM_FOLDER, _delete_folder

    video = video_process(video_id=upload(clips["landscape"]).pk)
    # As a video made before streaming: an MP4 and a poster, no ladder.
    _delete_folder(private_storage(), STREAM_FOLDER.format(id=video.pk))
    Video.objects.filter(pk=video.pk).update(stream="", ladder=[])
    out = io.StringIO()
    call_command("video_ladder", stdout=out)
    assert "ladders made: 1, skipped: 0, failed: 0" in out.getvalue()
    video.refresh_from_db()
    assert video.stream and [r["name"] for r in video.ladder] == ["240p"]
    assert Path(video.stream.path).is_file()
    assert Path(video.output.path).is_file()  # the MP4 stays as it was

    again = io.StringIO()
    call_command("video_ladder", stdout=again)
    assert "ladders made: 0, skipped: 0, failed: 0" in again.getvalue()


def test_warm_urls_are_the_master_and_the_lowest_rungs_playlist_and_init(
    client, upload, clips, django_user_model
):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    lowest = min(video.ladder, key=lambda rung: rung["bandwidth"])["name"]
    base = video.stream_url.rsplit("/", 1)[0]
    assert video.stream_warm_urls == [
        video.stream_url,
        f"{base}/{lowest}/index.m3u8",
        f"{base}/{lowest}/init.mp4",
    ]
    client.force_login(
        django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    )
    for url in video.stream_warm_urls:  # the checked view answers every one
        assert client.get(url).status_code == HTTPStatus.OK

    video.stream = ""
    assert video.stream_warm_urls == []


def _limits():
    return pipeline.Limits(
        max_bytes=10**9,
        max_duration=60,
        max_dimension=4096,
        max_pixels=4096 * 2160,
        output_max_height=720,
        preset="ultrafast",
        crf=30,
    )


@pytest.mark.parametrize("rotation", [0, 90])
def test_a_top_rung_made_later_joins_the_review_copy_as_one_ladder(tmp_path, rotation):
    """The review copy (rungs below the top, poster, MP4 of its highest rung) and the
    top rung made in a second run from the same source form one ladder a player can
    switch across: same segment boundaries, a master naming all three."""
    source = make_clip(
        tmp_path / "s.mp4", seconds=5, width=1280, height=720, fps=10, rotation=rotation
    )
    info = pipeline.probe(source, _limits())
    review_dir, top_dir = tmp_path / "review", tmp_path / "top"
    review = pipeline.transcode(
        source,
        tmp_path / "review.mp4",
        tmp_path / "poster.webp",
        info,
        _limits(),
        hls_dir=review_dir / "hls",
        stage=pipeline.STAGE_REVIEW,
    )
    assert not review.whole
    assert [rung["name"] for rung in review.ladder] == ["240p", "480p"]
    assert sorted(p.name for p in (review_dir / "hls").iterdir()) == [
        "240p",
        "480p",
        "master.m3u8",
    ]
    assert review.poster_written and (tmp_path / "poster.webp").exists()
    assert sorted((review.width, review.height)) == [480, 852]

    top = pipeline.transcode(
        source,
        tmp_path / "video.mp4",
        tmp_path / "unused.webp",
        info,
        _limits(),
        hls_dir=top_dir / "hls",
        stage=pipeline.STAGE_TOP,
        made=review.ladder,
    )
    assert not (tmp_path / "unused.webp").exists(), "the review copy's poster stays"
    assert sorted(p.name for p in (top_dir / "hls").iterdir()) == [
        "720p",
        "master.m3u8",
    ]
    assert [rung["name"] for rung in top.ladder] == ["240p", "480p", "720p"]
    assert top.ladder[:2] == review.ladder
    assert sorted((top.width, top.height)) == [720, 1280]

    # The stored layout after the second stage: every rung beside the new master.
    whole = tmp_path / "whole"
    for folder in (review_dir / "hls" / "240p", review_dir / "hls" / "480p"):
        (whole / folder.name).mkdir(parents=True)
        for path in folder.iterdir():
            (whole / folder.name / path.name).write_bytes(path.read_bytes())
    (whole / "720p").mkdir()
    for path in (top_dir / "hls" / "720p").iterdir():
        (whole / "720p" / path.name).write_bytes(path.read_bytes())
    (whole / "master.m3u8").write_bytes((top_dir / "hls" / "master.m3u8").read_bytes())
    assert len(pipeline.verify_ladder(whole)) == 3
    durations = [
        [
            seconds
            for seconds, _uri in pipeline.read_media_playlist(
                whole / rung / "index.m3u8"
            )["segments"]
        ]
        for rung in ("240p", "480p", "720p")
    ]
    assert durations[0] == durations[1] == durations[2]
