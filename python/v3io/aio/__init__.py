"""The official SDK's asyncio API (``v3io.aio.dataplane``)."""
