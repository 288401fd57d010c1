import pytest
from django.test import RequestFactory

from oneway.core.audit import client_ip, log_action
from oneway.core.models import AuditEntry, Organisation


def test_entries_are_append_only(org: Organisation) -> None:
    entry = log_action("test.happened", organisation=org, data={"n": 1})
    assert entry.actor_label == "system"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(action="x")


def test_client_ip_behind_proxies(settings) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1"
    )
    settings.ONEWAY_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.ONEWAY_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.7"  # the spoofable left part is ignored
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="not-an-ip")) is None
