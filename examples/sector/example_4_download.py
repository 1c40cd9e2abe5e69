"""PySector README example 4: download a file from Sector to the local file system.

    python example_4_download.py [LOCAL_FILE]

Copies '/SectorModule.cpp' from Sector to LOCAL_FILE (default: the README's
'/tmp/SectorModule.cpp'). Connection settings come from SECTOR_HOST / SECTOR_PORT /
SECTOR_USER / SECTOR_PASSWORD / SECTOR_CERT, defaulting to the README's values.
"""

import os
import sys

import sector

host = os.environ.get("SECTOR_HOST", "localhost")
port = int(os.environ.get("SECTOR_PORT", "6000"))
user = os.environ.get("SECTOR_USER", "test")
password = os.environ.get("SECTOR_PASSWORD", "xxx")
cert = os.environ.get("SECTOR_CERT", "/opt/sector/conf/master_node.cert")
local = sys.argv[1] if len(sys.argv) > 1 else "/tmp/SectorModule.cpp"

status = sector.init(host, port)
status = sector.login(user, password, cert)
if status < 0:
    sys.exit(f"login failed: {status}")
status = sector.download("/SectorModule.cpp", local)
print(f"download /SectorModule.cpp -> {local}: {status}")
download_status = status
status = sector.logout()
status = sector.closeclient()
sys.exit(0 if download_status == 0 else 1)
