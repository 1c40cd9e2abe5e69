"""Writes third_party/licenses/<name>.txt for every library the wheel bundles (bundled.py), from
the Debian copyright file of the package that ships it, plus the full common licence texts
those files refer to. Run by hand on the build machine when the bundled set changes:

    python3 packaging/licence_texts.py

Existing texts (curl.txt, openssl.txt, ...) are left as they are.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from bundled import BUNDLED, COMMON_LICENCES

LICENCES = Path(__file__).resolve().parents[1] / "third_party" / "licenses"


def _deb_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> int:
    libraries: dict[str, list[str]] = defaultdict(list)
    packages: dict[str, str] = {}
    for library, entry in BUNDLED.items():
        libraries[entry.licence_file].append(library)
        packages.setdefault(entry.licence_file, entry.debian_package)
    for name, package in sorted(packages.items()):
        target = LICENCES / name
        if target.exists():
            continue
        source = Path("/usr/share/doc") / package / "copyright"
        spdx = " / ".join(sorted({BUNDLED[lib].spdx for lib in libraries[name]}))
        header = (f"{', '.join(libraries[name])} (Debian 12 package {package} "
                  f"{_deb_version(package)}), bundled in the storewire wheel\n"
                  f"SPDX-License-Identifier: {spdx}\n"
                  f"Taken from {source}; the full texts it refers to are in "
                  "common-licenses-*.txt beside this file.\n\n")
        target.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"wrote {target.name} from {source}")
    for common in COMMON_LICENCES:
        target = LICENCES / f"common-licenses-{common}.txt"
        source = Path("/usr/share/common-licenses") / common
        text = f"Taken from {source} (Debian 12).\n\n" + source.read_text(encoding="utf-8")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
