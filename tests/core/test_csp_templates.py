"""Every page template keeps to the Content-Security-Policy: no style attributes, no
inline scripts, no inline event handlers (emails, which are not pages, may use styles)."""

import re
from pathlib import Path

import oneway

TEMPLATES = [
    path
    for path in Path(oneway.__file__).parent.rglob("templates/**/*.html")
    if "emails" not in path.parts and "email" not in path.parts
]
STYLE = re.compile(r"\sstyle=")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
# The format card is shared with emails and writes styles only when inline_styles is set.
EMAIL_AWARE = {"format_card.html"}


def test_page_templates_have_no_inline_code_or_styles() -> None:
    assert len(TEMPLATES) > 50
    problems = []
    for path in TEMPLATES:
        text = path.read_text()
        if path.name not in EMAIL_AWARE and STYLE.search(text):
            problems.append(f"{path}: style attribute")
        if INLINE_SCRIPT.search(text):
            problems.append(f"{path}: inline <script>")
        if HANDLER.search(text):
            problems.append(f"{path}: inline event handler")
    assert problems == []
