"""Throttles count the real client (X-Forwarded-For only from trusted proxies) in a cache shared by workers."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client, RequestFactory, override_settings

from tests.factories import make_user
from tracker import logins
from tracker.clients import client_address, parse_networks

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def token_request(client: Client, password: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    body = {"username": "nina", "password": password}
    return client.post(TOKEN, body, content_type="application/json", **extra)


class ClientAddressTests:
    def request(self, remote: str, forwarded: str | None = None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
        return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)

    def test_forwarded_for_is_ignored_by_default(self):
        assert client_address(self.request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"

    @override_settings(FACTDESK_TRUSTED_PROXIES=parse_networks("10.0.0.0/8, 127.0.0.1"))
    def test_a_trusted_proxy_names_the_client_and_spoofed_hops_on_the_left_count_for_nothing(self):
        assert client_address(self.request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
        assert client_address(self.request("10.1.2.3", "1.2.3.4, 198.51.100.1, 10.9.9.9")) == "198.51.100.1"
        assert client_address(self.request("10.1.2.3", "not-an-address")) == "10.1.2.3"
        # The header from a client that is no proxy of ours is its own word.
        assert client_address(self.request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"

    def test_a_bad_proxy_list_is_refused(self):
        with pytest.raises(ValueError, match="not-an-ip"):
            parse_networks("10.0.0.0/8, not-an-ip")


@pytest.mark.django_db
class TokenThrottleTests:
    def test_the_throttle_cache_is_shared_when_debug_is_off(self):
        assert isinstance(caches["throttle"], DatabaseCache)

    def test_made_up_forwarded_for_values_do_not_reset_the_count(self):
        make_user("editor", username="nina")
        client = Client(REMOTE_ADDR="203.0.113.7")
        codes = [token_request(client, f"guess {i}", forwarded=f"198.51.100.{i}").status_code for i in range(21)]
        assert codes == [400] * 20 + [429]
        # The right password from the throttled address, whatever it claims to be, waits too.
        assert token_request(client, PASSWORD, forwarded="192.0.2.99").status_code == 429
        assert token_request(Client(REMOTE_ADDR="203.0.113.8"), PASSWORD).status_code == 200

    def test_behind_a_trusted_proxy_each_client_has_its_own_count(self, settings):
        settings.FACTDESK_TRUSTED_PROXIES = parse_networks("127.0.0.1")
        make_user("editor", username="nina")
        proxy = Client(REMOTE_ADDR="127.0.0.1")
        codes = [token_request(proxy, "wrong", forwarded="198.51.100.1").status_code for _ in range(21)]
        assert codes[-1] == 429
        assert token_request(proxy, PASSWORD, forwarded="198.51.100.2").status_code == 200


@pytest.mark.django_db
class LoginThrottleTests:
    def test_login_failures_are_counted_in_the_shared_cache_per_real_address(self, editor):
        client = Client(REMOTE_ADDR="203.0.113.7")
        for i in range(logins.MAX_FAILURES):
            client.post(
                "/accounts/login/",
                {"username": editor.username, "password": "wrong"},
                HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
            )
        response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
        assert "Too many failed log-ins" in response.content.decode()
        assert "_auth_user_id" not in client.session
        request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
        assert caches["throttle"].get(logins._key(request, editor.username)) == logins.MAX_FAILURES
