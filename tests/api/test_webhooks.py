"""Webhooks: events from the audit log, signed per Standard Webhooks, delivered to a real
receiver on 127.0.0.1 that fails, times out and then succeeds; private addresses refused."""

import contextlib
import datetime
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from oneway.accounts.models import User
from oneway.api import webhooks
from oneway.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from oneway.api.services import webhook_endpoint_create
from oneway.core.models import Interview, Invitation, Organisation
from oneway.core.services.invitations import invitation_complete, invitation_mark_opened


class Receiver:
    """An HTTP server on 127.0.0.1 answering with the next scripted behaviour."""

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                step = receiver.script.pop(0) if receiver.script else "ok"
                if step == "slow":
                    time.sleep(2.5)
                status = {"fail": 500, "slow": 200, "ok": 204, "redirect": 302}[step]
                self.send_response(status)
                if step == "redirect":
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "11")
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(b"not today\r\n")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/oneway"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[[list[str]], Receiver]]:
    made: list[Receiver] = []

    def make(script: list[str]) -> Receiver:
        made.append(Receiver(script))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def endpoint_for(org: Organisation, admin_user: User) -> Callable[..., tuple[WebhookEndpoint, str]]:
    def make(url: str, events: list[str] | None = None, **kw: Any) -> tuple[WebhookEndpoint, str]:
        return webhook_endpoint_create(
            organisation=org,
            actor=admin_user,
            url=url,
            events=events or ["candidate.completed", "invitation.opened"],
            **kw,
        )

    return make


