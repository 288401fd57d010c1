from django.test import Client


def test_sign_in_page_renders(db: None) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_dashboard_requires_sign_in(db: None) -> None:
    response = Client().get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
