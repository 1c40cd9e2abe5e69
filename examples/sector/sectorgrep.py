"""Grep for a pattern inside a Sector file.

    python sectorgrep.py search_term file

Prints each line of the Sector file ``file`` that matches the regular expression
``search_term``. Connection settings come from SECTOR_HOST / SECTOR_PORT / SECTOR_USER /
SECTOR_PASSWORD / SECTOR_CERT, defaulting to 'localhost', 6000, 'test', 'xxx',
'/opt/sector/conf/master_node.cert'.
"""

import os
import re
import sys

import sector

if len(sys.argv) != 3:
    print("Usage: python sectorgrep.py search_term file")
    sys.exit(1)

searchterm = sys.argv[1]
path = sys.argv[2]

sector.init(os.environ.get("SECTOR_HOST", "localhost"),
            int(os.environ.get("SECTOR_PORT", "6000")))
status = sector.login(os.environ.get("SECTOR_USER", "test"),
                      os.environ.get("SECTOR_PASSWORD", "xxx"),
                      os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert"))
if status < 0:
    sys.exit(f"login failed: {status}")
f = sector.open(path, 1)
if isinstance(f, int):
    sys.exit(f"cannot open {path}: {f}")

p = re.compile(searchterm)


def show(line: bytes) -> None:
    text = line.decode("utf-8", errors="replace")
    if p.search(text):
        print(text)


pending = b""
while True:
    data = sector.read(f, 4096)
    if isinstance(data, int):
        sys.exit(f"read {path} failed: {data}")
    if len(data) == 0:
        break
    lines = (pending + data).split(b"\n")
    pending = lines.pop()  # a line cut at the end of this block continues in the next
    for line in lines:
        show(line)
if pending:
    show(pending)

sector.close(f)
sector.logout()
sector.closeclient()
