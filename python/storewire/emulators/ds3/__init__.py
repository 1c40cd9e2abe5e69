"""DS3 (Spectra BlackPearl) emulator: the S3 subset plus the Spectra ``/_rest_/`` API.

    from storewire.emulators.ds3 import DS3Emulator

    with DS3Emulator() as ds3:
        print(ds3.endpoint, ds3.access_key, ds3.secret_key)

The wire behaviour is that of a BlackPearl: compact namespace-free XML, SigV2 in both the
C and Python SDK flavours, exact success codes, bulk jobs with chunks, a cache that makes
allocation wait, Retry-After.
"""

from .emulator import DS3Emulator
from .faults import Faults
from .users import User

__all__ = ["DS3Emulator", "Faults", "User"]
