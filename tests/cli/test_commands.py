"""Every command against every store (ds3, s3 on radosgw, v3io, sector), as a user runs
them: settings from the system's environment variables, output as printed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import Runner, make_tree, read_tree, url

from store_servers import StoreServer, StoreServers


def _json_lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_command_round_trip(sw: Runner, server: StoreServer, prefix: str,
                                  tmp_path: Path) -> None:
    sw.use(server)
    files = make_tree(tmp_path / "src")
    top = url(server, prefix)

    # mkdir: Sector makes a real directory; the object stores send nothing
    assert sw("mkdir", top).code == 0

    # cp -r up, one JSON object per file, then the summary
    r = sw("cp", "-r", tmp_path / "src", top, "--json")
    assert r.code == 0, r.err
    lines = _json_lines(r.out)
    assert sorted(o["dest"] for o in lines[:-1]) == sorted(f"{top}/{k}" for k in files)
    assert all(o["ok"] and o["action"] == "upload" for o in lines[:-1])
    assert lines[-1] == {**lines[-1], "summary": True, "files": len(files),
                         "bytes": sum(map(len, files.values())), "failed": 0}

    # ls: one level, aws cli's layout
    r = sw("ls", f"{top}/")
    assert r.code == 0, r.err
    names = [line.split()[-1] for line in r.out.splitlines()]
    assert names == ["a.bin", "b.txt", "empty.dat", "sub/"]
    assert "PRE sub/" in r.out and " 3000 a.bin" in r.out
    # ls -r: every file with its key; --json gives the full URL
    r = sw("ls", "-r", "--json", top)
    assert sorted(o["path"] for o in _json_lines(r.out)) == sorted(
        f"{top}/{k}" for k in files)
    # stat, cat, du
    r = sw("stat", "--json", f"{top}/sub/c.bin")
    assert json.loads(r.out)["size"] == 70_000 and json.loads(r.out)["type"] == "file"
    r = sw("stat", "--json", f"{top}/sub")
    assert json.loads(r.out)["type"] == "directory"
    r = sw("cat", f"{top}/b.txt", f"{top}/sub/deep/d.log")
    assert r.out == "hello\nlog line\n"
    r = sw("du", "--json", top)
    assert json.loads(r.out) == {"path": top, "files": len(files),
                                 "bytes": sum(map(len, files.values()))}

    # cp -r down: the same tree, byte for byte, no temporary file left
    r = sw("cp", "-r", top, tmp_path / "down", "-q")
    assert (r.code, r.out) == (0, "")
    assert read_tree(tmp_path / "down") == files
    # one file to a directory, and under a new name
    assert sw("cp", f"{top}/a.bin", f"{tmp_path}/one/").code == 0
    assert sw("cp", f"{top}/a.bin", tmp_path / "renamed.bin").code == 0
    assert (tmp_path / "one" / "a.bin").read_bytes() == files["a.bin"]
    assert (tmp_path / "renamed.bin").read_bytes() == files["a.bin"]

    # mv inside the store, then rm -r
    r = sw("mv", f"{top}/b.txt", f"{top}/moved/b.txt")
    assert r.code == 0, r.err
    assert sw("cat", f"{top}/moved/b.txt").out == "hello\n"
    assert sw("stat", f"{top}/b.txt").code == 1
    r = sw("rm", "-r", top)
    assert r.code == 0, r.err
    assert sw("ls", "-r", "--json", top).out.strip() in ("",)  # nothing left


def test_sync_by_mtime_checksum_and_delete(sw: Runner, server: StoreServer, prefix: str,
                                           tmp_path: Path) -> None:
    sw.use(server)
    src = tmp_path / "src"
    files = make_tree(src, seed=1)
    top = url(server, prefix)
    r = sw("sync", src, top, "--json")
    assert r.code == 0, r.err
    assert _json_lines(r.out)[-1]["files"] == len(files)
    # nothing changed: nothing copied, whichever way it compares
    for how in ((), ("--checksum",), ("--size-only",)):
        r = sw("sync", src, top, "--json", *how)
        assert _json_lines(r.out)[-1]["files"] == 0, how
    # a changed size is copied; a removed file is deleted with --delete (--dryrun first)
    (src / "b.txt").write_bytes(b"changed, longer\n")
    (src / "a.bin").unlink()
    r = sw("sync", src, top, "--delete", "--dryrun")
    assert r.code == 0
    assert f"(dryrun) upload: {src}/b.txt to {top}/b.txt" in r.out
    assert f"(dryrun) delete: {top}/a.bin" in r.out
    assert sw("cat", f"{top}/b.txt").out == "hello\n"  # the dry run changed nothing
    r = sw("sync", src, top, "--delete", "--json")
    summary = _json_lines(r.out)[-1]
    assert (summary["files"], summary["deleted"], summary["failed"]) == (1, 1, 0)
    assert sw("cat", f"{top}/b.txt").out == "changed, longer\n"
    # and back down: the local copy matches the source tree
    r = sw("sync", top, tmp_path / "back")
    assert r.code == 0, r.err
    assert read_tree(tmp_path / "back") == read_tree(src)
    sw("rm", "-r", top, "-q")


def test_glob_include_exclude(sw: Runner, server: StoreServer, prefix: str,
                              tmp_path: Path) -> None:
    sw.use(server)
    make_tree(tmp_path / "src", seed=2)
    top = url(server, prefix)
    r = sw("cp", "-r", tmp_path / "src", top, "--exclude", "*", "--include", "*.bin", "-q")
    assert r.code == 0, r.err
    listed = sorted(o["path"] for o in _json_lines(sw("ls", "-r", "--json", top).out))
    assert listed == [f"{top}/a.bin", f"{top}/sub/c.bin"]
    # a glob in a URL matches across '/', as s5cmd does
    r = sw("cp", f"{top}/*.bin", f"{tmp_path}/got/", "--json")
    assert r.code == 0, r.err
    assert sorted(os.listdir(tmp_path / "got")) == ["a.bin", "sub"]
    r = sw("rm", "-r", top, "--exclude", "sub/*", "--json")
    assert [o["source"] for o in _json_lines(r.out)[:-1]] == [f"{top}/a.bin"]
    sw("rm", "-r", top, "-q")


def test_exit_codes_and_typed_errors(sw: Runner, server: StoreServer, prefix: str,
                                     tmp_path: Path) -> None:
    sw.use(server)
    top = url(server, prefix)
    # a missing source: exit 1, the typed error named
    r = sw("cp", f"{top}/missing.bin", tmp_path / "x")
    assert r.code == 1
    assert "NotFoundError" in r.err and not (tmp_path / "x").exists()
    r = sw("cp", f"{top}/missing.bin", tmp_path / "x", "--json")
    failure = _json_lines(r.out)[0]
    assert (failure["ok"], failure["error"]) == (False, "NotFoundError")
    assert _json_lines(r.out)[-1]["failed"] == 1
    # some fine, some failed: still 1, the good one copied
    (tmp_path / "ok.txt").write_bytes(b"ok")
    r = sw("cp", tmp_path / "ok.txt", tmp_path / "nope.txt", f"{top}/")
    assert r.code == 1 and "nope.txt" in r.err
    assert sw("cat", f"{top}/ok.txt").out == "ok"
    # usage errors: 2
    assert sw("cp", f"{top}/only-one-arg").code == 2
    assert sw("cp", tmp_path, f"{top}/").code == 2  # a directory without -r
    assert sw("ls", "ftp://x/y").code == 2
    assert sw("cp", "-j", "0", "a", "b").code == 2
    sw("rm", "-r", top, "-q")


# store to store: each system once as the source and once as the destination
PAIRS = [("ds3", "sector"), ("sector", "v3io"), ("v3io", "s3"), ("s3", "ds3")]


@pytest.mark.parametrize(("src", "dst"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_store_to_store(sw: Runner, servers: StoreServers, src: str, dst: str, prefix: str,
                        tmp_path: Path) -> None:
    a, b = servers[src], servers[dst]
    sw.use(a, b)
    files = make_tree(tmp_path / "src", seed=3)
    assert sw("cp", "-r", tmp_path / "src", url(a, prefix), "-q").code == 0
    r = sw("cp", "-r", url(a, prefix), url(b, prefix), "--json", "-j", "4")
    assert r.code == 0, r.err
    assert {o["action"] for o in _json_lines(r.out)[:-1]} == {"copy"}
    # mv from b back under another name in a, then compare what came back
    r = sw("mv", "-r", url(b, prefix), url(a, prefix, "back"))
    assert r.code == 0, r.err
    assert sw("ls", "-r", "--json", url(b, prefix)).out == ""
    assert sw("cp", "-r", url(a, prefix, "back"), tmp_path / "back", "-q").code == 0
    assert read_tree(tmp_path / "back") == files
    sw("rm", "-r", url(a, prefix), "-q")
    sw("rm", "-r", url(b, prefix), "-q")


def test_large_files_take_the_large_file_path(sw: Runner, server: StoreServer, prefix: str,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over LARGE_FILE travels alone through Store.get_file (S3: parallel ranged
    GETs); the threshold is lowered here so that a small file takes that path."""
    from storewire.cli import transfer

    monkeypatch.setattr(transfer, "LARGE_FILE", 1024 * 1024)
    sw.use(server)
    data = os.urandom(3 * 1024 * 1024 + 5)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "big.bin").write_bytes(data)
    (tmp_path / "src" / "small.txt").write_bytes(b"small")
    top = url(server, prefix)
    assert sw("cp", "-r", tmp_path / "src", top, "-q").code == 0
    r = sw("cp", "-r", top, tmp_path / "down", "--json")
    assert r.code == 0, r.err
    assert _json_lines(r.out)[-1]["files"] == 2
    assert (tmp_path / "down" / "big.bin").read_bytes() == data
    assert sorted(os.listdir(tmp_path / "down")) == ["big.bin", "small.txt"]
    sw("rm", "-r", top, "-q")


