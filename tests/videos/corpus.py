"""Bad input for the pipeline, generated on the spot: (name, kind, writer).

Each writer takes a folder and an `http_url` (a local listener the test watches, so
any network attempt by FFmpeg itself would show up) and returns the file it wrote.
"""

import io
import random
import zipfile
from fractions import Fraction

import av
from PIL import Image

from videos.testing import make_clip


def _write(folder, name, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path


def zero_bytes(folder, http_url):
    return _write(folder, "empty.mp4", b"")


def random_bytes(folder, http_url):
    return _write(folder, "random.mp4", random.Random(7).randbytes(64 * 1024))


def truncated_mp4(folder, http_url):
    clip = make_clip(folder / "whole.mp4", seconds=1)
    data = clip.read_bytes()
    return _write(folder, "truncated.mp4", data[: len(data) // 3])


def _image_bytes(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, fmt)
    return buffer.getvalue()


def png_renamed(folder, http_url):
    return _write(folder, "picture.mp4", _image_bytes("PNG"))


def jpeg_renamed(folder, http_url):
    return _write(folder, "photo.mp4", _image_bytes("JPEG"))


def png_html_polyglot(folder, http_url):
    html = b"<html><script>alert(document.cookie)</script></html>"
    return _write(folder, "polyglot.mp4", _image_bytes("PNG") + html)


def hls_local_file(folder, http_url):
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n"
        "#EXT-X-ENDLIST\n"
    )
    return _write(folder, "playlist.mp4", playlist.encode())


def hls_http(folder, http_url):
    playlist = (
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{http_url}/seg.ts\n"
        "#EXT-X-ENDLIST\n"
    )
    return _write(folder, "remote.m3u8.mp4", playlist.encode())


def concat_local_file(folder, http_url):
    return _write(folder, "concat.mp4", b"ffconcat version 1.0\nfile '/etc/passwd'\n")


def concat_http(folder, http_url):
    return _write(
        folder,
        "concat_http.mp4",
        f"ffconcat version 1.0\nfile '{http_url}/a.mp4'\n".encode(),
    )


def avi_carrying_hls(folder, http_url):
    playlist = (
        f"#EXTM3U\n#EXTINF:10,\n{http_url}/seg.ts\n#EXTINF:10,\nfile:///etc/passwd\n"
    )
    body = b"AVI " + playlist.encode()
    return _write(folder, "trap.avi", b"RIFF" + len(body).to_bytes(4, "little") + body)


def mp4_box_carrying_hls(folder, http_url):
    playlist = f"#EXTM3U\n#EXTINF:10,\n{http_url}/seg.ts\n"
    return _write(
        folder,
        "trap.mp4",
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + playlist.encode(),
    )


def matroska_header_then_garbage(folder, http_url):
    return _write(
        folder,
        "trap.mkv",
        b"\x1a\x45\xdf\xa3" + random.Random(3).randbytes(4096),
    )


def audio_only(folder, http_url):
    path = folder / "voice.mp4"
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=48000, layout="stereo")
        for index in range(40):
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = 48000
            frame.pts = index * 1024
            frame.time_base = Fraction(1, 48000)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


def too_long(folder, http_url):
    # With VIDEO_MAX_DURATION_SECONDS lowered to 1 by the test.
    return make_clip(folder / "long.mp4", seconds=3, audio=False)


def too_narrow(folder, http_url):
    return make_clip(
        folder / "narrow.mp4", width=16, height=400, seconds=0.5, audio=False
    )


def too_small(folder, http_url):
    return make_clip(folder / "tiny.mp4", width=8, height=8, seconds=0.5, audio=False)


def too_large(folder, http_url):
    # With VIDEO_MAX_DIMENSION lowered to 200 by the test.
    return make_clip(
        folder / "large.mp4", width=320, height=240, seconds=0.5, audio=False
    )


def zip_file(folder, http_url):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("video.mp4", b"not really")
    return _write(folder, "archive.mp4", buffer.getvalue())


def pdf_file(folder, http_url):
    return _write(
        folder,
        "document.mp4",
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )


def svg_file(folder, http_url):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{http_url}/x.png"/><script>alert(1)</script></svg>'
    )
    return _write(folder, "drawing.mp4", svg.encode())


def many_streams(folder, http_url):
    path = folder / "many.mkv"
    with av.open(str(path), "w", format="matroska") as output:
        video = output.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audios = [
            output.add_stream("aac", rate=48000, layout="mono") for _ in range(20)
        ]
        frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48)))
        for index in range(5):
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        for stream in audios:
            silence = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            silence.planes[0].update(bytes(silence.planes[0].buffer_size))
            silence.sample_rate = 48000
            silence.pts = 0
            silence.time_base = Fraction(1, 48000)
            output.mux(stream.encode(silence))
            output.mux(stream.encode(None))
    return path


# (writer, expected failure_code, settings overrides)
BAD_FILES = [
    (zero_bytes, "empty", {}),
    (random_bytes, "not_video", {}),
    (truncated_mp4, "not_video", {}),
    (png_renamed, "not_video", {}),
    (jpeg_renamed, "not_video", {}),
    (png_html_polyglot, "not_video", {}),
    (hls_local_file, "not_video", {}),
    (hls_http, "not_video", {}),
    (concat_local_file, "not_video", {}),
    (concat_http, "not_video", {}),
    (avi_carrying_hls, "no_video", {}),
    (mp4_box_carrying_hls, "not_video", {}),
    (matroska_header_then_garbage, "not_video", {}),
    (audio_only, "audio_only", {}),
    (too_long, "too_long", {"VIDEO_MAX_DURATION_SECONDS": 1}),
    (too_narrow, "bad_shape", {}),
    (too_small, "too_small", {}),
    (too_large, "too_large", {"VIDEO_MAX_DIMENSION": 200}),
    (zip_file, "not_video", {}),
    (pdf_file, "not_video", {}),
    (svg_file, "not_video", {}),
    (many_streams, "too_many_streams", {}),
]
