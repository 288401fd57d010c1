from django.core.files.storage import default_storage

from oneway.uploads.models import Upload


def test_smoke(tus, django_capture_on_commit_callbacks) -> None:
    url = tus.new(10, filename="a.webm")
    r = tus.patch(url, 0, b"hello")
    assert r.status_code == 204, r.content
    assert r["Upload-Offset"] == "5"
    with django_capture_on_commit_callbacks(execute=True):
        r = tus.patch(url, 5, b"world")
    assert r.status_code == 204, r.content
    upload = Upload.objects.get()
    assert upload.completed_at and upload.notified_at
    with default_storage.open(upload.storage_name) as f:
        assert f.read() == b"helloworld"
    r = tus.head(url)
    assert r["Upload-Offset"] == "10"
