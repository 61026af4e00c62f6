"""An S3-compatible server for tests (moto in server mode, started on loopback): the
code under test talks real HTTP to it through django-storages and boto3, nothing is
patched. tests/conftest.py makes the fixtures available everywhere."""

import boto3
import pytest

from tests.conftest import free_port

BUCKET = "kh-private-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_private(settings, s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 120,
                "file_overwrite": True,
            },
        },
    }
    yield client
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listing:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
