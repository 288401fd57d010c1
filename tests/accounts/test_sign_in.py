import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User

PASSWORD = "correct horse battery staple 42"
LOGIN = "/accounts/login/"


def sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_with_email_and_password(owner: User) -> None:
    client = Client()
    response = sign_in(client, owner.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_wrong_password_re_renders_with_an_error(owner: User) -> None:
    response = sign_in(Client(), owner.email, "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert b"error-summary" in response.content


def test_account_is_locked_after_repeated_failures_from_any_address(owner: User) -> None:
    for n in range(5):
        sign_in(Client(), owner.email, "wrong", ip=f"10.0.1.{n}")
    # Even the right password from a fresh address is refused while the account is locked.
    response = sign_in(Client(), owner.email, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert b"wait 15 minutes" in response.content


def test_address_is_locked_after_failures_on_many_accounts(
    owner: User, admin_user: User, reviewer: User
) -> None:
    for n in range(5):
        sign_in(Client(), f"nobody{n}@example.com", "wrong", ip="10.9.9.9")
    assert sign_in(Client(), reviewer.email, PASSWORD, ip="10.9.9.9").status_code == 429
    # Another address is not affected, and neither is the account.
    assert sign_in(Client(), reviewer.email, PASSWORD, ip="10.9.9.10").status_code == 302


def test_sign_out(owner_client: Client) -> None:
    response = owner_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("dashboard:home")).status_code == 302


def test_password_reset_by_email(owner: User) -> None:
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [owner.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body)
    assert link is not None
    response = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in response.content
    new = "a brand new passphrase 9"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert sign_in(Client(), owner.email, new).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing(db: None) -> None:
    response = Client().post(reverse("accounts:password_reset"), {"email": "who@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_user_without_organisation_sees_an_explanation(db: None) -> None:
    user = User.objects.create_user("lonely@example.com", PASSWORD)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 403
    assert b"not a member of any organisation" in response.content


def test_password_reset_is_throttled_per_address(owner: User) -> None:
    from django.core.cache import cache

    from oneway.accounts.views import RESET_EMAIL_LIMIT

    cache.clear()
    url = reverse("accounts:password_reset")
    for n in range(RESET_EMAIL_LIMIT + 2):
        response = Client(REMOTE_ADDR=f"10.3.0.{n}").post(url, {"email": owner.email})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == RESET_EMAIL_LIMIT


def test_password_reset_is_throttled_per_ip(owner: User) -> None:
    from django.core.cache import cache

    from oneway.accounts.views import RESET_IP_LIMIT

    cache.clear()
    url = reverse("accounts:password_reset")
    client = Client(REMOTE_ADDR="10.4.0.1")
    for n in range(RESET_IP_LIMIT):
        assert client.post(url, {"email": f"who{n}@example.com"}).status_code == 302
    limited = client.post(url, {"email": owner.email})
    assert limited.status_code == 429
    assert b"Too many password resets" in limited.content
    assert mail.outbox == []
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.4.0.2").post(url, {"email": owner.email})
    assert other.status_code == 302 and len(mail.outbox) == 1
