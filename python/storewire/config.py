"""Client configuration: explicit arguments first, then environment variables, then defaults.

Each field of a config dataclass is declared with :func:`setting`, which names the
environment variable(s) it reads and documents it; :func:`load` resolves the values.
An argument of ``None`` counts as "not given", so callers can pass their optional
parameters straight through. :func:`resolve` does the same on top of a ready config.
:func:`describe` lists every field with its variable and :func:`markdown_table` renders
it: the tables in README.md and docs/*-client.md are that text (tests/test_config_docs.py).

The HTTP engine's numeric defaults are declared once, in C++ (``cpp/http/types.h``), and
read here as :data:`NATIVE_DEFAULTS`; the fields below take their defaults from it.

Credentials are :class:`Secret` values: their ``repr``/``str``/``format`` show ``'***'``,
and the wrapped value is registered with :mod:`storewire.log` so it is masked even if
someone logs it after calling :meth:`Secret.reveal`.

Example — a system's config reuses the common fields with its own variable names::

    @dataclass(frozen=True, kw_only=True)
    class Ds3Config(ClientConfig):
        endpoint: str | None = setting(None, env="DS3_ENDPOINT", doc="DS3 endpoint URL")

    cfg = load(Ds3Config, endpoint=None)   # reads DS3_ENDPOINT
"""

from __future__ import annotations

import dataclasses
import hmac
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, Union

from . import log
from ._native import http as _http

__all__ = [
    "NATIVE_DEFAULTS",
    "ClientConfig",
    "Secret",
    "Setting",
    "describe",
    "load",
    "markdown_table",
    "require",
    "resolve",
    "setting",
]

#: The HTTP engine's defaults, declared once in C++ (``cpp/http/types.h``).
NATIVE_DEFAULTS: Mapping[str, Any] = types.MappingProxyType(_http.defaults())

T = TypeVar("T")
C = TypeVar("C")


