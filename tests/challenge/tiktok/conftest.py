from tests.tiktok_server import fake_tiktok  # noqa: F401
