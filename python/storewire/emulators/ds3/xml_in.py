"""Parsing of XML request bodies (bulk object lists, multi-delete)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .wire import DS3Error


def local(tag: str) -> str:
    """The tag without its namespace (boto3 sends the S3 namespace, DS3 clients none)."""
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes) -> ET.Element:
    """The root element; 400 for a body that is not well-formed XML.

    Expat (which ElementTree uses) refuses entity-expansion bombs since 2.4.1.
    """
    if not body.strip():
        raise DS3Error(400, "InvalidRequest", "a request body (XML) is required")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise DS3Error(400, "MalformedXML", f"the request body is not valid XML: {exc}") from exc


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """Direct children with the local name ``name``."""
    return [c for c in element if local(c.tag) == name]


def child_text(element: ET.Element, name: str) -> str | None:
    for c in element:
        if local(c.tag) == name:
            return c.text or ""
    return None
