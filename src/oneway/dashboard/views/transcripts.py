"""An interview's transcripts for admins: which engine makes them, how many each engine
made, and a button that redoes them with the current engine."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oneway.access import access_interview, require, viewer_from
from oneway.accounts.permissions import staff_view
from oneway.core.selectors import interview_answer_media
from oneway.media.services import media_transcripts_redo, transcript_progress
from oneway.media.transcribe import engine_id, engine_status, get_transcriber


@staff_view("interviews.view")
def interview_transcripts(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "media.retry")
    engine = engine_id(get_transcriber())
    items = interview_answer_media(interview)
    if request.method == "POST":
        queued = media_transcripts_redo(
            organisation=interview.organisation,
            items=items,
            engine=engine,
            everything=request.POST.get("everything") == "1",
            actor=request.user,
            obj=interview,
            request=request,
        )
        if queued:
            messages.success(
                request,
                ngettext(
                    "%(n)d transcript will be made again.",
                    "%(n)d transcripts will be made again.",
                    queued,
                )
                % {"n": queued},
            )
        else:
            messages.info(request, _("There are no transcripts to redo."))
        return redirect("dashboard:interview_transcripts", interview.pk)
    ok, status = engine_status(load=False)
    progress = transcript_progress(items, engine=engine)
    response = render(
        request,
        "dashboard/interview_transcripts.html",
        {
            "interview": interview,
            "engine_ok": ok,
            "engine_status": status,
            "progress": progress,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
