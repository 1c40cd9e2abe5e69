"""Sector 2.x emulator: a master speaking the real wire protocol (``protocols/sector.md``).

    from storewire.emulators.sector import SectorEmulator

    with SectorEmulator() as master:
        print(master.host, master.port, master.user, master.password, master.cert_path)

TLS 1.0-capable login with a self-signed ``master_node.cert``, GMP over UDP with ACKs,
retransmission and duplicate suppression, large messages over UDT, and the namespace
commands (ls, stat, mkdir, mv, rm, cp, utime, sysinfo, df). Slaves (file data over the
UDT data channel) are not emulated yet.
"""

from .master import SectorEmulator, UserAccount

__all__ = ["SectorEmulator", "UserAccount"]
