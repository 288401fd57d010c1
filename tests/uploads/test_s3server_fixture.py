import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@pytest.mark.s3
def test_s3_storage_fixture_points_default_storage_at_the_bucket(s3_storage) -> None:
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello"))
    with default_storage.open(name) as f:
        assert f.read() == b"hello"
    client = s3_storage.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_storage.bucket)["Contents"]]
    assert any(k.endswith("probe/hello.txt") for k in keys)
    default_storage.delete(name)
