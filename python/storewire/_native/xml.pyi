"""Small pugixml helpers for DS3 and S3 bodies: a read-only ElementTree-like view for
responses and a compact writer for request bodies.

Lookups ignore namespaces: S3 responses carry a default ``xmlns``, DS3 responses none, and
``find("Contents/Key")`` works on both. Paths support names, ``*``, ``.`` and ``//`` (any
depth, e.g. ``".//Key"``); a ``{uri}`` or ``prefix:`` on a name is ignored.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeAlias

from typing_extensions import Buffer

_Text: TypeAlias = str | int  # bool renders as true/false, int in decimal
_Attrib: TypeAlias = Mapping[str, _Text]
_Content: TypeAlias = _Text | Sequence[_Node] | None
_Node: TypeAlias = tuple[str, _Content] | tuple[str, _Attrib | None, _Content]

class Element:
    """An element of a parsed document; keeps the whole document alive. Iterating yields
    the child elements. Always truthy, unlike ElementTree's childless elements."""

    @property
    def tag(self) -> str:
        """Local name, without namespace prefix or URI."""
    @property
    def text(self) -> str:
        """The element's own text and CDATA, entities decoded ('' if none)."""
    @property
    def attrib(self) -> dict[str, str]:
        """Attributes as a new dict (namespace declarations left out)."""
    def get(self, key: str, default: str | None = None) -> str | None:
        """An attribute's value, or ``default``."""
    def find(self, path: str) -> Element | None:
        """First element matching ``path``, or None."""
    def findall(self, path: str) -> list[Element]:
        """All elements matching ``path``, in document order."""
    def findtext(self, path: str, default: str | None = None) -> str | None:
        """Text of the first match ('' if it has none), or ``default`` without a match."""
    def __iter__(self) -> Iterator[Element]: ...
    def __len__(self) -> int:
        """Number of child elements."""
    def __bool__(self) -> bool: ...
    def __getitem__(self, index: int) -> Element: ...

def parse(data: Buffer | str) -> Element:
    """Parse a document (UTF-8, or UTF-16/32 with a BOM) and return its root element.
    Malformed, empty or non-UTF-8 input raises ``storewire.errors.ProtocolError`` (so can
    reading text that a UTF-16/32 document encoded invalidly)."""

class Writer:
    """Builds compact, namespace-free XML (no whitespace between elements). Methods return
    the writer, so calls chain::

        w = Writer()
        w.start("Delete").element("Quiet", True)
        for key in keys:
            w.start("Object").element("Key", key).end()
        body = w.end().getvalue()

    Text and attribute values are escaped; characters XML cannot carry (control characters
    other than tab, LF, CR) raise ``storewire.errors.InvalidRequestError``.
    """

    def __init__(self, *, declaration: bool = False) -> None:
        """``declaration`` starts the document with ``<?xml version="1.0" ...?>``."""
    def start(self, tag: str, attrib: _Attrib | None = None) -> Writer: ...
    def text(self, text: _Text) -> Writer: ...
    def end(self) -> Writer:
        """Close the innermost element (``<a/>`` when it has no content)."""
    def element(self, tag: str, text: _Text | None = None, attrib: _Attrib | None = None) -> Writer:
        """A whole element with optional text: ``start(tag, attrib).text(text).end()``."""
    @property
    def depth(self) -> int:
        """Number of elements still open."""
    def getvalue(self) -> bytes:
        """The UTF-8 document; InvalidRequestError while elements are open."""

def build(
    tag: str,
    content: _Content = None,
    attrib: _Attrib | None = None,
    *,
    declaration: bool = False,
) -> bytes:
    """Compact XML from a tree in one call. ``content`` is None, text, or a sequence of
    child nodes ``(tag, content)`` / ``(tag, attrib, content)``::

        build("Delete", [("Quiet", True), *(("Object", [("Key", k)]) for k in keys)])
        build("Objects", [("Object", {"Name": n, "Size": s}, None) for n, s in items])
    """
