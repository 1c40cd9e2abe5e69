"""Checks a repaired wheel (run by packaging/build-wheel.sh) and prints what it carries.

- its platform tag is manylinux and ``auditwheel show`` finds nothing outside that policy;
- pugixml and UDT are linked in, not grafted;
- every library auditwheel grafted into storewire.libs/ is listed in bundled.py, and its
  licence text is in the wheel's .dist-info/licenses/.

    python packaging/check_wheel.py dist/storewire-*.whl
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from bundled import BUNDLED, library_name

LINKED_IN = ("libpugixml", "libudt")


def _fail(message: str) -> int:
    print(f"check_wheel: {message}", file=sys.stderr)
    return 1


def main() -> int:
    wheel = Path(sys.argv[1])
    tag = wheel.stem.split("-")[-1]
    if not tag.startswith("manylinux_"):
        return _fail(f"{wheel.name}: platform tag {tag} is not a manylinux tag")
    show = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)],
                          capture_output=True, text=True, check=False)
    text = " ".join(show.stdout.split())
    if show.returncode != 0 or f'consistent with the following platform tag: "{tag}"' not in text:
        return _fail(f"auditwheel show disagrees with {tag}:\n{show.stdout}{show.stderr}")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    grafted = sorted(Path(n).name for n in names
                     if n.startswith("storewire.libs/") and not n.endswith("/"))
    licences = {Path(n).name for n in names if re.search(r"\.dist-info/licenses/", n)}
    problems = []
    for file_name in grafted:
        library = library_name(file_name)
        if library in LINKED_IN:
            problems.append(f"{file_name}: should be linked from its static archive")
        elif library not in BUNDLED:
            problems.append(f"{file_name}: not in packaging/bundled.py (licence unknown)")
        elif BUNDLED[library].licence_file not in licences:
            problems.append(f"{file_name}: {BUNDLED[library].licence_file} is not in the wheel")
    if problems:
        return _fail("\n".join(problems))
    size = wheel.stat().st_size
    print(f"{wheel.name}: {size / 1e6:.2f} MB, tag {tag}; auditwheel show: nothing outside "
          f"the policy")
    print(f"bundled ({len(grafted)}, each with its licence text): "
          + ", ".join(library_name(n) for n in grafted))
    print("linked in from static archives: pugixml, UDT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
