"""Sector client — placeholder until the Sector issue lands.

It will provide the PySector functional API as a drop-in (``sector.init``, ``login``,
``logout``, ``closeclient``, ``mkdir``, ``rm``, ``move``, ``open``, ``close``, ``read``,
``write``, ``upload``, ``download``, ``copy``, ``stat``, ``list``) and a Pythonic
``sector.Client`` / ``SectorFile``, wire-compatible with Sector 2.x masters and slaves
(TLS login, GMP over UDP, UDT data channel) through storewire's native core.
"""
