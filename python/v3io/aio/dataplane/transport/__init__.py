"""The official ``v3io.aio.dataplane.transport`` package (``aiohttp``)."""
