"""The master's namespace: a tree of directories and files with Sector's rules.

Every operation returns a value or raises :class:`SectorFault` carrying the wire error
code. Paths are normalised the way the master does it before any lookup.
"""

from __future__ import annotations

import builtins
import threading
import time
from dataclasses import dataclass, field

from .codes import (
    E_EXIST,
    E_INVALID,
    E_NOEMPTY,
    E_NOEXIST,
    E_NOTDIR,
    E_PERMISSION,
    SectorFault,
)

REPLICA_DIST_UNLIMITED = 65536


LEGAL_NAME_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 $'()*+-.=?@_~")


def normalize(path: str) -> str:
    """``//a/./b/../c`` → ``/a/c``; the empty path is ``/``. As the real master does it,
    the path ends before the first name with a character outside :data:`LEGAL_NAME_CHARS`
    (``/a/b#c/d`` → ``/a``), or at a ``..`` above the root: no error is sent, the command
    acts on what is left."""
    parts: list[str] = []
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if not LEGAL_NAME_CHARS.issuperset(comp):
            break
        if comp == "..":
            if not parts:
                break  # above the root: the real master stops here too
            parts.pop()
            continue
        parts.append(comp)
    return "/" + "/".join(parts)


# A slave keeps every name as a file name on its disk, so no name can be longer than the
# file system allows, nor a path longer than PATH_MAX.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095


def check_new_name(path: str) -> None:
    """E_INVALID for a normalised path a slave could not store: checked before anything
    is created, so that a refused name leaves nothing half-made."""
    raw = path.encode("utf-8", "surrogateescape")
    if len(raw) > MAX_PATH_BYTES or any(len(c) > MAX_NAME_BYTES for c in raw.split(b"/")):
        raise SectorFault(E_INVALID)


def split(path: str) -> tuple[str, str]:
    """``/a/b`` → (``/a``, ``b``); ``/`` → (``/``, ``""``)."""
    parent, _, name = path.rpartition("/")
    return (parent or "/"), name


@dataclass
class Node:
    name: str
    is_dir: bool
    mtime: int
    size: int = 0
    children: dict[str, Node] = field(default_factory=dict)
    locations: list[tuple[str, int]] = field(default_factory=list)

    def clone(self, name: str) -> Node:
        copy = Node(name, self.is_dir, self.mtime, self.size, locations=list(self.locations))
        copy.children = {k: v.clone(k) for k, v in self.children.items()}
        return copy

    def total_size(self) -> int:
        return self.size if not self.is_dir else sum(c.total_size() for c in self.children.values())


