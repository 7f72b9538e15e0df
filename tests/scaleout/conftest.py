"""A real S3 API server for the storage tests: moto in server mode on a free local port.

Only its network address is test-specific; the app talks to it through django-storages and
boto3 exactly as it would to MinIO or a cloud bucket."""

import socket
import uuid

import pytest

BUCKET = "ccms-evidence"
KEYS = {"access_key": "ccms-test-key", "secret_key": "ccms-test-secret"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=KEYS["access_key"],
                        aws_secret_access_key=KEYS["secret_key"])


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh private bucket on the server: (client, name)."""
    name = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=name, ACL="private")
    return client, name


@pytest.fixture
def s3_media(settings, s3_server, s3_bucket):
    """The default storage is S3 on the moto server, as MEDIA_STORAGE=s3 configures it."""
    client, name = s3_bucket
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": name, "endpoint_url": s3_server, "region_name": "us-east-1",
                    **KEYS, "default_acl": "private", "file_overwrite": False,
                    "querystring_auth": True, "addressing_style": "path"}}}
    settings.MEDIA_ROOT = "/nonexistent-media-root"  # nothing may fall back to the disk
    return client, name
