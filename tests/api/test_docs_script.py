"""The end-to-end script in docs/api.md, run as written with curl and jq against a live
server: create an interview, invite, receive candidate.completed, fetch answers, decide."""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from waiting import wait_until

from oneway.api.services import api_key_create, webhook_endpoint_create
from oneway.core.models import Answer, Invitation
from oneway.core.services.invitations import invitation_complete
from oneway.reviews.models import Decision

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def code_block(name: str) -> str:
    match = re.search(rf"```\w+ {re.escape(name)}\n(.*?)```", DOCS.read_text(), re.S)
    assert match, f"docs/api.md has no code block named {name}"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not shutil.which("jq") or not shutil.which("curl"), reason="needs curl, jq")
@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_the_documented_script_runs(
    live_server: Any, org: Any, admin_user: Any, tmp_path: Path
) -> None:
    (tmp_path / "receiver.py").write_text(code_block("receiver.py"))
    (tmp_path / "e2e.sh").write_text(code_block("e2e.sh"))
    port = free_port()
    _key, secret = api_key_create(organisation=org, actor=admin_user, name="docs", scope="write")
    _endpoint, webhook_secret = webhook_endpoint_create(
        organisation=org,
        actor=admin_user,
        url=f"http://127.0.0.1:{port}/",
        events=["candidate.completed"],
    )
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "BASE": f"{live_server.url}/api/v1",
        "KEY": secret,
        "WEBHOOK_SECRET": webhook_secret,
        "RECEIVER_PORT": str(port),
    }
    with subprocess.Popen(
        ["sh", "e2e.sh"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as script:
        try:
            invitation = wait_until(
                lambda: Invitation.objects.filter(email="ada@example.com").first()
            )
            wait_until(lambda: listening(port))
            # The candidate answers the question and finishes.
            Answer.objects.create(
                invitation=invitation,
                question=invitation.interview.questions.get(),
                text="I stayed on the phone until it worked.",
                submitted_at=timezone.now(),
            )
            invitation_complete(invitation=invitation)
            out, err = script.communicate(timeout=60)
        except BaseException:
            script.kill()
            script.communicate()
            raise
    assert script.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == f"interview {invitation.interview_id}"
    assert lines[1] == f"invitation {invitation.pk}"
    assert lines[2] == f"completed {invitation.pk}"
    assert "I stayed on the phone" in lines[3]
    assert lines[4] == "decision shortlisted"
    assert Decision.objects.get(invitation=invitation).status == "shortlisted"
