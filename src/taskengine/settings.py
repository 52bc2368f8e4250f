"""Settings, read from `TASKENGINE_*` environment variables in this one place."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import limits
import msgspec


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything configurable about a taskengine process."""

    data_dir: Path = Path("data")
    """TASKENGINE_DATA_DIR: folder for the SQLite file and local media (created on start)."""
    host: str = "127.0.0.1"
    """TASKENGINE_HOST: address `taskengine serve` binds to."""
    port: int = 8000
    """TASKENGINE_PORT: port `taskengine serve` listens on."""
    max_body_bytes: int = 1_048_576
    """TASKENGINE_MAX_BODY_BYTES: larger request bodies are refused with 413."""
    max_json_depth: int = 64
    """TASKENGINE_MAX_JSON_DEPTH: deeper JSON nesting is refused with 400."""
    log_level: str = "info"
    """TASKENGINE_LOG_LEVEL: debug, info, warning or error."""
    debug: bool = False
    """TASKENGINE_DEBUG: Litestar debug mode (tracebacks in responses); never in production."""
    database_url: str = ""
    """TASKENGINE_DATABASE_URL: postgresql://... or sqlite:///...; empty means an SQLite file in the data folder."""
    token_ttl_seconds: int = 30 * 24 * 3600
    """TASKENGINE_TOKEN_TTL_SECONDS: how long an auth token lives (default 30 days)."""
    commission_rate: str = "0.20"
    """TASKENGINE_COMMISSION_RATE: commission on worker payments for new requesters (default 0.20)."""
    public_url: str = ""
    """TASKENGINE_PUBLIC_URL: the service's own base URL, for links and local media (default http://HOST:PORT)."""
    worker_signup: bool = True
    """TASKENGINE_WORKER_SIGNUP: whether POST /worker/signup is open (operators can always create workers)."""
    sweep_seconds: int = 5
    """TASKENGINE_SWEEP_SECONDS: how often `serve` runs the due work of domain/scheduler.py."""

    # Media URLs in task definitions.
    allow_private_media_urls: bool = False
    """TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS: let tasks show media from loopback, private and local hosts."""

    # Rate limits: `limits` notation ("20/minute", "100 per hour", several joined by ";"); empty means none.
    rate_limits: bool = True
    """TASKENGINE_RATE_LIMITS: whether the limits below apply at all (benchmarks turn them off)."""
    rate_limit_storage_url: str = ""
    """TASKENGINE_RATE_LIMIT_STORAGE_URL: empty counts in each process; redis://host:6379/0 shares the counts."""
    rate_limit_token_per_account: str = "20/minute"
    """TASKENGINE_RATE_LIMIT_TOKEN_PER_ACCOUNT: token requests (requester and worker) per email."""
    rate_limit_token_per_address: str = "300/minute"
    """TASKENGINE_RATE_LIMIT_TOKEN_PER_ADDRESS: token requests per client address."""
    rate_limit_signup_per_account: str = "10/hour"
    """TASKENGINE_RATE_LIMIT_SIGNUP_PER_ACCOUNT: worker sign-ups per email."""
    rate_limit_signup_per_address: str = "300/hour"
    """TASKENGINE_RATE_LIMIT_SIGNUP_PER_ADDRESS: worker sign-ups per client address."""
    rate_limit_start_per_account: str = "60/minute"
    """TASKENGINE_RATE_LIMIT_START_PER_ACCOUNT: job starts per worker."""
    rate_limit_start_per_address: str = "1200/minute"
    """TASKENGINE_RATE_LIMIT_START_PER_ADDRESS: job starts per client address."""
    rate_limit_submit_per_account: str = "60/minute"
    """TASKENGINE_RATE_LIMIT_SUBMIT_PER_ACCOUNT: result submissions per worker."""
    rate_limit_submit_per_address: str = "1200/minute"
    """TASKENGINE_RATE_LIMIT_SUBMIT_PER_ADDRESS: result submissions per client address."""
    forwarded_allow_ips: str = "127.0.0.1"
    """TASKENGINE_FORWARDED_ALLOW_IPS: proxies trusted to say the client address (X-Forwarded-For), comma-separated."""
    cors_origins: str = ""
    """TASKENGINE_CORS_ORIGINS: browser origins allowed to call the API (comma-separated, or *); empty: none."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'taskengine.db').resolve()}"

    @property
    def cors_origin_list(self) -> list[str]:
        """The allowed browser origins; empty when CORS is off."""
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(name: str, raw: str, kind: type) -> object:
    if kind is bool:
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if kind is Path:
        return Path(raw)
    return raw


_LIMITS = {
    "port": (1, 65535),
    "max_body_bytes": (1024, 1 << 31),
    "max_json_depth": (4, 1000),
    "token_ttl_seconds": (60, 10 * 365 * 24 * 3600),
    "sweep_seconds": (1, 3600),
}
_LOG_LEVELS = {"debug", "info", "warning", "error"}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from `environ` (default: the process environment), then explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        name = f"TASKENGINE_{field.name.upper()}"
        if name in env:
            kind = type(field.default)
            values[field.name] = _parse(name, env[name], Path if isinstance(field.default, Path) else kind)
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key, (low, high) in _LIMITS.items():
        value = values.get(key)
        if isinstance(value, int) and not low <= value <= high:
            raise SettingsError(f"TASKENGINE_{key.upper()} must be between {low} and {high}, got {value}")
    url = values.get("database_url")
    if isinstance(url, str) and url and not url.startswith(("sqlite", "postgresql", "postgres://")):
        raise SettingsError(f"TASKENGINE_DATABASE_URL must be a postgresql:// or sqlite:/// URL, got {url!r}")
    rate = values.get("commission_rate")
    if isinstance(rate, str):
        try:
            ok = 0 <= Decimal(rate) < 1
        except InvalidOperation:
            ok = False
        if not ok:
            raise SettingsError(f"TASKENGINE_COMMISSION_RATE must be a decimal from 0 up to 1, got {rate!r}")
    level = values.get("log_level")
    if isinstance(level, str) and level.lower() not in _LOG_LEVELS:
        raise SettingsError(f"TASKENGINE_LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}, got {level!r}")
    _check_public_url(values.get("public_url"))
    _check_cors_origins(values.get("cors_origins"))
    _check_rate_limits(values)
    return Settings(**values)  # type: ignore[arg-type]


def _check_public_url(url: object) -> None:
    # Links and the media URL policy are built on it: it must be a plain origin with an optional path.
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        plain = not (parts.query or parts.fragment or "@" in parts.netloc or any(c.isspace() for c in url))
        if parts.scheme not in ("http", "https") or not parts.hostname or not plain:
            raise SettingsError(
                f"TASKENGINE_PUBLIC_URL must be an http(s) URL without credentials, spaces, query or fragment, "
                f"got {url!r}"
            )


def _check_cors_origins(origins: object) -> None:
    # Each must be what browsers send in Origin: scheme and host (and port), no path; or '*' alone.
    if not isinstance(origins, str) or not origins.strip():
        return
    items = [item.strip().rstrip("/") for item in origins.split(",")]
    if items == ["*"]:
        return
    for item in items:
        parts = urlsplit(item)
        plain = not (parts.path or parts.query or parts.fragment or "@" in parts.netloc or " " in item)
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            plain = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not plain:
            raise SettingsError(
                "TASKENGINE_CORS_ORIGINS must be empty (no CORS), '*', or origins like https://app.example.com "
                f"(scheme, host and optional port) separated by commas; got {item!r} in {origins!r}"
            )


_RATE_STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+unix")


def _check_rate_limits(values: dict[str, object]) -> None:
    for field in msgspec.structs.fields(Settings):
        value = values.get(field.name)
        if field.name.startswith("rate_limit_") and field.name.endswith(("_account", "_address")) and value:
            try:
                if any(item.amount < 1 for item in limits.parse_many(str(value))):
                    raise ValueError("a limit of zero refuses everything")
            except ValueError:
                raise SettingsError(
                    f"TASKENGINE_{field.name.upper()} must be a rate like '20/minute' or '100 per hour' "
                    f"(several joined by ';'), or empty for no limit; got {value!r}"
                ) from None
    proxies = values.get("forwarded_allow_ips")
    if isinstance(proxies, str):
        for item in (part.strip() for part in proxies.split(",")):
            try:
                if item not in ("*", ""):
                    ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise SettingsError(
                    f"TASKENGINE_FORWARDED_ALLOW_IPS must be '*' or IP addresses or networks separated by commas, "
                    f"got {proxies!r}"
                ) from None
    url = values.get("rate_limit_storage_url")
    if isinstance(url, str) and url and urlsplit(url).scheme not in _RATE_STORAGE_SCHEMES:
        raise SettingsError(
            f"TASKENGINE_RATE_LIMIT_STORAGE_URL must be empty (count in each process), memory:// or a "
            f"redis://, rediss:// or redis+unix:// URL, got {url!r}"
        )
