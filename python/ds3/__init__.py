"""DS3 (Spectra BlackPearl) client.

- ``ds3.Client``: the modern snake_case client with whole-job helpers
  (``put_files`` / ``get_files``) run by the native bulk engine, and the verbs the four
  modern clients share (``ls``, ``get``, ``put``, ``get_many`` ...: docs/verbs.md).
- ``from ds3 import ds3``: the original ds3_python_sdk 1.x API, unchanged
  (``ds3.createClientFromEnv()``, ``ds3.Ds3Client(endpoint, ds3.Credentials(...))``,
  ``putBulk``, ``getAvailableChunks``, ``putObject``, ...), a thin layer over ``Client``.
"""

from .client import Client, metadata_dict
from .config import Config

__all__ = ["Client", "Config", "metadata_dict"]
