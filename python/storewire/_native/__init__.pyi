"""Private native core of storewire (pybind11). Import the public packages instead."""

from . import auth as auth
from . import ds3 as ds3
from . import http as http
from . import sector as sector
from . import v3io as v3io
from . import xml as xml

__version__: str

def build_info() -> dict[str, str]:
    """Build type, compiler and the versions of the linked native libraries.

    Keys: version, build_type, compiler, optimised ("yes"/"no": what the compiler did),
    curl, openssl, pugixml, udt, static_libs (comma-separated: the libraries linked from
    static archives) and sanitizers.
    """
