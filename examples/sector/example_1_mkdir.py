"""PySector README example 1: create a new directory in Sector named '/mydir'.

    python example_1_mkdir.py

Connection settings come from SECTOR_HOST / SECTOR_PORT / SECTOR_USER / SECTOR_PASSWORD /
SECTOR_CERT (``storewire serve --env-file`` writes them), defaulting to the README's
'localhost', 6000, 'test', 'xxx', '/opt/sector/conf/master_node.cert'.
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
status = sector.mkdir("/mydir")
print(f"mkdir /mydir: {status}")
mkdir_status = status
status = sector.logout()
status = sector.closeclient()
sys.exit(0 if mkdir_status == 0 else 1)
