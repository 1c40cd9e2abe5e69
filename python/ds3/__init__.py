"""DS3 (Spectra BlackPearl) client — placeholder until the DS3 issue lands.

It will provide the original ds3_python_sdk 1.x API as a drop-in (``from ds3 import ds3``;
``ds3.createClientFromEnv()`` reading ``DS3_ENDPOINT``/``DS3_ACCESS_KEY``/``DS3_SECRET_KEY``
and ``http_proxy``; ``Ds3Client(endpoint, Credentials(...), proxy=)`` with ``getService``,
``putBucket``, ``putObject``, ``getObject``, ``putBulk``, ``getBulk``, ``allocateChunk``,
``getAvailableChunks``, jobs, ...), plus a high-level helper that runs a whole bulk job in
parallel from/to files on storewire's native HTTP engine.
"""
