"""Files over the UDT rendezvous data channel: open / read / write / seek / flush / close,
upload and download with checksums, locks, many files open at once."""

from __future__ import annotations

import hashlib
import random
import threading

import pytest

from storewire import errors

READ, WRITE, TRUNC, APPEND, SECURE = 1, 2, 4, 8, 16


def payload(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def test_write_then_read_back_with_seek(master, client, rng):
    data = payload(rng, 300_000)
    f = client.open("/w/file.bin", WRITE)
    f.write(data[:100_000])
    f.write(memoryview(data)[100_000:])
    assert f.tell() == len(data)
    f.close()
    assert f.closed
    st = client.stat("/w/file.bin")
    assert st.size == len(data)
    assert st.locations == [(master.host, master.slave.data_port)]
    f = client.open("/w/file.bin", READ)
    assert f.size == len(data)
    assert f.read(10) == data[:10]
    f.seek(250_000)
    assert f.read(100_000) == data[250_000:]  # short read at the end
    assert f.read(1) == b""  # EOF
    f.seek(5)
    assert f.read(5) == data[5:10]
    f.close()


def test_random_writes_flush_and_mtime(master, client):
    f = client.open("/rw.bin", READ | WRITE)
    f.write(b"0123456789")
    f.seek(3)
    f.write(b"abc")
    f.flush()
    f.seek(0)
    assert f.read(100) == b"012abc6789"
    f.close()
    assert master.slave.local("/rw.bin").read_bytes() == b"012abc6789"
    assert client.stat("/rw.bin").size == 10


def test_append_mode_writes_at_the_end(master, client):
    master.add_file("/log.txt", 0, data=b"line1\n")
    f = client.open("/log.txt", WRITE | APPEND)
    f.write(b"line2\n")
    f.close()
    f = client.open("/log.txt", READ)
    assert f.read(100) == b"line1\nline2\n"
    f.close()


def test_truncate_empties_an_existing_file(master, client):
    master.add_file("/t.bin", 0, data=b"old content")
    f = client.open("/t.bin", WRITE | TRUNC)
    assert f.size == 0
    f.write(b"new")
    f.close()
    assert client.stat("/t.bin").size == 3


def test_upload_and_download_match_by_checksum(client, tmp_path, rng):
    src = tmp_path / "src.bin"
    src.write_bytes(payload(rng, 12_345_678))
    assert client.upload(src, "/up/src.bin") == 12_345_678
    assert client.stat("/up/src.bin").size == 12_345_678
    dst = tmp_path / "dst.bin"
    assert client.download("/up/src.bin", dst) == 12_345_678
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()


@pytest.mark.parametrize("encrypt", [False, True])
def test_upload_download_encrypted_or_not(client, tmp_path, rng, encrypt):
    src = tmp_path / "src.bin"
    src.write_bytes(payload(rng, 3_000_001))
    assert client.upload(src, "/enc/src.bin", encrypt=encrypt) == 3_000_001
    assert client.download("/enc/src.bin", tmp_path / "dst.bin", encrypt=encrypt) == 3_000_001
    assert (tmp_path / "dst.bin").read_bytes() == src.read_bytes()


def test_frame_cipher_matches_a_reference_blowfish(rng):
    pytest.importorskip("cryptography")
    from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from storewire._native import sector as native

    key, iv = rng.randbytes(16), rng.randbytes(8)

    def reference(chain_iv: bytes, data: bytes) -> bytes:
        padder = padding.PKCS7(64).padder()
        padded = padder.update(data) + padder.finalize()
        enc = Cipher(Blowfish(key), modes.CBC(chain_iv)).encryptor()
        return enc.update(padded) + enc.finalize()

    cipher = native.FrameCipher(key, iv, encrypt=True)
    first, second = rng.randbytes(100), rng.randbytes(4000)
    c1, c2 = cipher.apply(first), cipher.apply(second)
    assert c1 == reference(iv, first)
    assert c2 == reference(c1[-8:], second)  # the chain continues from frame to frame


def test_empty_file_upload_and_download(client, tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert client.upload(tmp_path / "empty", "/empty") == 0
    assert client.stat("/empty").size == 0
    assert client.download("/empty", tmp_path / "back") == 0
    assert (tmp_path / "back").read_bytes() == b""


def test_open_errors(master, client, tmp_path):
    with pytest.raises(errors.NotFoundError):
        client.open("/missing", READ)
    client.mkdir("/adir")
    with pytest.raises(errors.InvalidRequestError) as info:
        client.open("/adir", READ)
    assert info.value.code == "-1010"  # E_NOTFILE
    with pytest.raises(errors.LocalIOError):
        client.upload(tmp_path / "no-such-file", "/x")
    with pytest.raises(FileNotFoundError):
        client.download("/missing", tmp_path / "out")


def test_write_lock_excludes_others_until_close(master, client):
    f = client.open("/locked", WRITE)
    with pytest.raises(errors.ConflictError) as info:
        client.open("/locked", READ)
    assert info.value.code == "-1004"  # E_BUSY
    with pytest.raises(errors.ConflictError):
        client.remove("/locked")
    f.write(b"x")
    f.close()
    g = client.open("/locked", READ)
    h = client.open("/locked", READ)  # readers share
    assert g.read(1) == h.read(1) == b"x"
    g.close()
    h.close()
    client.remove("/locked")
    assert not master.slave.local("/locked").exists()


def test_closed_file_and_wrong_mode(client):
    f = client.open("/m", WRITE)
    with pytest.raises(errors.PermissionDeniedError):
        f.read(1)
    f.close()
    f.close()  # idempotent
    with pytest.raises(errors.InvalidRequestError) as info:
        f.write(b"late")
    assert info.value.code == "-1008"  # E_FILENOTOPEN


def test_many_files_open_at_once_share_one_connection(client, rng):
    blobs = {f"/many/f{i:02d}": payload(rng, 1000 + i) for i in range(24)}
    files = {path: client.open(path, WRITE) for path in blobs}
    for path, f in files.items():
        f.write(blobs[path])
    for f in files.values():
        f.close()
    readers = {path: client.open(path, READ) for path in blobs}
    for path, f in readers.items():
        assert f.read(10_000) == blobs[path]
    for f in readers.values():
        f.close()


def test_parallel_transfers_from_threads(client, tmp_path, rng):
    sources = []
    for i in range(4):
        p = tmp_path / f"s{i}"
        p.write_bytes(payload(rng, 2_000_000 + i))
        sources.append(p)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            client.upload(sources[i], f"/par/s{i}")
            client.download(f"/par/s{i}", tmp_path / f"d{i}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures
    for i in range(4):
        assert (tmp_path / f"d{i}").read_bytes() == sources[i].read_bytes()


def test_move_copy_and_rm_follow_the_data(master, client, tmp_path):
    master.add_file("/d/a.txt", 0, data=b"alpha")
    client.move("/d/a.txt", "/d/b.txt")
    client.copy("/d/b.txt", "/d/c.txt")
    client.download("/d/c.txt", tmp_path / "c")
    assert (tmp_path / "c").read_bytes() == b"alpha"
    client.rmr("/d")
    assert not master.slave.local("/d").exists()


def test_encrypted_write_read_and_chaining_across_frames(master, client, rng):
    data = payload(rng, 200_003)
    f = client.open("/secret.bin", WRITE | SECURE)
    for start in range(0, len(data), 50_000):  # several frames, one cipher chain
        f.write(data[start:start + 50_000])
    f.close()
    assert master.slave.local("/secret.bin").read_bytes() == data  # plain text on disk
    f = client.open("/secret.bin", READ | SECURE)
    got = b"".join(f.read(30_000) for _ in range(7))
    f.close()
    assert got == data
    # A new open starts again from the login IV.
    f = client.open("/secret.bin", READ | SECURE)
    assert f.read(10) == data[:10]
    f.close()


def test_frame_cipher_is_blowfish_cbc_chained_across_frames(rng):
    from storewire._native import sector as native

    key, iv = rng.randbytes(16), rng.randbytes(8)
    enc = native.FrameCipher(key, iv, encrypt=True)
    frames = [b"", b"x" * 7, b"y" * 8, rng.randbytes(1000)]
    sealed = [enc.apply(f) for f in frames]
    assert [len(c) for c in sealed] == [8, 8, 16, 1008]  # PKCS#5: 1..8 bytes of padding
    dec = native.FrameCipher(key, iv, encrypt=False)
    assert [dec.apply(c) for c in sealed] == frames
    # Chained: the same plaintext sealed again gives another ciphertext.
    assert enc.apply(frames[1]) != sealed[1]
    with pytest.raises(errors.TransportError):
        native.FrameCipher(key, iv, encrypt=False).apply(b"not-8-bytes-aligned!")


def test_frame_cipher_matches_an_independent_blowfish_cbc(rng):
    """Against the cryptography package's Blowfish: one CBC chain over the padded frames,
    both ways, with sizes that exercise the interleaved decryption and its tail blocks."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from storewire._native import sector as native

    key, iv = rng.randbytes(16), rng.randbytes(8)
    frames = [rng.randbytes(n) for n in (0, 5, 8, 31, 32, 33, 1000, 4096, 65537)]
    padded = [f + bytes([8 - len(f) % 8]) * (8 - len(f) % 8) for f in frames]
    reference = Cipher(Blowfish(key), modes.CBC(iv)).encryptor()
    expected = [reference.update(p) for p in padded]
    enc = native.FrameCipher(key, iv, encrypt=True)
    assert [enc.apply(f) for f in frames] == expected
    dec = native.FrameCipher(key, iv, encrypt=False)
    assert [dec.apply(memoryview(c)) for c in expected] == frames


def test_a_file_dropped_without_close_is_closed_and_unlocked(master, client):
    import gc

    f = client.open("/dropped", WRITE)
    f.write(b"abc")
    del f
    gc.collect()
    g = client.open("/dropped", READ)  # the write lock is gone
    assert g.read(10) == b"abc"
    g.close()
