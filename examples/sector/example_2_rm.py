"""PySector README example 2: remove a path ('/mydir') from the Sector file system.

    python example_2_rm.py

Connection settings come from SECTOR_HOST / SECTOR_PORT / SECTOR_USER / SECTOR_PASSWORD /
SECTOR_CERT, defaulting to the README's values.
"""

import os
import sys

import sector

host = os.environ.get("SECTOR_HOST", "localhost")
port = int(os.environ.get("SECTOR_PORT", "6000"))
user = os.environ.get("SECTOR_USER", "test")
password = os.environ.get("SECTOR_PASSWORD", "xxx")
cert = os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert")

status = sector.init(host, port)
status = sector.login(user, password, cert)
if status < 0:
    sys.exit(f"login failed: {status}")
status = sector.rm("/mydir")
print(f"rm /mydir: {status}")
rm_status = status
status = sector.logout()
status = sector.closeclient()
sys.exit(0 if rm_status == 0 else 1)
