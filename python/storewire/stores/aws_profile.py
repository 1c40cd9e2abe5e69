"""The AWS shared files: ``~/.aws/credentials`` and ``~/.aws/config`` profiles.

The same files and variables the AWS CLI reads (``AWS_SHARED_CREDENTIALS_FILE``,
``AWS_CONFIG_FILE``, ``AWS_PROFILE``); only the static keys, the region and the
``endpoint_url`` are taken (no SSO, no assume-role).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping

from storewire import errors

__all__ = ["profile_settings"]


def _read(path: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise errors.InvalidRequestError(f"cannot read the AWS file {path}: {exc}") from None
    return parser


def profile_settings(profile: str | None, env: Mapping[str, str] | None = None
                     ) -> dict[str, str]:
    """``access_key``/``secret_key``/``session_token``/``region``/``endpoint`` of the
    profile (``profile``, else ``$AWS_PROFILE``, else ``default``); the keys it sets.

    A profile named explicitly that neither file has is an ``InvalidRequestError``;
    a missing ``default`` is simply empty.
    """
    environ = os.environ if env is None else env
    name = profile or environ.get("AWS_PROFILE") or "default"
    home = os.path.expanduser("~")
    creds = _read(environ.get("AWS_SHARED_CREDENTIALS_FILE")
                  or os.path.join(home, ".aws", "credentials"))
    config = _read(environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"))
    section = name if name == "default" else f"profile {name}"
    found: dict[str, str] = {}
    if config.has_section(section):
        found.update(config[section])
    if creds.has_section(name):
        found.update(creds[name])
    if not found and name != "default":
        raise errors.InvalidRequestError(f"no AWS profile {name!r} in the shared files",
                                         operation="profile", resource=name)
    names = {"aws_access_key_id": "access_key", "aws_secret_access_key": "secret_key",
             "aws_session_token": "session_token", "region": "region",
             "endpoint_url": "endpoint"}
    return {ours: found[theirs] for theirs, ours in names.items() if found.get(theirs)}
