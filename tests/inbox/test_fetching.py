"""The address guard (server-side request forgery) and the fetch client.

Address checks run on resolved addresses with the resolver replaced: no
test here sends a packet anywhere but 127.0.0.1.
"""

import gzip

import pytest
from django.test import override_settings

from tests.inbox.conftest import Route
from tracker.inbox import fetching

BLOCKED = [
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # cloud metadata service
    ("169.254.0.1", "link-local"),
    ("100.64.0.1", "private"),  # carrier-grade NAT
    ("100.127.255.254", "private"),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to refuse, not one to bind
    ("0.1.2.3", "private"),  # "this network"
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "private"),
    ("255.255.255.255", "private"),
    ("198.18.0.1", "private"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"),  # AWS metadata over IPv6
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("ff02::1", "multicast"),
    ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001:db8::1", "private"),  # documentation
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


class AddressCheckTests:
    @pytest.mark.parametrize(("address", "word"), BLOCKED)
    def test_non_public_addresses_are_refused(self, address, word):
        problem = fetching.address_problem(address)
        assert problem is not None
        assert word in problem

    @pytest.mark.parametrize("address", PUBLIC)
    def test_public_addresses_pass(self, address):
        assert fetching.address_problem(address) is None

    def test_garbage_is_not_an_address(self):
        assert fetching.address_problem("not-an-ip") == "not an IP address"


def resolving(monkeypatch, table: dict[str, list[str]]):
    calls = []

    def resolve(host, port):
        calls.append(host)
        return table[host]

    monkeypatch.setattr(fetching, "resolve", resolve)
    return calls


class CheckUrlTests:
    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "ftp://files.example/a",
            "gopher://news.example/",
            "javascript:alert(1)",
            "data:text/html,hi",
            "//news.example/a",
            "news.example/a",
        ],
    )
    def test_only_http_and_https_are_fetched(self, url):
        with pytest.raises(fetching.FetchRefused, match="http"):
            fetching.check_url(url)

    def test_file_url_names_the_scheme(self):
        with pytest.raises(fetching.FetchRefused) as refused:
            fetching.check_url("file:///etc/passwd")
        assert "not file:" in str(refused.value)
        assert refused.value.status == 400 and refused.value.field == "url"

    @pytest.mark.parametrize(("address", "word"), BLOCKED[:12] + BLOCKED[17:29])
    def test_a_name_resolving_to_a_blocked_address_is_refused(self, monkeypatch, address, word):
        resolving(monkeypatch, {"news.example": [address]})
        with pytest.raises(fetching.FetchRefused) as refused:
            fetching.check_url("https://news.example/story")
        assert address.split("%")[0] in str(refused.value) and word in str(refused.value)
        assert "FACTDESK_FETCH_ALLOWED_HOSTS" in str(refused.value)

    def test_one_blocked_address_among_public_ones_is_refused(self, monkeypatch):
        resolving(monkeypatch, {"news.example": ["93.184.215.14", "10.1.2.3"]})
        with pytest.raises(fetching.FetchRefused, match="10.1.2.3"):
            fetching.check_url("https://news.example/story")

    def test_a_public_name_gives_the_checked_address(self, monkeypatch):
        resolving(monkeypatch, {"news.example": ["93.184.215.14"]})
        target = fetching.check_url("https://News.Example:8443/a/b?c=d#frag")
        assert (target.scheme, target.host, target.port, target.address, target.path) == (
            "https",
            "news.example",
            8443,
            "93.184.215.14",
            "/a/b?c=d",
        )

    @override_settings(FACTDESK_FETCH_ALLOWED_HOSTS=["intranet.example"])
    def test_a_listed_host_may_be_private(self, monkeypatch):
        resolving(monkeypatch, {"intranet.example": ["10.0.0.7"], "other.example": ["10.0.0.8"]})
        assert fetching.check_url("http://intranet.example/page").address == "10.0.0.7"
        with pytest.raises(fetching.FetchRefused):
            fetching.check_url("http://other.example/page")

    @pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://[::1]/", "http://[fe80::1]/", "http://0.0.0.0:80/"])
    def test_ip_literals_are_checked_too(self, url):
        with pytest.raises(fetching.FetchRefused):
            fetching.check_url(url)

    def test_credentials_in_the_address_are_refused(self, monkeypatch):
        resolving(monkeypatch, {"news.example": ["93.184.215.14"]})
        with pytest.raises(fetching.FetchRefused, match="password"):
            fetching.check_url("https://user:secret@news.example/")

    @pytest.mark.parametrize("url", ["http://news.example:99999/", "http://[::1/", ""])
    def test_malformed_addresses_are_refused(self, url):
        with pytest.raises(fetching.FetchRefused):
            fetching.check_url(url)


