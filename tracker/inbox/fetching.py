"""Fetching a URL from the desk's server without letting it reach what it must not (server-side request forgery).

Every fetch, every redirect of it and every webhook delivery goes through
``fetch()``: only http(s); the host's addresses are resolved once, every one
must be public (unless the host is listed in FACTDESK_FETCH_ALLOWED_HOSTS),
and the connection is made to the address that was checked, so a DNS answer
that changes between the check and the connection (rebinding) cannot steer
it elsewhere. Redirects are followed by hand, a few at most, each checked
again; the answer is read up to a size limit within a time limit.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

from tracker.errors import DeskError

MAX_REDIRECTS = 5
USER_AGENT = "Factdesk/1.0 (fact-check desk; +https://schema.org/ClaimReview)"
_CHUNK = 64 * 1024

# Ranges Python's ipaddress does not call private but that no public fetch may reach.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
]


class FetchError(DeskError):
    """A URL that cannot be fetched; the message says why (HTTP 422 on ``url``)."""

    status = 422
    field = "url"


class FetchRefused(FetchError):
    """A URL the desk will not fetch: not http(s), or an address it may not reach (HTTP 400 on ``url``)."""

    status = 400


class FetchTooLarge(FetchError):
    """The answer is larger than FACTDESK_FETCH_MAX_BYTES."""


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def allowed_hosts() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.FACTDESK_FETCH_ALLOWED_HOSTS}


def address_problem(address: str) -> str | None:
    """Return why a resolved address may not be fetched (e.g. "a private address"), or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address dressed as IPv6 reaches the IPv4 host: judge that one.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo is not None:
            return "a tunnelled (Teredo) address"
        if embedded is not None:
            problem = address_problem(str(embedded))
            return problem and f"{problem} (as {ip})"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (such as a cloud metadata service)"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "a unique-local (private) address"
    if ip.is_private or any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version):
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Return the addresses host resolves to (tests replace this; nothing else resolves names)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"The host {host} cannot be found ({exc}).") from None
    seen = []
    for info in infos:
        address = info[4][0]
        if address not in seen:
            seen.append(address)
    return seen


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection goes to
    path: str  # path and query


def check_url(url: str) -> Target:
    """Return where url may be fetched, or raise FetchRefused saying why not."""
    if not isinstance(url, str) or not url.strip():
        raise FetchRefused("Give the address of a web page (http:// or https://).")
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"This is not a valid web address: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchRefused(
            f"Only http:// and https:// addresses can be fetched, not {scheme + ':' if scheme else 'this'}."
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused("The address has no host name.")
    if parts.username or parts.password:
        raise FetchRefused("Addresses with a user name or password cannot be fetched.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = resolve(host, port)
    if not addresses:
        raise FetchError(f"The host {host} cannot be found.")
    if host not in allowed_hosts():
        for address in addresses:
            problem = address_problem(address)
            if problem:
                where = f"{host} is" if address == host else f"{host} resolves to {address},"
                raise FetchRefused(
                    f"{where} {problem}; the desk fetches only public addresses "
                    "(an administrator can list a host in FACTDESK_FETCH_ALLOWED_HOSTS)."
                )
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)


def _pool(target: Target, timeout: float):
    kwargs = {"timeout": urllib3.Timeout(connect=min(timeout, 10), read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        # Connect to the checked address; verify the certificate against the name asked for.
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host, **kwargs
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **kwargs)


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def fetch(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    follow_redirects: bool = True,
) -> Response:
    """Fetch url through the guard and return the final answer (any status); raise FetchError subclasses."""
    max_bytes = max_bytes or settings.FACTDESK_FETCH_MAX_BYTES
    timeout = float(timeout or settings.FACTDESK_FETCH_TIMEOUT)
    deadline = time.monotonic() + timeout
    redirects: list[str] = []
    current = url
    while True:
        target = check_url(current)
        request_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
        request_headers["Host"] = _host_header(target)
        pool = _pool(target, timeout)
        try:
            answer = pool.urlopen(
                method,
                target.path,
                body=body,
                headers=request_headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
                release_conn=False,
            )
            try:
                data = _read_limited(answer, max_bytes, deadline)
            finally:
                answer.release_conn()
        except urllib3.exceptions.NewConnectionError as exc:  # urllib3 files it under timeouts
            raise FetchError(f"{target.host} cannot be reached: {_reason(exc)}.") from None
        except urllib3.exceptions.TimeoutError:
            raise FetchError(f"{target.host} did not answer within {timeout:g} seconds.") from None
        except urllib3.exceptions.SSLError as exc:
            raise FetchError(f"The secure connection to {target.host} failed: {exc}.") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise FetchError(f"{target.host} cannot be reached: {_reason(exc)}.") from None
        finally:
            pool.close()
        response_headers = {name.lower(): value for name, value in answer.headers.items()}
        location = response_headers.get("location")
        if follow_redirects and answer.status in {301, 302, 303, 307, 308} and location:
            if len(redirects) >= MAX_REDIRECTS:
                raise FetchError(f"The page redirects more than {MAX_REDIRECTS} times.")
            redirects.append(current)
            current = urljoin(current, location)
            if answer.status == 303 or (answer.status in {301, 302} and method == "POST"):
                method, body = "GET", None
            continue
        return Response(url=current, status=answer.status, headers=response_headers, body=data, redirects=redirects)


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    # urllib3 names its connection object; people want the cause.
    return text.split(">: ", 1)[-1] if ">: " in text else text


def _read_limited(answer, max_bytes: int, deadline: float) -> bytes:
    declared = answer.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchTooLarge(_too_large(int(declared), max_bytes))
    chunks, size = [], 0
    for chunk in answer.stream(_CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchTooLarge(_too_large(None, max_bytes))
        if time.monotonic() > deadline:
            raise urllib3.exceptions.ReadTimeoutError(None, None, "the answer took too long")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int | None, limit: int) -> str:
    what = f"{size / (1024 * 1024):.1f} MB" if size else "larger than the limit"
    return f"The page is {what}; the desk fetches at most {limit / (1024 * 1024):.1f} MB."
