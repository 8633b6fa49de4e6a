"""Password guessing: wrong passwords lock the account (admin login and password re-checks);
the right password is then refused too; an admin unlocks it."""
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from ohms_core import testing
from ohms_core.services.auth import AccountLockedError, login_locked, login_unlock, password_check

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"
LOGIN = "/admin/login/"


@pytest.fixture
def limit(settings):
    settings.OHMS_LOGIN_MAX_FAILURES = 3
    settings.OHMS_LOGIN_LOCKOUT_MINUTES = 15
    yield 3
    cache.clear()


def _try(client, user, password):
    return client.post(LOGIN, {"username": user.username, "password": password})


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_admin_login_locks_after_n_wrong_passwords(org_a, limit):
    user = testing.make_member(org_a, "safety_manager")
    client = Client()
    for _ in range(limit):
        response = _try(client, user, "guess")
        assert response.status_code == 200 and not _signed_in(client)
    assert login_locked(user.username)
    response = _try(client, user, PASSWORD)
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert not _signed_in(client)
    assert "locked" in response.content.decode()
    # The lock is per account, whatever the case of the name typed.
    assert login_locked(user.username.upper())


def test_admin_unlocks_with_the_management_command(org_a, limit):
    user = testing.make_member(org_a, "safety_manager")
    client = Client()
    for _ in range(limit):
        _try(client, user, "guess")
    assert not _signed_in(client) and login_locked(user.username)
    call_command("ohms_unlock_login", user.username)
    assert not login_locked(user.username)
    response = _try(client, user, PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_a_success_resets_the_count(org_a, limit):
    user = testing.make_member(org_a, "safety_manager")
    for _ in range(limit - 1):
        _try(Client(), user, "guess")
    assert _try(Client(), user, PASSWORD).status_code == 302
    for _ in range(limit - 1):
        _try(Client(), user, "guess")
    assert not login_locked(user.username)


def test_password_check_counts_locks_and_unlocks(org_a, limit):
    user = testing.make_member(org_a, "issuer")
    assert password_check(user, PASSWORD) is True
    for _ in range(limit - 1):
        assert password_check(user, "guess") is False
    with pytest.raises(AccountLockedError):
        password_check(user, "guess")  # the last allowed try locks
    with pytest.raises(AccountLockedError) as excinfo:
        password_check(user, PASSWORD)  # then even the right password is refused
    assert excinfo.value.code == "account_locked"
    assert login_unlock(user.username) is True
    assert password_check(user, PASSWORD) is True


def test_password_check_and_admin_login_share_one_lock(org_a, limit):
    user = testing.make_member(org_a, "issuer")
    for _ in range(limit):
        _try(Client(), user, "guess")
    with pytest.raises(AccountLockedError):
        password_check(user, PASSWORD)
