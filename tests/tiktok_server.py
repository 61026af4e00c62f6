"""A local stand-in for TikTok: the oEmbed endpoint, short links and a thumbnail host.

Two threaded `http.server`s on 127.0.0.1, each on a port of its own:

- `FakeTikTok` answers `/oembed?url=…` as TikTok's documented endpoint does (the
  fields of developers.tiktok.com "Embed Videos": version, type, title, author_url,
  author_name, width, height, html, thumbnail_*, provider_*, embed_product_id,
  embed_type) for the posts a test registers, each in a `variant`: "ok",
  "not_found", "private", "photo", "html_title", "html_author", "no_thumbnail",
  "outside_thumbnail", "other_id", "not_json", "slow", "dribble", "huge_json",
  "gzip", "server_error", "redirect_loopback", "redirect_metadata"; and short links
  `/t/<code>` that redirect where the test says.
- A second `FakeTikTok` serves thumbnails (`files`), the "CDN".

`settings_for(tiktok, cdn)` gives the TIKTOK_* settings that point the site at them;
`fake_tiktok` (a pytest fixture: import it into a conftest.py) starts both, applies
the settings, and stops them after the test.

Every request is recorded in `requests` (path and headers), so a test can show what
was (not) asked.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

OK_TITLE = "Being kind is cool #CreateKindness kh-7QX2"


@dataclass
class FakePost:
    handle: str = "kindkid"
    title: str = OK_TITLE
    author_name: str = "Kind Kid"
    variant: str = "ok"
    thumbnail: str = "/thumbs/ok.jpg"  # a path on the CDN


def jpeg_bytes(size=(360, 640), *, exif: bool = True) -> bytes:
    """A JPEG with a GPS position and a camera in its EXIF, to show they go."""
    image = Image.new("RGB", size, (240, 120, 60))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x8825] = {1: "N", 2: (45.0, 27.0, 0.0)}  # GPS IFD
        image.save(out, format="JPEG", exif=data.tobytes())
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bomb_bytes(side: int = 60000) -> bytes:
    """A PNG header declaring side×side pixels, with no pixels behind it (made by
    hand: Pillow would need gigabytes to draw it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTikTok/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        fake: FakeTikTok = self.server.fake
        fake.requests.append({"path": self.path, "headers": dict(self.headers)})
        parts = urlsplit(self.path)
        if parts.path == "/oembed":
            return self._oembed(fake, parse_qs(parts.query).get("url", [""])[0])
        if (
            parts.path.startswith("/t/")
            and parts.path[3:].strip("/") in fake.short_links
        ):
            return self._send(
                302,
                b"",
                headers={"Location": fake.short_links[parts.path[3:].strip("/")]},
            )
        if parts.path in fake.files:
            content_type, body, delay = fake.files[parts.path]
            time.sleep(delay)
            return self._send(200, body, content_type=content_type)
        return self._send(404, b"not here", content_type="text/plain")

    def _send(
        self, status, body: bytes, *, content_type="application/json", headers=None
    ):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)
        self.close_connection = True

    def _oembed(self, fake, url: str):
        segments = [s for s in urlsplit(url).path.split("/") if s]
        post_id = segments[-1] if segments else ""
        post = fake.posts.get(post_id)
        if post is None or post.variant == "not_found":
            # What TikTok answers for a video that does not exist.
            body = {"code": 400, "message": "Something went wrong", "data": {}}
            return self._send(400, json.dumps(body).encode())
        variant = post.variant
        if variant == "private":
            body = {"code": 403, "status_msg": "This post is private", "data": {}}
            return self._send(403, json.dumps(body).encode())
        if variant == "server_error":
            return self._send(503, b"<html>busy</html>", content_type="text/html")
        if variant == "not_json":
            return self._send(
                200, b"<html><body>Hello</body></html>", content_type="text/html"
            )
        if variant == "redirect_loopback":
            return self._send(302, b"", headers={"Location": "http://127.0.0.1:6379/"})
        if variant == "redirect_metadata":
            return self._send(
                302,
                b"",
                headers={"Location": "http://169.254.169.254/latest/meta-data/"},
            )
        if variant == "slow":
            time.sleep(fake.slow_seconds)
        data = {
            "version": "1.0",
            "type": "video",
            "title": post.title,
            "author_url": f"https://www.tiktok.com/@{post.handle}",
            "author_name": post.author_name,
            "width": "100%",
            "height": "100%",
            "html": '<blockquote class="tiktok-embed"></blockquote> '
            '<script async src="https://www.tiktok.com/embed.js"></script>',
            "thumbnail_width": 576,
            "thumbnail_height": 1024,
            "thumbnail_url": f"{fake.cdn_base}{post.thumbnail}",
            "provider_url": "https://www.tiktok.com",
            "provider_name": "TikTok",
            "embed_product_id": post_id,
            "embed_type": "video",
        }
        if variant == "photo":
            data["embed_type"] = "photo"
        elif variant == "html_title":
            data["title"] = '<img src=x onerror="alert(1)"> #CreateKindness kh-7QX2'
        elif variant == "html_author":
            data["author_name"] = "<script>alert(1)</script>"
        elif variant == "no_thumbnail":
            del data["thumbnail_url"]
        elif variant == "outside_thumbnail":
            data["thumbnail_url"] = "http://169.254.169.254/latest/meta-data/x.jpg"
        elif variant == "other_id":
            data["embed_product_id"] = "7000000000000000001"
        elif variant == "huge_json":
            data["title"] = "#CreateKindness " + "a" * (2 * 1024 * 1024)
        body = json.dumps(data).encode()
        if variant == "gzip":
            import gzip

            return self._send(
                200, gzip.compress(body), headers={"Content-Encoding": "gzip"}
            )
        if variant == "dribble":
            # Headers at once, then one byte a while: only a total deadline stops it.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(fake.slow_seconds / 10)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return None
        return self._send(200, body)


