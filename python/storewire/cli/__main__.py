"""``python -m storewire.cli``: the ``storewire`` command."""

import sys

from storewire.cli import main

sys.exit(main())
