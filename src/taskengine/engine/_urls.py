"""Which hosts a task may point a worker's phone (or a preview page) at: a pure function of the URL's spelling.

Tasks are shown on phones and in browsers, which fetch every media URL they contain. A URL naming an internal
host (loopback, a private network, a cloud metadata service) turns those fetchers against the networks they sit
in, and credentials in a URL are shown to every worker. So, unless the operator allows private hosts, a media URL
must name a public host; the service's own origin (its public URL) is always allowed.

The host is read the way browsers read it (the WHATWG URL standard), so that every spelling a browser turns into
an internal address is refused: `http://2130706433/`, `http://0x7f.1/`, `http://127.1/`, `http://0177.0.0.1/`,
percent-encoded or full-width digits, `[::ffff:127.0.0.1]`. Names are judged by their spelling only (no DNS:
the engine does no I/O); a public name that resolves to a private address is the fetcher's to refuse.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import msgspec.inspect as mi

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
# Top-level names that never reach the public internet: RFC 6761 (localhost), RFC 6762 (local), RFC 8375
# (home.arpa) and ICANN's private-use `internal` (where cloud metadata services live: metadata.google.internal).
_PRIVATE_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "localdomain")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # dots browsers accept between labels


class HostError(ValueError):
    """The URL's authority cannot be read as a browser would read it; the message says why."""


