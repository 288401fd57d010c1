import pytest


@pytest.mark.e2e
def test_fake_camera_and_microphone_reach_the_page(page, fake_media, live_server) -> None:
    page.goto(live_server.url + "/accounts/login/")
    tracks = page.evaluate(
        """async () => {
            const s = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
            const kinds = s.getTracks().map(t => t.kind).sort();
            const settings = s.getVideoTracks()[0].getSettings();
            s.getTracks().forEach(t => t.stop());
            return {kinds, width: settings.width, height: settings.height};
        }"""
    )
    assert tracks["kinds"] == ["audio", "video"]
    assert (tracks["width"], tracks["height"]) == (640, 360)
    assert fake_media.audio_seconds > 2