@override_settings(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=1)
def test_signed_delivery_fails_times_out_then_succeeds(
    receiver: Callable[[list[str]], Receiver],
    endpoint_for: Callable[..., Any],
    invitation: Invitation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = receiver(["fail", "slow", "ok"])
    endpoint, secret = endpoint_for(server.url)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_complete(invitation=invitation)
    message = WebhookMessage.objects.get(endpoint=endpoint)
    assert message.event == "candidate.completed"
    # The first attempt ran at once and failed; the retry waits 5 seconds.
    message.refresh_from_db()
    assert message.attempt_count == 1 and message.delivered_at is None
    assert message.next_attempt_at is not None
    first = WebhookAttempt.objects.get(message=message)
    assert (message.next_attempt_at - first.started_at).total_seconds() == pytest.approx(5, abs=1)
    assert webhooks.message_attempt(message_id=message.pk) == 300  # timed out, next in 5 min
    assert webhooks.message_attempt(message_id=message.pk) is None  # delivered
    attempts = list(WebhookAttempt.objects.filter(message=message).order_by("id"))
    assert [a.status_code for a in attempts] == [500, None, 204]
    assert "no answer within 1 second" in attempts[1].error
    assert attempts[0].response_excerpt.startswith("not today")
    assert attempts[1].duration_ms >= 1000
    message.refresh_from_db()
    assert message.delivered_at is not None
    # Every request is verified by the independent implementation.
    verifier = Webhook(secret)
    bodies = []
    for headers, body in server.requests:
        assert headers["webhook-id"] == message.msg_id
        payload = verifier.verify(body, headers)
        bodies.append(payload)
    assert len(bodies) == 3
    assert bodies[0]["type"] == "candidate.completed"
    data = bodies[0]["data"]
    assert data["candidate"] == {"id": invitation.pk, "name": "Ada Lovelace", "status": "completed"}
    assert data["interview_id"] == invitation.interview_id
    assert "email" not in json.dumps(bodies[0])
    with pytest.raises(Exception):  # noqa: B017
        Webhook(secret).verify(body.replace(b"completed", b"COMPLETED"), headers)


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_blind_interviews_carry_only_the_alias(
    receiver: Callable[[list[str]], Receiver],
    endpoint_for: Callable[..., Any],
    interview: Interview,
    invitation: Invitation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Interview.objects.filter(pk=interview.pk).update(blind_mode=True)
    invitation.refresh_from_db()
    server = receiver(["ok"])
    endpoint_for(server.url)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_mark_opened(invitation=invitation)
    [(_headers, body)] = server.requests
    assert b"Ada" not in body and b"ada@" not in body
    assert json.loads(body)["data"]["candidate"]["name"].startswith("Candidate ")


def test_private_loopback_and_link_local_addresses_are_refused(
    receiver: Callable[[list[str]], Receiver],
    endpoint_for: Callable[..., Any],
    invitation: Invitation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = receiver(["ok"])
    for url in (server.url, "http://169.254.169.254/latest", "http://10.0.0.1/", "http://[::1]/"):
        outcome = webhooks.post(url, "{}", {}, timeout=1)
        assert outcome.status_code is None and outcome.error.startswith("refused"), url
    assert server.requests == []


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_redirects_are_not_followed(receiver: Callable[[list[str]], Receiver]) -> None:
    server = receiver(["redirect"])
    outcome = webhooks.post(server.url, "{}", {}, timeout=1)
    assert outcome.status_code == 302 and not outcome.succeeded
    assert len(server.requests) == 1


def test_events_filtered_by_type_and_interview(
    monkeypatch: pytest.MonkeyPatch,
    endpoint_for: Callable[..., Any],
    interview: Interview,
    invitation: Invitation,
    org: Organisation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from isolation_objects import make_interview, make_invitation

    def unreachable(host: str, port: int) -> str:
        raise webhooks.Refused("no network in tests")

    monkeypatch.setattr(webhooks, "resolve", unreachable)
    other = make_interview(org, title="Other")
    only_other, _s = endpoint_for("https://hooks.example.com/a", interviews=[other])
    only_opened, _s = endpoint_for("https://hooks.example.com/b", events=["invitation.opened"])
    with django_capture_on_commit_callbacks(execute=True):
        invitation_complete(invitation=invitation)
        invitation_mark_opened(invitation=make_invitation(other))
    assert list(
        WebhookMessage.objects.filter(endpoint=only_other).values_list("event", flat=True)
    ) == ["invitation.opened"]
    assert list(
        WebhookMessage.objects.filter(endpoint=only_opened).values_list("event", flat=True)
    ) == ["invitation.opened"]


def test_gives_up_after_about_three_days_of_retries() -> None:
    total = sum(webhooks.RETRY_DELAYS)
    assert 2.5 * 86400 <= total <= 3 * 86400


@override_settings(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_DISABLE_AFTER_DAYS=3)
def test_an_endpoint_failing_for_days_is_disabled_and_admins_emailed(
    receiver: Callable[[list[str]], Receiver],
    endpoint_for: Callable[..., Any],
    admin_user: User,
    invitation: Invitation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = receiver(["fail", "fail"])
    endpoint, _secret = endpoint_for(server.url)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_complete(invitation=invitation)
    message = WebhookMessage.objects.get(endpoint=endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - datetime.timedelta(days=3, minutes=1)
    )
    mail.outbox.clear()
    assert webhooks.message_attempt(message_id=message.pk) is None
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_at is not None
    [email] = mail.outbox
    assert admin_user.email in email.to
    assert endpoint.url in email.body
    message.refresh_from_db()
    assert message.gave_up_at is not None


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_the_endpoint_page_lists_attempts_and_redelivers(
    receiver: Callable[[list[str]], Receiver],
    endpoint_for: Callable[..., Any],
    admin_client: Client,
    invitation: Invitation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = receiver(["fail", "ok"])
    endpoint, _secret = endpoint_for(server.url)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_complete(invitation=invitation)
    message = WebhookMessage.objects.get(endpoint=endpoint)
    page = admin_client.get(reverse("dashboard:webhook_detail", args=[endpoint.pk]))
    assert b"HTTP 500" in page.content and message.msg_id.encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("dashboard:webhook_redeliver", args=[endpoint.pk, message.pk])
        )
    assert response.status_code == 302
    page = admin_client.get(reverse("dashboard:webhook_detail", args=[endpoint.pk]))
    assert b"HTTP 204" in page.content and b"sent by hand" in page.content
    assert len(server.requests) == 2


def test_the_secret_is_shown_once(admin_client: Client, interview: Interview) -> None:
    response = admin_client.post(
        reverse("dashboard:webhook_create"),
        {"url": "https://hooks.example.com/x", "events": ["candidate.completed"], "enabled": "on"},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    page = admin_client.get(reverse("dashboard:webhook_detail", args=[endpoint.pk]))
    assert endpoint.secret.encode() not in page.content


def test_a_bad_endpoint_form_rerenders(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("dashboard:webhook_create"), {"url": "ftp://x", "events": ["nope"]}
    )
    assert response.status_code == 200
    assert b"Enter a valid URL" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_live_booked_carries_the_time(
    monkeypatch: pytest.MonkeyPatch,
    endpoint_for: Callable[..., Any],
    org: Organisation,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from oneway.live.services import live_interview_schedule

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: "192.0.2.1")
    monkeypatch.setattr(webhooks, "post", lambda *a, **k: webhooks.Outcome(204, "", "", 1))
    endpoint, _secret = endpoint_for("https://hooks.example.com/live", events=["live.booked"])
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        live = live_interview_schedule(
            organisation=org,
            actor=admin_user,
            title="Second round",
            interviewers=[admin_user],
            meeting_url="https://meet.example.com/abc",
            candidate_name="Ada Lovelace",
            candidate_email="ada@example.com",
            candidate_timezone="UTC",
            starts_at=starts,
        )
    message = WebhookMessage.objects.get(endpoint=endpoint)
    payload = json.loads(message.payload)
    assert payload["type"] == "live.booked"
    assert payload["data"]["live_interview_id"] == live.pk
    assert payload["data"]["starts_at"] == starts.isoformat().replace("+00:00", "Z")
    assert message.delivered_at is not None


def test_a_lost_retry_is_found_again(endpoint_for: Callable[..., Any]) -> None:
    endpoint, _secret = endpoint_for("https://hooks.example.com/x")
    now = timezone.now()
    lost = WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_lost",
        event="candidate.completed",
        payload="{}",
        next_attempt_at=now - datetime.timedelta(minutes=11),
    )
    WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_waiting",
        event="candidate.completed",
        payload="{}",
        next_attempt_at=now - datetime.timedelta(minutes=2),
    )
    WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_done",
        event="candidate.completed",
        payload="{}",
        next_attempt_at=now - datetime.timedelta(hours=1),
        delivered_at=now,
    )
    assert webhooks.overdue_message_ids(now=now) == [lost.pk]
