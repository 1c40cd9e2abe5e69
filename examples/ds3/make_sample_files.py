"""Creates the four text files the README examples send (seeded pseudo-text).

    python make_sample_files.py [DIR]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

NAMES = ("beowulf.txt", "sherlock_holmes.txt", "tale_of_two_cities.txt", "ulysses.txt")
WORDS = ("the", "sea", "hall", "baker", "street", "city", "night", "ship", "gold", "word")


def make(directory: Path, size_bytes: int = 200_000) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, name in enumerate(NAMES):
        rng = random.Random(i)
        words = []
        total = 0
        while total < size_bytes * (i + 1) // 2:
            word = rng.choice(WORDS)
            words.append(word)
            total += len(word) + 1
        path = directory / name
        path.write_text(" ".join(words) + "\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in make(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
