"""V3IO (Iguazio) data-plane client — placeholder until the V3IO issue lands.

It will provide the official SDK's surface as a drop-in: ``v3io.dataplane.Client`` (endpoint
from ``V3IO_API``, access key from ``V3IO_ACCESS_KEY``) with its method names and
``Response`` (``status_code``, ``output``, ``headers``, ``body``), ``RaiseForStatus``,
batches, containers, objects, KV items and streams — batches run in parallel on
storewire's native HTTP engine.
"""