@dataclass
class FakeTikTok:
    posts: dict[str, FakePost] = field(default_factory=dict)
    short_links: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, float]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    cdn_base: str = ""
    slow_seconds: float = 3.0

    def start(self) -> FakeTikTok:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def settings_for(tiktok: FakeTikTok, cdn: FakeTikTok) -> dict:
    """TIKTOK_* settings aiming the site at the two fakes: the CDN answers as
    "localhost" so it is a different host from the endpoint's 127.0.0.1."""
    return {
        "TIKTOK_OEMBED_URL": f"{tiktok.base}/oembed",
        "TIKTOK_LINK_HOSTS": [
            "www.tiktok.com",
            "tiktok.com",
            "vm.tiktok.com",
            "127.0.0.1",
        ],
        "TIKTOK_THUMBNAIL_HOSTS": ["localhost"],
        "TIKTOK_LOCAL_TEST_SERVERS": [
            f"127.0.0.1:{tiktok.port}",
            f"localhost:{cdn.port}",
        ],
        "TIKTOK_CONNECT_TIMEOUT": 1.0,
        "TIKTOK_TOTAL_TIMEOUT": 1.5,
    }


@pytest.fixture
def fake_tiktok(settings):
    """(tiktok, cdn), started, with the settings pointing at them and a post
    "7300000000000000001" by @kindkid ready, its thumbnail on the CDN."""
    cdn = FakeTikTok().start()
    tiktok = FakeTikTok(cdn_base=f"http://localhost:{cdn.port}").start()
    for name, value in settings_for(tiktok, cdn).items():
        setattr(settings, name, value)
    tiktok.posts["7300000000000000001"] = FakePost()
    cdn.files["/thumbs/ok.jpg"] = ("image/jpeg", jpeg_bytes(), 0)
    yield tiktok, cdn
    tiktok.stop()
    cdn.stop()