class Namespace:
    """Thread-safe metadata tree."""

    def __init__(self, replicas: int = 1) -> None:
        self._lock = threading.RLock()
        self.root = Node("/", True, int(time.time()))
        self.replicas = replicas

    # --- lookup -------------------------------------------------------------------------------

    def _find(self, path: str) -> Node | None:
        node = self.root
        for comp in [c for c in path.split("/") if c]:
            if not node.is_dir:
                return None
            child = node.children.get(comp)
            if child is None:
                return None
            node = child
        return node

    def _get(self, path: str) -> Node:
        node = self._find(path)
        if node is None:
            raise SectorFault(E_NOEXIST)
        return node

    def _dir(self, path: str) -> Node:
        node = self._get(path)
        if not node.is_dir:
            raise SectorFault(E_NOTDIR)
        return node

    # --- serialisation ------------------------------------------------------------------

    def snode(self, node: Node, *, locations: bool = True, name: str | None = None) -> str:
        shown = node.name if name is None else name
        size = node.total_size() if node is self.root else (0 if node.is_dir else node.size)
        text = (f"{len(shown.encode())},{shown},{int(node.is_dir)},{node.mtime},{size},"
                f"{self.replicas},{self.replicas},{REPLICA_DIST_UNLIMITED}")
        if locations and not node.is_dir:
            text += "".join(f",{ip},{port}" for ip, port in node.locations)
        return text

    # --- operations ---------------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        with self._lock:
            return self._find(path) is not None

    def lookup(self, path: str) -> tuple[bool, int, int] | None:
        """(is_dir, size, mtime), or None when the path does not exist."""
        with self._lock:
            node = self._find(path)
            return None if node is None else (node.is_dir, node.size, node.mtime)

    def set_file(self, path: str, size: int, mtime: int | None) -> None:
        """Updates a file's size (and mtime) after a write, if the file still exists."""
        with self._lock:
            node = self._find(path)
            if node is not None and not node.is_dir:
                node.size = size
                node.mtime = int(time.time()) if mtime is None else mtime

    def stat(self, path: str) -> str:
        with self._lock:
            return self.snode(self._get(path))

    def list(self, path: str, *, locations: bool = True) -> str:
        with self._lock:
            node = self._dir(path)
            return "".join(self.snode(node.children[k], locations=locations) + ";"
                           for k in sorted(node.children))

    def mkdir(self, path: str) -> None:
        with self._lock:
            if self._find(path) is not None:
                raise SectorFault(E_EXIST)
            node = self.root
            now = int(time.time())
            for comp in [c for c in path.split("/") if c]:
                child = node.children.get(comp)
                if child is None:
                    child = node.children[comp] = Node(comp, True, now)
                elif not child.is_dir:
                    raise SectorFault(E_NOTDIR)
                node = child

    def add_file(self, path: str, size: int, mtime: int | None = None,
                 locations: builtins.list[tuple[str, int]] | None = None) -> None:
        """Creates or replaces a file entry (parents are created)."""
        with self._lock:
            parent, name = split(path)
            if not name:
                raise SectorFault(E_EXIST)
            if self._find(parent) is None:
                self.mkdir(parent)
            pdir = self._dir(parent)
            existing = pdir.children.get(name)
            if existing is not None and existing.is_dir:
                raise SectorFault(E_EXIST)
            pdir.children[name] = Node(name, False, int(time.time()) if mtime is None else mtime,
                                       size, locations=list(locations or []))

    def _target(self, src: str, dst: str) -> tuple[Node, Node, str]:
        """Move/copy rules: into an existing directory under src's name, or a rename whose
        parent must exist; an existing file at dst is E_EXIST."""
        if src == "/":
            raise SectorFault(E_PERMISSION)
        node = self._get(src)
        existing = self._find(dst)
        if existing is not None:
            if not existing.is_dir:
                raise SectorFault(E_EXIST)
            name = node.name
            target_dir = existing
        else:
            parent, name = split(dst)
            target_dir = self._dir(parent)
        if name in target_dir.children:
            raise SectorFault(E_EXIST)
        return node, target_dir, name

    def move(self, src: str, dst: str) -> tuple[str, str, str]:
        """Returns (src, dst parent dir, new name), the strings the reply carries."""
        with self._lock:
            node, target_dir, name = self._target(src, dst)
            dst_path = dst if self._find(dst) is None else normalize(f"{dst}/{name}")
            if node.is_dir and (dst_path == src or dst_path.startswith(src + "/")):
                raise SectorFault(E_PERMISSION)  # into itself
            sparent, sname = split(src)
            del self._dir(sparent).children[sname]
            node.name = name
            target_dir.children[name] = node
            return src, split(dst_path)[0], name

    def copy(self, src: str, dst: str) -> None:
        with self._lock:
            if src == dst:
                self._get(src)  # "one more replica": nothing to do without slaves
                return
            node, target_dir, name = self._target(src, dst)
            target_dir.children[name] = node.clone(name)

    def remove(self, path: str) -> None:
        with self._lock:
            if path == "/":
                raise SectorFault(E_PERMISSION)
            node = self._get(path)
            if node.is_dir and node.children:
                raise SectorFault(E_NOEMPTY)
            parent, name = split(path)
            del self._dir(parent).children[name]

    def utime(self, path: str, mtime: int) -> None:
        with self._lock:
            self._get(path).mtime = int(mtime)

    # --- replica locations --------------------------------------------------------------------

    def locations(self, path: str) -> builtins.list[tuple[str, int]]:
        with self._lock:
            node = self._find(path)
            return [] if node is None or node.is_dir else list(node.locations)

    def set_locations(self, path: str, locations: builtins.list[tuple[str, int]]) -> None:
        with self._lock:
            node = self._find(path)
            if node is not None and not node.is_dir:
                node.locations = list(locations)

    def add_location(self, path: str, location: tuple[str, int]) -> None:
        with self._lock:
            node = self._find(path)
            if node is not None and not node.is_dir and location not in node.locations:
                node.locations.append(location)

    def drop_location(self, location: tuple[str, int]) -> None:
        """Forgets every replica at ``location`` (its slave went down)."""
        with self._lock:
            for node in self._walk(self.root):
                if location in node.locations:
                    node.locations.remove(location)

    def bytes_at(self, location: tuple[str, int]) -> int:
        with self._lock:
            return sum(n.size for n in self._walk(self.root) if location in n.locations)

    def files(self) -> builtins.list[tuple[str, int, builtins.list[tuple[str, int]]]]:
        """(path, size, locations) of every file."""
        out: builtins.list[tuple[str, int, builtins.list[tuple[str, int]]]] = []
        with self._lock:
            def visit(node: Node, path: str) -> None:
                for name, child in node.children.items():
                    p = f"{path.rstrip('/')}/{name}"
                    if child.is_dir:
                        visit(child, p)
                    else:
                        out.append((p, child.size, list(child.locations)))
            visit(self.root, "/")
        return out

    def clear(self) -> None:
        with self._lock:
            self.root = Node("/", True, int(time.time()))

    def _walk(self, node: Node) -> builtins.list[Node]:
        out = [node]
        for child in node.children.values():
            out.extend(self._walk(child))
        return out

    def totals(self) -> tuple[int, int]:
        """(total file bytes, file count)."""
        with self._lock:
            def walk(n: Node) -> tuple[int, int]:
                if not n.is_dir:
                    return n.size, 1
                b = c = 0
                for child in n.children.values():
                    cb, cc = walk(child)
                    b += cb
                    c += cc
                return b, c
            return walk(self.root)
