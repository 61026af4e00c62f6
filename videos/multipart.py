"""Multipart uploads into the private object-storage bucket, for files that arrive in
pieces (challenge's resumable uploads): each part goes to the bucket as soon as it is
whole, so the web server keeps at most one part on its disk.

Only when the private storage is S3 (django-storages' S3Storage, switched on by
S3_PRIVATE_BUCKET): `multipart_target()` is None on local disk, where pieces are simply
appended to one file. S3 takes parts of at least 5 MiB, except the last one.
"""

import contextlib
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File

from .models import private_storage

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last


@dataclass(frozen=True)
class MultipartTarget:
    """The bucket of the private storage and its client."""

    client: object
    bucket: str

    def start(self, key: str) -> str:
        """A new multipart upload at `key`; its id."""
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)
        return answer["UploadId"]

    def put(self, key: str, upload_id: str, number: int, body: BinaryIO, size: int):
        """Send `size` bytes of `body` (from its current position) as part `number`
        (1-based; sending a number again replaces that part). Its ETag."""
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=_Window(body, size),
            ContentLength=size,
        )
        return answer["ETag"]

    def finish(self, key: str, upload_id: str, etags: list[str]) -> None:
        """Join the parts, in order, into the object at `key`."""
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": number, "ETag": etag}
                    for number, etag in enumerate(etags, start=1)
                ]
            },
        )

    def abort(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts (nothing if already gone)."""
        with contextlib.suppress(self.client.exceptions.NoSuchUpload):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )

    def copy(self, source: str, key: str) -> None:
        """Copy an object inside the bucket (no byte passes through this server)."""
        self.client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": source},
        )

    def unfinished(self, prefix: str):
        """(key, upload id, started at) of every unfinished upload under `prefix`."""
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Uploads", []):
                yield item["Key"], item["UploadId"], item["Initiated"]

    def objects(self, prefix: str):
        """(key, last modified) of every object under `prefix`."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]


class _Window:
    """`size` bytes of a file from its current position, as a file botocore can
    read, hash and rewind (it never reads the whole file into memory)."""

    def __init__(self, handle: BinaryIO, size: int):
        self.handle, self.size = handle, size
        self.start = handle.tell()

    def read(self, amount: int = -1) -> bytes:
        left = self.start + self.size - self.handle.tell()
        if amount is None or amount < 0 or amount > left:
            amount = left
        return self.handle.read(max(amount, 0))

    def seek(self, position: int, whence: int = 0) -> int:
        if whence == 0:
            target = self.start + position
        elif whence == 1:
            target = self.handle.tell() + position
        else:
            target = self.start + self.size + position
        self.handle.seek(target)
        return self.tell()

    def tell(self) -> int:
        return self.handle.tell() - self.start

    def __len__(self) -> int:
        return self.size


def multipart_target() -> MultipartTarget | None:
    """The private bucket, when the private storage is object storage."""
    storage = private_storage()
    bucket = getattr(storage, "bucket_name", None)
    connection = getattr(storage, "connection", None)
    if not bucket or connection is None:
        return None
    return MultipartTarget(client=connection.meta.client, bucket=bucket)


class StoredObject(File):
    """A file that is already in the private storage under `stored_name` (a finished
    multipart upload): `videos.services.video_create` copies it inside the bucket
    instead of sending its bytes again."""

    def __init__(self, stored_name: str, name: str = ""):
        super().__init__(None, name=name or stored_name)
        self.stored_name = stored_name
