"""A file left open and idle for longer than UDT's 60 s receive timeout still works: the
data channel must treat that timeout as "keep waiting"."""

from __future__ import annotations

import time

READ, WRITE = 1, 2
IDLE_S = 65  # just past the 60 s receive timeout that Sector sets on data sockets


def test_files_idle_for_more_than_a_minute_stay_usable(client, rng):
    data = rng.randbytes(100_000)
    writer = client.open("/idle/w.bin", WRITE)
    writer.write(data[:50_000])
    reader_src = rng.randbytes(10_000)
    client.open("/idle/r.bin", WRITE).close()
    f = client.open("/idle/r.bin", WRITE)
    f.write(reader_src)
    f.close()
    reader = client.open("/idle/r.bin", READ)
    assert reader.read(10) == reader_src[:10]
    time.sleep(IDLE_S)  # nothing crosses the data channel meanwhile
    writer.write(data[50_000:])
    writer.close()
    assert reader.read(20_000) == reader_src[10:]
    reader.close()
    check = client.open("/idle/w.bin", READ)
    assert check.read(200_000) == data
    check.close()