@dataclass(frozen=True)
class Authority:
    """The parts of a URL that say where it leads, normalised: `host` is a lower-case name or an address."""

    scheme: str
    host: str
    address: Address | None
    spelled: str
    """The host as the URL writes it (before browsers' decoding and mapping)."""
    port: int
    credentials: bool

    @property
    def origin(self) -> str:
        host = f"[{self.address.compressed}]" if isinstance(self.address, ipaddress.IPv6Address) else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _ipv4_number(part: str) -> int | None:
    """One dotted part as browsers read it: 0x.. hexadecimal, 0.. octal, otherwise decimal (None: not a number)."""
    digits, base = part, 10
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    if digits == "":
        return 0
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ends_in_number(labels: list[str]) -> bool:
    last = labels[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def _ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """The address a browser makes of a host that ends in a number: `127.1` and `2130706433` are 127.0.0.1."""
    numbers = [_ipv4_number(label) if label else None for label in labels]
    if len(labels) > 4 or any(n is None for n in numbers):
        raise HostError("has a host that is neither a name nor an IPv4 address")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise HostError("has an IPv4 address with a part out of range")
    number = values[-1]
    for i, n in enumerate(values[:-1]):
        number += n << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _name_or_address(raw: str) -> tuple[str, Address | None]:
    if raw.startswith("["):
        if not raw.endswith("]") or "%" in raw:
            raise HostError("has an IPv6 address that is not [hex:hex:...] (zone ids are not allowed)")
        try:
            v6 = ipaddress.IPv6Address(raw[1:-1])
        except ValueError:
            raise HostError("has a malformed IPv6 address") from None
        return v6.compressed, v6
    # Browsers percent-decode the host, then map it (NFKC, lower case, ideographic dots): `%31%32%37.0.0.1` and
    # full-width digits both become 127.0.0.1.
    try:
        host = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise HostError("has a host that is not UTF-8 once percent-decoded") from None
    host = unicodedata.normalize("NFKC", host).translate(_DOTS).lower()
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # a trailing dot names the same host
    if labels and labels[-1] and _ends_in_number(labels):
        v4 = _ipv4(labels)
        return str(v4), v4
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise HostError("has an international host name that is not valid") from None
        labels = host.rstrip(".").split(".")
    if not all(labels) or not set(host) <= _NAME_CHARS:
        raise HostError("has a host that is not a valid name")
    return ".".join(labels), None


def parse_authority(url: str) -> Authority:
    """Scheme, host, port and whether there are credentials, read as a browser reads an http(s) URL."""
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise HostError("must be an http:// or https:// URL")
    rest = rest.lstrip("/\\")  # browsers skip any number of slashes and backslashes after http:
    end = min((i for i in (rest.find(c) for c in "/\\?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    credentials = "@" in authority
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        close = hostport.find("]")
        host, port_text = hostport[: close + 1], hostport[close + 1 :]
        if close < 0 or (port_text and not port_text.startswith(":")):
            raise HostError("has a malformed IPv6 address")
        port_text = port_text[1:]
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise HostError("has no host")
    if port_text and not (port_text.isascii() and port_text.isdigit() and int(port_text) <= 65535):
        raise HostError("has a port that is not a number from 0 to 65535")
    name, address = _name_or_address(host)
    port = int(port_text) if port_text else _DEFAULT_PORTS[scheme]
    return Authority(scheme=scheme, host=name, address=address, spelled=host, port=port, credentials=credentials)


def _embedded_v4(v6: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address some IPv6 forms carry and that a network may route to: 6to4, Teredo, NAT64, compatible."""
    if v6.sixtofour is not None:
        return v6.sixtofour
    if v6.teredo is not None:
        return v6.teredo[1]
    if v6 in _NAT64:
        return ipaddress.IPv4Address(int(v6) & 0xFFFFFFFF)
    return None


def _internal(address: Address) -> str | None:
    """Why the address is not a public one (None if it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if int(address) >> 32 == 0:
            return "a loopback, unspecified or IPv4-compatible IPv6 address"
        embedded = _embedded_v4(address)
        if embedded is not None and _internal(embedded):
            return f"an IPv6 address carrying the internal IPv4 address {embedded}"
        if address.is_site_local:
            return "a site-local IPv6 address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or not address.is_global or address.is_reserved:
        return "a private or reserved address"
    return None


def _internal_name(name: str) -> str | None:
    if "." not in name:
        # A single label (localhost, metadata, intranet) is resolved through local search domains, never publicly.
        return "a single-label name, which only resolves inside a local network"
    if any(name == suffix or name.endswith("." + suffix) for suffix in _PRIVATE_SUFFIXES):
        return "a name reserved for local or private networks"
    return None


@dataclass(frozen=True)
class UrlPolicy:
    """What media URLs a task may contain; the engine applies it, the service builds it from its settings."""

    allow_private: bool = False
    """Allow internal hosts (loopback, private ranges, local names): for closed networks and development."""
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    """Origins (`scheme://host:port`, normalised) always allowed: the service's own public URL."""

    @classmethod
    def allowing(cls, *origins: str, allow_private: bool = False) -> UrlPolicy:
        """A policy that allows the origins of `origins` (URLs; their paths are ignored)."""
        return cls(allow_private, frozenset(parse_authority(url).origin for url in origins))

    def problem(self, url: str) -> str | None:
        """Why the URL may not be in a task (None when it may)."""
        try:
            authority = parse_authority(url)
        except HostError as exc:
            return str(exc)
        if authority.credentials:
            return "must not contain credentials (user@host or user:password@host)"
        if self.allow_private or authority.origin in self.allowed_origins:
            return None
        reason = _internal(authority.address) if authority.address is not None else _internal_name(authority.host)
        if reason is None:
            return None
        spelled = authority.spelled.lower().rstrip(".")
        shown = (
            authority.host if spelled in (authority.host, f"[{authority.host}]") else f"{spelled} ({authority.host})"
        )
        return f"must name a public host; {shown} is {reason}"


# -- where the URLs are -----------------------------------------------------------------------------------------

Step = tuple[str, str] | None
"""One step into decoded attributes: a field (Python name, wire name), or None for every item of a list."""

URL_MARK = "url"
"""The key `HttpUrl` sets in its Meta's `extra`: a field of that type holds a URL the policy applies to."""


def url_fields(struct: type) -> tuple[tuple[Step, ...], ...]:
    """The paths to every URL-typed field of a Struct type, however deep (nested Structs, lists, optionals).

    Read from the type, so a component's URLs are found by declaring them `HttpUrl`: nothing to list by hand.
    """
    found: list[tuple[Step, ...]] = []

    def walk(info: mi.Type, steps: tuple[Step, ...], inside: frozenset[type]) -> None:
        if isinstance(info, mi.Metadata):
            if (info.extra or {}).get(URL_MARK):
                found.append(steps)
            else:
                walk(info.type, steps, inside)
        elif isinstance(info, mi.StructType) and info.cls not in inside:
            for f in info.fields:
                walk(f.type, (*steps, (f.name, f.encode_name)), inside | {info.cls})
        elif isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
            walk(info.item_type, (*steps, None), inside)
        elif isinstance(info, mi.UnionType):
            for member in info.types:
                walk(member, steps, inside)

    walk(mi.type_info(struct), (), frozenset())
    return tuple(found)


def urls_at(value: object, fields: tuple[tuple[Step, ...], ...]) -> list[tuple[str, str]]:
    """(path, url) for every URL at `fields` in a decoded value; paths use wire names, like every Problem."""
    found: list[tuple[str, str]] = []

    def follow(node: object, steps: tuple[Step, ...], path: str) -> None:
        if not steps:
            if isinstance(node, str):
                found.append((path, node))
            return
        step, rest = steps[0], steps[1:]
        if step is None:
            if isinstance(node, list | tuple | set | frozenset):
                for i, item in enumerate(node):
                    follow(item, rest, f"{path}[{i}]")
        elif node is not None:
            python_name, wire_name = step
            follow(getattr(node, python_name, None), rest, f"{path}.{wire_name}" if path else wire_name)

    for steps in fields:
        follow(value, steps, "")
    return found
