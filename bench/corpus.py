"""Bad input for the pipeline, generated on the spot: (name, kind, writer).

Each writer takes a folder and an `http_url` (a local listener the test watches, so
any network attempt by FFmpeg itself would show up) and returns the file it wrote.
"""

import io
import random
import struct
import zipfile
import zlib
from fractions import Fraction

import av
from PIL import Image

from videos.clips import make_clip


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


def mediarecorder_too_long(folder, http_url):
    # No Duration element and no Cues, as a browser writes it; the limit lowered to
    # 1 s by the test: the length is measured from the packets.
    return make_clip(folder / "recorded.webm", seconds=3, audio=False, live=True)


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


class _Bits:
    """Deflate's bit order: values LSB first, Huffman codes MSB first."""

    def __init__(self):
        self.value = self.count = 0

    def put(self, value, count):
        self.value |= value << self.count
        self.count += count

    def code(self, code, count):
        self.put(int(format(code, f"0{count}b")[::-1], 2), count)

    def bytes(self):
        return self.value.to_bytes((self.count + 7) // 8, "little")


def _zeros_zlib(size: int) -> bytes:
    """A valid zlib stream that inflates to `size` zero bytes, about 160 times
    smaller: one literal 0, then copies of 258 bytes at distance 1 (fixed Huffman).
    Built from a repeated 13-byte group, so a gigabyte costs no time to make."""

    def copy_258(bits):
        bits.code(0b11000101, 8)  # length 258 (symbol 285)
        bits.code(0, 5)  # distance 1

    head = _Bits()
    head.put(1, 1)  # final block
    head.put(1, 2)  # fixed Huffman codes
    head.code(0b00110000, 8)  # literal 0
    copy_258(head)  # 24 bits: the groups below start on a byte
    group = _Bits()
    for _ in range(8):
        copy_258(group)  # 104 bits, 13 bytes
    groups, left = divmod(size - 1 - 258, 258 * 8)
    tail = _Bits()
    for _ in range(left // 258):
        copy_258(tail)
    for _ in range(left % 258):
        tail.code(0b00110000, 8)
    tail.code(0, 7)  # end of block
    adler = ((size % 65521) << 16) | 1
    return (
        b"\x78\x01"
        + head.bytes()
        + group.bytes() * groups
        + tail.bytes()
        + struct.pack(">I", adler)
    )


def png_bytes(width: int, height: int) -> bytes:
    """A valid, all-black RGB PNG of any size, small on disk."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = _zeros_zlib(height * (1 + width * 3))  # filter byte 0 + black RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def png_video(path, sizes, *, container="mov", fps=10):
    """A PNG-coded video whose frames have the given sizes, written without ever
    holding a decoded frame: the container declares the first size."""
    with av.open(str(path), "w", format=container) as output:
        stream = output.add_stream("png", rate=fps)
        stream.width, stream.height = sizes[0]
        stream.pix_fmt = "rgb24"
        stream.codec_context.time_base = Fraction(1, fps)
        for index, (width, height) in enumerate(sizes):
            packet = av.Packet(png_bytes(width, height))
            packet.stream = stream
            packet.pts = packet.dts = index
            packet.time_base = Fraction(1, fps)
            packet.is_keyframe = True
            output.mux(packet)
    return path


def decompression_bomb(folder, http_url):
    """4.8 MB on disk, two 16000 x 16000 frames: 768 MB each once decoded."""
    return png_video(folder / "bomb.mov", [(16000, 16000)] * 2)


def pixel_bomb(folder, http_url):
    """Within VIDEO_MAX_DIMENSION on each side, but 16.8 million pixels a frame."""
    return png_video(folder / "square.avi", [(4096, 4096)] * 3, container="avi")


def frame_rate_bomb(folder, http_url):
    return make_clip(
        folder / "fast.mkv", width=64, height=48, fps=1000, seconds=0.3, audio=False
    )


def channel_bomb(folder, http_url):
    """A 24-channel (22.2) PCM track next to a normal picture."""
    path = folder / "channels.mkv"
    with av.open(str(path), "w", format="matroska") as output:
        video = output.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = output.add_stream("pcm_s16le", rate=48000, layout="22.2")
        frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48)))
        for index in range(5):
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        sound = av.AudioFrame(format="s16", layout="22.2", samples=4800)
        sound.planes[0].update(bytes(sound.planes[0].buffer_size))
        sound.sample_rate = 48000
        sound.pts = 0
        sound.time_base = Fraction(1, 48000)
        output.mux(audio.encode(sound))
        output.mux(audio.encode(None))
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
    (mediarecorder_too_long, "too_long", {"VIDEO_MAX_DURATION_SECONDS": 1}),
    (too_narrow, "bad_shape", {}),
    (too_small, "too_small", {}),
    (too_large, "too_large", {"VIDEO_MAX_DIMENSION": 200}),
    (zip_file, "not_video", {}),
    (pdf_file, "not_video", {}),
    (svg_file, "not_video", {}),
    (many_streams, "too_many_streams", {}),
    (decompression_bomb, "too_large", {}),
    (pixel_bomb, "too_many_pixels", {}),
    (frame_rate_bomb, "too_fast", {}),
    (channel_bomb, "too_many_channels", {}),
]
