"""The candidate's catalog: which source files hold what a candidate sees, in which languages.

Candidates read Oneway in their invitation's language; staff read English. One ``django.po``
per shipped language (``oneway/locale/<locale>/LC_MESSAGES/``) holds every string of the
files below. ``python -m oneway candidate_messages`` regenerates the catalogs from exactly
these files (merging, so translations are kept), and ``tests/i18n/test_catalogs.py``
extracts them afresh to prove every one is translated.
"""

import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import to_locale

# Globs relative to the ``oneway`` package. Whole modules, so a new string in one of them is
# caught; a few staff strings living in the same modules come along and get translated too.
CANDIDATE_SOURCES: tuple[str, ...] = (
    # The recorded flow, data rights, live booking pages; jsstrings.py feeds the JavaScript.
    "candidate/**/*.py",
    "candidate/templates/**/*.html",
    "templates/*.html",
    # Emails to candidates (subjects, text and HTML; base.html frames them).
    "core/templates/emails/base.html",
    "core/templates/emails/invitation*",
    "core/templates/emails/reminder*",
    "core/templates/emails/receipt*",
    "core/templates/emails/data_export_ready*",
    "core/templates/emails/erasure_receipt*",
    "core/emails.py",
    # Format card, deadlines, the data export and erasure the candidate asks for.
    "core/templates/core/format_card.*",
    "core/format_card.py",
    "core/deadlines.py",
    "core/services/data_exports.py",
    "core/services/data_requests.py",
    "core/services/retention.py",
    # Choice labels a candidate reads: states of takes and invitations, the team's decision,
    # a live interview's status and outcome. (Answer types reach candidates through the
    # format card's own sentences, so core/models/interviews.py is staff-only.)
    "core/models/answers.py",
    "core/models/invitations.py",
    "reviews/models/decisions.py",
    "live/models.py",
    # Why a recording or upload was refused (tus errors included).
    "media/probe.py",
    "uploads/*.py",
    # Live interviews: the candidate's page, emails, calendar file and booking errors.
    "live/ics.py",
    "live/format_card.py",
    "live/forms.py",
    "live/timeutil.py",
    "live/services/*.py",
    "live/templates/live/candidate*.html",
    "live/templates/live/_candidate_live.html",
    "live/templates/live/_status.html",
    "live/templates/live/_timezones.html",
    "live/templates/emails/live_candidate*",
    "live/notifications.py",
    # Invitation rules a candidate meets (withdrawn, closed, applying) and the apply page.
    "core/services/invitations.py",
    "dashboard/apply_form.py",
    "dashboard/views/apply.py",
    "dashboard/templates/dashboard/apply*.html",
    # The team's decision, emailed to the candidate.
    "reviews/tasks.py",
    "reviews/templates/emails/review_decision*",
)

EXTENSIONS = (".py", ".html", ".txt")


def package_dir() -> Path:
    return Path(settings.BASE_DIR)


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def candidate_source_files() -> list[Path]:
    """Every candidate-facing source file, relative to the package's parent directory."""
    root = package_dir()
    found: set[Path] = set()
    for pattern in CANDIDATE_SOURCES:
        for path in root.glob(pattern):
            if path.is_file() and path.suffix in EXTENSIONS and "migrations" not in path.parts:
                found.add(path.relative_to(root.parent))
    return sorted(found)


def shipped_locales() -> list[str]:
    """Django locale names (``pt_BR``) of every language besides English."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


class CatalogError(Exception):
    pass


def compile_stale_catalogs() -> list[Path]:
    """Compile each shipped ``django.po`` whose ``.mo`` is missing or older (GNU msgfmt).

    For test runs and development; ``make install`` runs Django's ``compilemessages``.
    Written to a temporary name first, so parallel test workers never read half a file.
    """
    compiled = []
    for po in sorted(locale_dir().glob("*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", str(partial), str(po)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CatalogError(f"msgfmt refused {po}:\n{result.stderr}")
        os.replace(partial, mo)
        compiled.append(mo)
    return compiled