@pytest.mark.parametrize("scheme", ["ds3", "s3"])  # V3IO and Sector make it as they write
def test_missing_bucket_fails_each_file_once(sw: Runner, servers: StoreServers, scheme: str,
                                             tmp_path: Path) -> None:
    server = servers[scheme]
    sw.use(server)
    make_tree(tmp_path / "src", seed=4)
    nowhere = url(server, "x").replace(f"/{server.bucket}/", "/no-such-bucket-cli/")
    r = sw("cp", "-r", tmp_path / "src", nowhere, "--json")
    assert r.code == 1
    lines = _json_lines(r.out)
    assert [o["error"] for o in lines[:-1]] == ["NotFoundError"] * 5
    assert lines[-1]["failed"] == 5 and lines[-1]["files"] == 0


def test_s3_profile_and_endpoint_flags(sw: Runner, servers: StoreServers, prefix: str,
                                       tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``--profile`` reads ~/.aws/credentials as aws cli does; ``--endpoint-url`` names the
    server; neither is in the environment."""
    s3 = servers["s3"]
    sw.use()  # no store variables at all
    creds = tmp_path / "credentials"
    creds.write_text(f"[cli]\naws_access_key_id = {s3.options['access_key']}\n"
                     f"aws_secret_access_key = {s3.options['secret_key']}\n"
                     f"region = {s3.options['region']}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    (tmp_path / "f.txt").write_bytes(b"profile")
    target = f"s3://{s3.bucket}/{prefix}/f.txt"
    flags = ("--profile", "cli", "--endpoint-url", s3.options["endpoint"])
    assert sw("cp", tmp_path / "f.txt", target, *flags, "-q").code == 0
    assert sw("cat", target, *flags).out == "profile"
    # a profile neither file holds is a usage error
    r = sw("cat", target, "--profile", "nobody", "--endpoint-url", s3.options["endpoint"])
    assert r.code == 2 and "nobody" in r.err
    sw("rm", target, *flags, "-q")
