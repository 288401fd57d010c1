"""Every text the candidate's JavaScript shows, translated on the server.

A key ending in ``Audio`` replaces the key without it when the answer is recorded without a
camera, and one ending in ``Practice`` on the practice question (``stringsFor`` in
flow.js), so an audio answer never mentions a camera and a practice take is never said
to be sent.
"""

from django.utils.translation import gettext as _


def js_strings() -> dict[str, str]:
    return {
        # Fixes for what stops the camera or the recorder (plain language, one fix each).
        "errorNotAllowed": _(
            "Your browser is not allowing this page to use your camera or microphone. Click "
            "the camera or lock icon next to the address, choose Allow, then press Try again. "
            "On a phone, check Settings > your browser > Camera and Microphone."
        ),
        "errorNotFound": _(
            "No camera or microphone was found. Plug one in or switch it on, then press Try "
            "again. On a laptop, check that a privacy switch or keyboard key is not turning "
            "the camera off."
        ),
        "errorNotReadable": _(
            "Your camera or microphone is busy: another app or browser tab is using it (a "
            "video call, for example). Close that app or tab, then press Try again."
        ),
        "errorOverconstrained": _(
            "The camera or microphone chosen cannot be used as asked. Choose another one in "
            "the lists below, or the default, then press Try again."
        ),
        "errorTimeout": _(
            "Your browser is still waiting for your permission to use the camera and "
            "microphone. Look for a prompt near the address bar (it may be hidden behind "
            "this window) and choose Allow. If nothing appears, reload the page."
        ),
        "errorNoMediaRecorder": _(
            "This browser cannot record video. Please use a recent version of Chrome, Edge, "
            "Firefox or Safari (on iPhone and iPad: Safari, iOS 14.3 or later)."
        ),
        "errorNoMediaDevices": _(
            "This browser does not give pages access to a camera or microphone. Please use a "
            "recent version of Chrome, Edge, Firefox or Safari."
        ),
        "errorInsecure": _(
            "This page was not opened over a secure connection (https), so browsers do not "
            "allow it to use your camera. Open the link from your email exactly as it is, "
            "starting with https://."
        ),
        "errorGeneric": _(
            "Something went wrong with your camera or microphone. Press Try again; if it "
            "keeps failing, restart your browser."
        ),
        "errorRecorder": _(
            "The recording stopped unexpectedly. What was recorded so far is kept; you can "
            "watch it and, if retakes remain, record again."
        ),
        # The same fixes when only the microphone is used (audio answers, no camera).
        "errorNotAllowedAudio": _(
            "Your browser is not allowing this page to use your microphone. Click the "
            "microphone or lock icon next to the address, choose Allow, then press Try "
            "again. On a phone, check Settings > your browser > Microphone."
        ),
        "errorNotFoundAudio": _(
            "No microphone was found. Plug one in or switch it on, then press Try again."
        ),
        "errorNotReadableAudio": _(
            "Your microphone is busy: another app or browser tab is using it (a video "
            "call, for example). Close that app or tab, then press Try again."
        ),
        "errorOverconstrainedAudio": _(
            "The microphone chosen cannot be used as asked. Choose another one in the list "
            "below, or the default, then press Try again."
        ),
        "errorTimeoutAudio": _(
            "Your browser is still waiting for your permission to use the microphone. Look "
            "for a prompt near the address bar (it may be hidden behind this window) and "
            "choose Allow. If nothing appears, reload the page."
        ),
        "errorNoMediaRecorderAudio": _(
            "This browser cannot record audio. Please use a recent version of Chrome, Edge, "
            "Firefox or Safari (on iPhone and iPad: Safari, iOS 14.3 or later)."
        ),
        "errorNoMediaDevicesAudio": _(
            "This browser does not give pages access to a microphone. Please use a recent "
            "version of Chrome, Edge, Firefox or Safari."
        ),
        "errorInsecureAudio": _(
            "This page was not opened over a secure connection (https), so browsers do not "
            "allow it to use your microphone. Open the link from your email exactly as it "
            "is, starting with https://."
        ),
        "errorGenericAudio": _(
            "Something went wrong with your microphone. Press Try again; if it keeps "
            "failing, restart your browser."
        ),
        "errorRecorderAudio": _(
            "The recording stopped unexpectedly. What was recorded so far is kept; you can "
            "listen to it and, if retakes remain, record again."
        ),
        "errorStorage": _(
            "Your device could not keep a copy of the recording (it may be out of space). "
            "Keep this page open until the recording shows as saved."
        ),
        # Recording and saving.
        "cameraStarting": _("Starting your camera and microphone..."),
        "cameraStartingAudio": _("Starting your microphone..."),
        "cameraReady": _("Your camera and microphone are ready."),
        "microphoneReady": _("Your microphone is ready."),
        # The countdown line (updated every second) and the one announcement made when it
        # starts: the announcement has no number, so the page never shows two countdowns.
        "thinking": _("Recording starts in %(time)s. Take your time to think."),
        "getReady": _("Recording starts in %(time)s."),
        "thinkingAnnounce": _(
            "Take your time to think. Recording starts by itself when the countdown ends; "
            "you can also start it now."
        ),
        "getReadyAnnounce": _(
            "Recording starts by itself when the countdown ends; you can also start it now."
        ),
        "recording": _("Recording"),
        "recordingStarted": _("Recording started. You have %(time)s."),
        "timeLeft": _("%(time)s left."),
        "stoppedAtLimit": _("The time limit was reached, so the recording stopped."),
        "stopped": _("Recording stopped."),
        "saving": _("Saving your recording: %(size)s still to upload..."),
        "savingFinal": _("Saving your recording..."),
        "saved": _("Saved. The team will receive this take if you send it."),
        "savedPractice": _("Saved. This is practice: it is never sent to the team."),
        "savedShort": _("Saved"),
        "uploading": _("Uploading (%(size)s left)"),
        "offline": _(
            "You are offline. Your recording is kept on this device and uploads by itself "
            "when the connection is back."
        ),
        "retrying": _("The connection dropped. Trying again..."),
        "uploadFailed": _("The upload was refused."),
        "interrupted": _(
            "Your last recording was interrupted (the page was reloaded or closed). What was "
            "recorded until then is kept and uploads by itself. Once it shows as saved in "
            "your takes below, press Watch to see it in the player above, then send it or "
            "record again."
        ),
        "interruptedAudio": _(
            "Your last recording was interrupted (the page was reloaded or closed). What was "
            "recorded until then is kept and uploads by itself. Once it shows as saved in "
            "your takes below, press Listen to hear it in the player above, then send it or "
            "record again."
        ),
        "interruptedPractice": _(
            "Your last practice recording was interrupted (the page was reloaded or closed). "
            "What was recorded until then is kept and uploads by itself. Once it shows as "
            "saved in your takes below, you can play it back in the player above or record "
            "again."
        ),
        "take": _("Take %(n)s"),
        "takeSaved": _("Take %(n)s, %(time)s, saved"),
        "takeUploading": _("Take %(n)s, %(time)s, uploading"),
        "takeWaiting": _("Take %(n)s, waiting to upload from this device"),
        "watch": _("Watch take %(n)s"),
        "watchAudio": _("Listen to take %(n)s"),
        "retakesLeft": _("Record again (%(n)s left)"),
        "noRetakesLeft": _("No retakes left: you can send the take you have."),
        "waitForSave": _("Wait until your recording shows as saved before you send it."),
        "pendingItem": _("%(label)s: %(size)s still to upload"),
        "pendingBusy": _("%(label)s: uploading in another tab"),
        "tabLost": _(
            "You continued this interview in another tab or window, so this one is paused. "
            "Anything recorded here is still being saved."
        ),
        "soundHeard": _("We can hear you."),
        "soundQuiet": _(
            "We cannot hear anything yet. Say something, or choose another microphone."
        ),
        "clipRecording": _("Recording a test clip: say a few words... %(time)s"),
        "clipUploading": _("Uploading the test clip..."),
        "clipReady": _(
            "Here is your test clip, played back from our server. Check that you can see "
            "and hear yourself."
        ),
        "clipReadyAudio": _(
            "Here is your test clip, played back from our server. Check that you can hear yourself."
        ),
        "slowConnection": _(
            "Your connection looks slow. Your answers will still be saved: after you stop "
            "recording, wait until each one shows as saved."
        ),
        "goodConnection": _("Your connection is fast enough."),
        "charactersLeft": _("%(n)s characters left"),
        "questionLabel": _("Question %(n)s"),
        "practiceLabel": _("Practice question"),
        "deviceCheckLabel": _("Test clip"),
        "cameraN": _("Camera %(n)s"),
        "microphoneN": _("Microphone %(n)s"),
    }
