"""Candidates for bench/ingest.py: real invitations, answers, takes and sessions, and a
real recording to stream.

Run by ingest.py in a child process (Django against the benchmark's database)::

    python bench/_ingest_candidates.py --count 1000 --answers 3 --json out.json

Each candidate has an invitation (consented, in progress, deadline in three days) of one
interview with ``--answers`` video questions, each revealed and with one take recording,
and a database session bound to the invitation, as after ``candidate:enter``: what the
candidate policy checks when an upload is created (session -> invitation -> take). Bulk
inserts: the flow that leads there (pages, consent, take start) is not what is measured.
The JSON lists per candidate its session key and take ids.

``recording(path)`` makes (once, cached) the file the candidates stream: a 60 s WebM
(VP8, 30 fps) at the recorder's requested bitrate (rules.RECORDER: 1.2 Mbit/s video +
96 kbit/s audio), so that a 2 s chunk weighs what a real one does, its first bytes pass
the policy's container check and its completion is measured by demuxing every packet.
"""

from __future__ import annotations

import argparse
import datetime
import fractions
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDING_SECONDS = 60
FPS = 30


def recording(path: Path) -> Path:
    """The benchmark's recording at ``path``, encoded on first use (about a minute)."""
    if path.exists():
        return path
    import av
    import numpy as np

    bitrate = recorder_bits_per_second()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    rng = np.random.default_rng(14)
    base = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    with av.open(str(partial), "w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.bit_rate = bitrate
        stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for index in range(RECORDING_SECONDS * FPS):
            # Moving noise: an encoder at this size only spends the bitrate on detail.
            image = np.roll(base, index * 3, axis=1)
            image[::7] = rng.integers(0, 256, (len(image[::7]), 320, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, fractions.Fraction(1, FPS)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    partial.rename(path)
    return path


def recorder_bits_per_second() -> int:
    """What the recorder asks browsers for (rules.RECORDER), read from its source: the
    rules module needs Django set up."""
    text = (ROOT / "src/oneway/candidate/rules.py").read_text()
    found = [
        int(re.search(rf'"{name}": ([0-9_]+)', text).group(1))  # type: ignore[union-attr]
        for name in ("videoBitsPerSecond", "audioBitsPerSecond")
    ]
    return sum(found)


def seed(count: int, answers: int) -> list[dict[str, object]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from oneway.candidate.session import SESSION_KEY
    from oneway.core.models import (
        Answer,
        Interview,
        Invitation,
        InvitationStatus,
        Organisation,
        Question,
        Take,
    )
    from oneway.core.tokens import hash_token

    now = timezone.now()
    tag = get_random_string(8).lower()
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench Ingest", slug=f"bench-ingest-{tag}")
        interview = Interview.objects.create(
            organisation=org, title="Deadline day", contact_email="jobs@example.com"
        )
        questions = Question.objects.bulk_create(
            Question(
                interview=interview,
                position=p,
                prompt=f"Question {p + 1}",
                answer_type="video",
                max_answer_seconds=RECORDING_SECONDS + 30,
                retakes=1,
            )
            for p in range(answers)
        )
        invitations = Invitation.objects.bulk_create(
            (
                Invitation(
                    organisation=org,
                    interview=interview,
                    name=f"Candidate {n}",
                    email=f"candidate{n}-{tag}@example.com",
                    deadline=now + datetime.timedelta(days=3),
                    token_hash=hash_token(f"bench-ingest-{tag}-{n}"),
                    status=InvitationStatus.IN_PROGRESS,
                    invited_at=now,
                    opened_at=now,
                    started_at=now,
                    consent_at=now,
                    consent_text="bench",
                )
                for n in range(count)
            ),
            batch_size=2000,
        )
        rows = Answer.objects.bulk_create(
            (
                Answer(invitation=invitation, question=question, revealed_at=now)
                for invitation in invitations
                for question in questions
            ),
            batch_size=4000,
        )
        takes = Take.objects.bulk_create(
            (Take(answer=answer, number=1) for answer in rows), batch_size=4000
        )
        store = SessionStore()
        expires = now + datetime.timedelta(days=1)
        sessions = [
            Session(
                session_key=get_random_string(32),
                session_data=store.encode({SESSION_KEY: invitation.pk}),
                expire_date=expires,
            )
            for invitation in invitations
        ]
        Session.objects.bulk_create(sessions, batch_size=2000)
    return [
        {
            "session": sessions[n].session_key,
            "takes": [take.pk for take in takes[n * answers : (n + 1) * answers]],
        }
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="seed candidates for bench/ingest.py")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--answers", type=int, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    args.json.write_text(json.dumps(seed(args.count, args.answers)))


if __name__ == "__main__":
    main()