class FetchTests:
    def test_a_listed_local_server_is_fetched(self, server):
        server.html("/page", "<p>Hello</p>")
        response = fetching.fetch(server.url("/page"))
        assert response.status == 200 and response.body == b"<p>Hello</p>"
        assert response.content_type == "text/html" and response.charset == "utf-8"
        assert server.requests[0].headers["user-agent"].startswith("Factdesk/")

    def test_another_loopback_address_is_refused_when_only_127_0_0_1_is_listed(self, server):
        server.html("/page", "<p>Hello</p>")
        with pytest.raises(fetching.FetchRefused) as refused:
            fetching.fetch(f"http://127.0.0.2:{server.port}/page")
        assert "127.0.0.2" in str(refused.value) and "loopback" in str(refused.value)
        assert server.requests == []

    def test_nothing_local_is_fetched_when_nothing_is_listed(self, server):
        server.html("/page", "<p>Hello</p>")
        with override_settings(FACTDESK_FETCH_ALLOWED_HOSTS=[]), pytest.raises(fetching.FetchRefused):
            fetching.fetch(server.url("/page"))
        assert server.requests == []

    @pytest.mark.parametrize(
        "location",
        ["http://127.0.0.2:{port}/secret", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"],
    )
    def test_a_redirect_to_a_refused_address_is_refused(self, server, location):
        server.routes["/go"] = Route(302, b"", {"Location": location.format(port=server.port)})
        server.html("/secret", "internal")
        with pytest.raises(fetching.FetchRefused):
            fetching.fetch(server.url("/go"))
        assert [r.path for r in server.requests] == ["/go"]

    def test_redirects_are_followed_and_recorded(self, server):
        server.routes["/old"] = Route(301, b"", {"Location": "/new"})
        server.html("/new", "<p>moved</p>")
        response = fetching.fetch(server.url("/old"))
        assert response.url == server.url("/new") and response.redirects == [server.url("/old")]

    def test_too_many_redirects_stop(self, server):
        for n in range(10):
            server.routes[f"/r{n}"] = Route(302, b"", {"Location": f"/r{n + 1}"})
        with pytest.raises(fetching.FetchError, match="redirects more than 5"):
            fetching.fetch(server.url("/r0"))
        assert len(server.requests) == 6

    def test_an_answer_past_the_size_limit_is_refused(self, server):
        server.html("/big", "x" * 5000)
        with override_settings(FACTDESK_FETCH_MAX_BYTES=2048), pytest.raises(fetching.FetchTooLarge, match="at most"):
            fetching.fetch(server.url("/big"))

    def test_a_compressed_answer_counts_at_its_unpacked_size(self, server):
        packed = gzip.compress(b"y" * 200_000)
        server.routes["/bomb"] = Route(200, packed, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        with override_settings(FACTDESK_FETCH_MAX_BYTES=100_000), pytest.raises(fetching.FetchTooLarge):
            fetching.fetch(server.url("/bomb"))

    def test_a_slow_server_times_out(self, server):
        server.routes["/slow"] = Route(200, b"late", {"Content-Type": "text/html"}, delay=3)
        with override_settings(FACTDESK_FETCH_TIMEOUT=1), pytest.raises(fetching.FetchError, match="did not answer"):
            fetching.fetch(server.url("/slow"))

    def test_a_closed_port_is_unreachable(self, server):
        port = server.port
        server.close()
        with pytest.raises(fetching.FetchError, match="cannot be reached"):
            fetching.fetch(f"http://127.0.0.1:{port}/")
        server.__init__()  # the fixture closes it again

    @override_settings(FACTDESK_FETCH_ALLOWED_HOSTS=["news.example"])
    def test_the_connection_goes_to_the_address_that_was_checked(self, server, monkeypatch):
        # The name is resolved once; the connection is made to that address
        # with the name in the Host header, so a second DNS answer (rebinding)
        # cannot send the request anywhere else.
        calls = resolving(monkeypatch, {"news.example": ["127.0.0.1"]})
        server.html("/story", "<p>story</p>")
        response = fetching.fetch(f"http://news.example:{server.port}/story")
        assert response.body == b"<p>story</p>"
        assert calls == ["news.example"]
        assert server.requests[0].headers["host"] == f"news.example:{server.port}"
