"""Sector 2.x emulator: masters and slaves speaking the real wire protocol.

    from storewire.emulators.sector import SectorEmulator

    with SectorEmulator(masters=2, slaves=3, replicas=2) as cluster:
        print(cluster.host, cluster.port, cluster.user, cluster.password, cluster.cert_path)

TLS 1.0-capable login with a self-signed ``master_node.cert``, GMP over UDP with ACKs,
retransmission and duplicate suppression, large messages over UDT, every namespace
command, routing between several masters, and slaves that store files on disk and serve
them over the UDT rendezvous data channel (optionally Blowfish-encrypted), with background
replication, reopen on another replica and fault knobs (drop / delay GMP, restart a
master, kill a slave).
"""

from .accounts import UserAccount
from .master import SectorEmulator

__all__ = ["SectorEmulator", "UserAccount"]
