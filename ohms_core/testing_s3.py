"""Test helpers for media on S3-compatible storage: moto's S3 server started by the test.

Shared by the S3 tests (documents and photos, Wagtail images, backup and restore). A test
module imports the fixtures it uses (``from ohms_core.testing_s3 import s3_endpoint,
s3_media``) after ``pytest.importorskip("moto.server")``: moto is in the ops extra, and a
plain install skips these tests instead of failing to import them.
"""
from __future__ import annotations

import hashlib
import socket
import urllib.error
import urllib.request

import pytest
from django.test import override_settings

BUCKET = "ohms-media-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_client(endpoint):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                        region_name="us-east-1")


def s3_options(endpoint: str, bucket: str = BUCKET) -> dict:
    """The storage OPTIONS base settings build from OHMS_MEDIA_S3_* (see settings/base.py)."""
    return {
        "bucket_name": bucket, "endpoint_url": endpoint, **CREDENTIALS, "location": "media",
        "addressing_style": "path", "signature_version": "s3v4", "default_acl": "private",
        "querystring_auth": True, "querystring_expire": 60, "file_overwrite": False, "custom_domain": None,
    }


def s3_storage_settings(endpoint: str, bucket: str = BUCKET):
    """``override_settings`` putting STORAGES["default"] on ``bucket``."""
    from django.conf import settings

    storages = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage",
                                                 "OPTIONS": s3_options(endpoint, bucket)}}
    return override_settings(STORAGES=storages, OHMS_MEDIA_S3_URL_EXPIRE=60)


def s3_objects(endpoint: str, bucket: str = BUCKET) -> set[str]:
    return {o["Key"] for o in s3_client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])}


def s3_checksums(endpoint: str, bucket: str = BUCKET) -> dict[str, str]:
    """{key: sha256 of the object's bytes} of every object in ``bucket``."""
    client = s3_client(endpoint)
    return {key: hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
            for key in s3_objects(endpoint, bucket)}


def fetch(url):
    """(status, headers, body) of a plain GET (an HTTP error is an answer, not an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3-compatible server on a free loopback port, for this module, with ``BUCKET``."""
    from moto import server as moto_server

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_media(s3_endpoint):
    """STORAGES["default"] on the test bucket, as base settings build it from OHMS_MEDIA_S3_*."""
    from django.core.files.storage import default_storage

    with s3_storage_settings(s3_endpoint):
        assert default_storage.__class__.__name__ == "S3Storage"
        yield s3_endpoint


def ensure_root_collection():
    """Wagtail's root collection, which its data migration creates and a transactional test's
    flush deletes: images need it (their default collection)."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")
