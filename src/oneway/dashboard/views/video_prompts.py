"""The welcome video of an interview and the video of a question: record in the browser
or upload a file, watch processing, preview, replace, remove (issue 16)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from oneway.access import viewer_from
from oneway.accounts.permissions import staff_view
from oneway.candidate import rules
from oneway.core.services.video_prompts import (
    PROMPT_VIDEO_MAX_BYTES,
    PROMPT_VIDEO_MAX_SECONDS,
    interview_welcome_text_update,
    prompt_video_remove,
    prompt_video_set,
)
from oneway.dashboard.video_prompts import (
    PROMPT_VIDEO,
    Target,
    check_video_file,
    check_video_prefix,
    find_target,
)
from oneway.media.models import MediaItem, ProcessingState
from oneway.media.signing import media_url
from oneway.uploads.policy import UploadDenied


class VideoFileForm(forms.Form):
    video = forms.FileField(
        label=gettext_lazy("Video file"),
        help_text=gettext_lazy("WebM, MP4 or MOV, up to %(minutes)d minutes and %(mb)d MB.")
        % {"minutes": PROMPT_VIDEO_MAX_SECONDS // 60, "mb": PROMPT_VIDEO_MAX_BYTES // 2**20},
    )


class WelcomeTextForm(forms.Form):
    welcome_text = forms.CharField(
        label=gettext_lazy("Text version"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Candidates can read this instead of watching. Leave it empty to show the "
            "automatic transcript once it is made."
        ),
    )


def _store_file(target: Target, upload: Any) -> tuple[str, int]:
    """Check an uploaded file (size, kind by its bytes, playable and not too long) and
    keep it in storage; UploadDenied with the reason otherwise."""
    if upload.size > PROMPT_VIDEO_MAX_BYTES:
        raise UploadDenied(
            413,
            _("This file is %(size)d MB; the limit is %(max)d MB.")
            % {"size": upload.size // 2**20, "max": PROMPT_VIDEO_MAX_BYTES // 2**20},
        )
    if not upload.size:
        raise UploadDenied(422, _("This file is empty."))
    upload.seek(0)
    kind = check_video_prefix(upload.read(64))
    upload.seek(0)
    name = default_storage.save(
        f"uploads/{PROMPT_VIDEO}/{target.interview.organisation_id}/"
        f"{secrets.token_hex(16)}.{'webm' if kind == 'webm' else 'mp4'}",
        upload,
    )
    try:
        check_video_file(name)
    except UploadDenied:
        default_storage.delete(name)
        raise
    return name, upload.size


def _recorder_strings() -> dict[str, str]:
    return {
        "cameraOn": _("The camera is on. Start recording when you are ready."),
        "cameraFailed": _("The camera could not be turned on: %(reason)s"),
        "recording": _("Recording. Stop when you are done."),
        "uploading": _("Saving the video…"),
        "saved": _("Saved. The video is being processed."),
        "failed": _("The video could not be saved: %(reason)s"),
        "atLimit": _("The recording stopped at the time limit."),
        "cannotRecord": _("This browser cannot record video. Upload a file instead."),
        "tooLarge": _("This file is larger than the %(max)s MB allowed."),
    }


def _page_url(target: Target) -> str:
    if target.question is not None:
        return reverse("dashboard:question_video", args=[target.interview.pk, target.question.pk])
    return reverse("dashboard:welcome_video", args=[target.interview.pk])


def _preview(request: HttpRequest, item: MediaItem | None) -> dict[str, str]:
    if item is None or item.state != ProcessingState.READY or not item.has_video:
        return {}
    urls = {
        "src": media_url(item=item, user=request.user, variant="rendition", request=request),
    }
    if item.poster_name:
        urls["poster"] = media_url(item=item, user=request.user, variant="poster", request=request)
    if item.captions_name:
        urls["captions"] = media_url(
            item=item, user=request.user, variant="captions", request=request
        )
        urls["captions_language"] = item.transcript_language or get_language()
    return urls


def _video_page(request: HttpRequest, target: Target) -> HttpResponse:
    interview, question = target.interview, target.question
    page_url = _page_url(target)
    file_form = VideoFileForm()
    text_form = (
        WelcomeTextForm(initial={"welcome_text": interview.welcome_text})
        if question is None
        else None
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "upload":
            file_form = VideoFileForm(request.POST, request.FILES)
            if file_form.is_valid():
                try:
                    name, size = _store_file(target, file_form.cleaned_data["video"])
                except UploadDenied as refused:
                    file_form.add_error("video", refused.message)
                else:
                    prompt_video_set(
                        interview=interview,
                        question=question,
                        original_name=name,
                        size=size,
                        actor=request.user,
                        source="uploaded",
                        request=request,
                    )
                    messages.success(request, _("Video uploaded. It is being processed."))
                    return redirect(page_url)
            status = 400
        elif action == "remove":
            if prompt_video_remove(
                interview=interview, question=question, actor=request.user, request=request
            ):
                messages.success(request, _("Video removed."))
            return redirect(page_url)
        elif action == "text" and question is None:
            text_form = WelcomeTextForm(request.POST)
            if text_form.is_valid():
                interview_welcome_text_update(
                    interview=interview,
                    text=text_form.cleaned_data["welcome_text"],
                    actor=request.user,
                    request=request,
                )
                messages.success(request, _("Text version saved."))
                return redirect(page_url)
            status = 400
        else:
            status = 400
    item = question.prompt_media if question is not None else interview.welcome_media
    config = {
        "uploadEndpoint": reverse("uploads:collection"),
        "metadata": {"purpose": PROMPT_VIDEO, "target": target.key},
        "recorder": rules.RECORDER,
        "maxSeconds": PROMPT_VIDEO_MAX_SECONDS,
        "maxBytes": PROMPT_VIDEO_MAX_BYTES,
        "scope": f"staff-{request.user.pk}",
        "pageUrl": page_url,
    }
    return render(
        request,
        "dashboard/video_prompt.html",
        {
            "interview": interview,
            "question": question,
            "item": item,
            "preview": _preview(request, item),
            "file_form": file_form,
            "text_form": text_form,
            "page_url": page_url,
            "config": config,
            "max_minutes": PROMPT_VIDEO_MAX_SECONDS // 60,
            "strings": _recorder_strings(),
        },
        status=status,
    )


@staff_view("interviews.edit")
def welcome_video(request: HttpRequest, interview_id: int) -> HttpResponse:
    return _video_page(request, find_target(viewer_from(request), f"welcome:{interview_id}"))


@staff_view("interviews.edit")
def question_video(request: HttpRequest, interview_id: int, question_id: int) -> HttpResponse:
    target = find_target(viewer_from(request), f"question:{question_id}")
    if target.interview.pk != interview_id:
        raise Http404
    return _video_page(request, target)