class Secret:
    """A secret string that never shows itself in a ``repr``, ``str``, f-string or log.

    Use :meth:`reveal` at the single place that needs the value (signing a request).
    Equality compares in constant time; pickling keeps the value (it is data, not text).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise TypeError(f"Secret wraps a str, not {type(raw).__name__}")
        self._value = raw
        log.register_secret(raw)

    def reveal(self) -> str:
        """The wrapped value. Do not log it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{log.MASK}')"

    def __str__(self) -> str:
        return log.MASK

    def __format__(self, spec: str) -> str:
        return format(log.MASK, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


@dataclass(frozen=True)
class Setting:
    """One documented field of a config: its environment variables, default, help text."""

    name: str
    env: tuple[str, ...]
    default: Any
    doc: str
    secret: bool


def setting(
    default: T,
    *,
    env: str | tuple[str, ...] = (),
    doc: str = "",
) -> T:
    """Declare a config field read from ``env`` (first one set wins) when not passed."""
    names = (env,) if isinstance(env, str) else tuple(env)
    field: T = dataclasses.field(default=default, metadata={"env": names, "doc": doc})
    return field


def _engine_setting(*, option: str, doc: str) -> Any:
    """A field that is the engine's ``option``: its default is the engine's own, never a
    copy, and it reads ``STOREWIRE_<OPTION>``."""
    return setting(NATIVE_DEFAULTS[option], env=f"STOREWIRE_{option.upper()}", doc=doc)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected a boolean (1/0, true/false, yes/no, on/off), got {text!r}")


_PARSERS: dict[Any, Callable[[str], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: _parse_bool,
    Secret: Secret,
}


def _base_type(hint: Any) -> Any:
    # ``X | None`` and ``Optional[X]`` parse as X.
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _coerce(value: Any, hint: Any, source: str) -> Any:
    base = _base_type(hint)
    parser = _PARSERS.get(base)
    if parser is None:
        return value
    if base is Secret:
        return value if isinstance(value, Secret) else Secret(value)
    if isinstance(value, str) and base is not str:
        try:
            return parser(value)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def load(cls: type[C], env: Mapping[str, str] | None = None, **overrides: Any) -> C:
    """Build ``cls`` from ``overrides`` (``None`` = not given), then ``env``, then defaults.

    ``env`` defaults to ``os.environ``; an empty variable counts as unset. Values from
    the environment are parsed to the field's type; a bad one raises ``ValueError``
    naming the variable.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    environ = os.environ if env is None else env
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    unused: frozenset[str] = getattr(cls, "unused_fields", frozenset())
    for name, f in fields.items():
        given = overrides.get(name)
        if given is not None:
            values[name] = _coerce(given, hints[name], f"argument {name}")
            continue
        if name in unused:
            continue  # a variable the client would ignore is not read either
        for var in f.metadata.get("env", ()):
            text = environ.get(var)
            if text:
                values[name] = _coerce(text, hints[name], f"environment variable {var}")
                break
    return cls(**values)


def resolve(cls: type[C], config: C | None = None, **overrides: Any) -> C:
    """``config`` (or, when None, :func:`load` of ``cls``) with the given ``overrides``.

    This is how a client takes both a ready config and keyword arguments: an argument
    of ``None`` keeps the config's value.
    """
    if config is None:
        return load(cls, **overrides)
    if not isinstance(config, cls):
        raise TypeError(f"config must be a {cls.__name__}, not {type(config).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    given = {
        name: _coerce(value, hints[name], f"argument {name}")
        for name, value in overrides.items()
        if value is not None
    }
    return dataclasses.replace(config, **given)  # type: ignore[type-var]


def require(config: Any, *names: str) -> None:
    """Raise ``ValueError`` naming the argument and variables of the first unset field."""
    for name in names:
        value = getattr(config, name)
        if value is None or value == "" or (isinstance(value, Secret) and not value):
            f = next(f for f in dataclasses.fields(config) if f.name == name)
            where = " or ".join(f.metadata.get("env", ())) or "nothing"
            raise ValueError(f"{name} must be passed to the client or set in {where}")


def describe(cls: type) -> list[Setting]:
    """Every field of config class ``cls`` with its variables, default and help text."""
    hints = typing.get_type_hints(cls)
    unused: frozenset[str] = getattr(cls, "unused_fields", frozenset())
    out = []
    for f in dataclasses.fields(cls):
        if f.name in unused:
            continue
        default = None if f.default is dataclasses.MISSING else f.default
        out.append(
            Setting(
                name=f.name,
                env=tuple(f.metadata.get("env", ())),
                default=default,
                doc=f.metadata.get("doc", ""),
                secret=_base_type(hints[f.name]) is Secret,
            )
        )
    return out


def _shown(row: Setting) -> str:
    if row.default is None or row.secret:
        return "—"
    if isinstance(row.default, bool):
        return f"`{str(row.default).lower()}`"
    return f"`{row.default}`"


def markdown_table(cls: type) -> str:
    """The Markdown table of :func:`describe` that the docs embed (a test keeps them equal)."""
    lines = ["| field | environment variable | default | meaning |", "|---|---|---|---|"]
    for row in describe(cls):
        env = ", ".join(f"`{v}`" for v in row.env) or "(argument only)"
        doc = row.doc + ("; a `Secret`" if row.secret else "")
        lines.append(f"| `{row.name}` | {env} | {_shown(row)} | {doc} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """What every storewire client needs: where, who, how long, through what.

    The system clients subclass it to read their original SDK's variables:
    ``ds3.config.Config``, ``s3.config.Config``, ``v3io.dataplane.config.Config`` and
    ``sector.config.Config``; the ``STOREWIRE_*`` names here are the common ones.
    The standard ``http_proxy``/``https_proxy``/``no_proxy`` variables are honoured by the
    HTTP engine itself unless ``use_env_proxy`` is false. A subclass lists the inherited
    fields it does not use in ``unused_fields``: they are neither read nor documented.
    """

    unused_fields: ClassVar[frozenset[str]] = frozenset()

    endpoint: str | None = setting(
        None, env="STOREWIRE_ENDPOINT", doc="Base URL of the service, e.g. http://host:8080"
    )
    # RUF009 does not know that setting() is dataclasses.field(); the default is None.
    access_key: Secret | None = setting(  # noqa: RUF009
        None, env="STOREWIRE_ACCESS_KEY", doc="Access key id (or V3IO access key)"
    )
    secret_key: Secret | None = setting(  # noqa: RUF009
        None, env="STOREWIRE_SECRET_KEY", doc="Secret key used to sign requests"
    )
    region: str = setting("us-east-1", env="STOREWIRE_REGION", doc="Region for SigV4 signing")
    # The engine's options: _engine_setting takes each default from NATIVE_DEFAULTS.
    connect_timeout_s: float = _engine_setting(
        option="connect_timeout_s", doc="Seconds to establish a connection"
    )
    timeout_s: float = _engine_setting(
        option="timeout_s", doc="Seconds for a whole request; 0 = no limit"
    )
    low_speed_time_s: float = _engine_setting(
        option="low_speed_time_s",
        doc="Abort a transfer that moves (almost) nothing for this many seconds",
    )
    max_in_flight: int = _engine_setting(
        option="max_in_flight", doc="Requests one client runs concurrently"
    )
    max_retries: int = _engine_setting(
        option="max_retries", doc="Retries after a connection error, 5xx or 503"
    )
    retry_max_delay_s: float = _engine_setting(
        option="retry_max_delay_s", doc="Longest wait between two retries (the backoff's cap)"
    )
    proxy: str | None = setting(
        None, env="STOREWIRE_PROXY", doc="Explicit proxy URL; overrides http(s)_proxy"
    )
    use_env_proxy: bool = _engine_setting(
        option="use_env_proxy", doc="Honour http_proxy/https_proxy/no_proxy"
    )
    verify_tls: bool = _engine_setting(
        option="verify_tls", doc="Verify TLS certificates (keep it on)"
    )
    ca_file: str | None = setting(
        None, env="STOREWIRE_CA_FILE", doc="PEM bundle of CAs to trust instead of the system's"
    )

    def http_options(self) -> dict[str, Any]:
        """Keyword arguments for ``storewire._native.http.Client`` from this config."""
        options: dict[str, Any] = {
            "max_in_flight": self.max_in_flight,
            "connect_timeout_s": self.connect_timeout_s,
            "timeout_s": self.timeout_s,
            "low_speed_time_s": self.low_speed_time_s,
            "use_env_proxy": self.use_env_proxy,
            "verify_tls": self.verify_tls,
            "max_retries": self.max_retries,
            "retry_max_delay_s": self.retry_max_delay_s,
        }
        if self.proxy:
            options["proxy"] = self.proxy
        if self.ca_file:
            options["ca_file"] = self.ca_file
        return options
