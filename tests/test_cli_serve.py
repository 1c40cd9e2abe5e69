"""`storewire serve` as a user runs it: a process that starts the emulators on loopback,
writes the client environment, answers real signed requests, and stops on Ctrl-C."""

from __future__ import annotations

import email.utils
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from storewire._native import auth, http, xml
from storewire.testing.serve_process import ServeProcess, clean_env, read_env_file, serve_command


def _ds3_get_service(endpoint: str, access: str, secret: str) -> http.Response:
    date = email.utils.formatdate(usegmt=False)
    authorization = auth.authorization_v2(access, secret, "GET", "/", headers={"Date": date})
    with http.Client(use_env_proxy=False, max_retries=0) as client:
        return client.request(
            "GET", endpoint + "/", headers={"Date": date, "Authorization": authorization}
        )


def test_serve_ds3_writes_env_and_answers_signed_requests(tmp_path):
    # ServeProcess runs the console script the wheel installs, as a user would type it.
    with ServeProcess("ds3", tmp_path) as server:
        env = server.variables
        assert set(env) == {"DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"}
        assert env["DS3_ENDPOINT"].startswith("http://127.0.0.1:")
        ok = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"])
        assert ok.status == 200, ok.body
        assert xml.parse(ok.body).tag == "ListAllMyBucketsResult"
        bad = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], "not-the-secret")
        assert bad.status == 403
    assert server.proc is not None and server.proc.returncode == 0  # stopped by SIGINT
    out = "\n".join(server.output)
    assert env["DS3_ENDPOINT"] in out
    assert "DS3_SECRET_KEY=" in out


def test_serve_v3io_writes_env_and_refuses_a_wrong_key(tmp_path):
    with ServeProcess("v3io", tmp_path) as server:
        env = server.variables
        assert set(env) == {"V3IO_API", "V3IO_ACCESS_KEY"}
        with http.Client(use_env_proxy=False, max_retries=0) as client:
            good = client.request(
                "GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": env["V3IO_ACCESS_KEY"]}
            )
            bad = client.request("GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": "x"})
        assert good.status == 200, good.body
        assert b"users" in good.body  # the default containers are listed
        assert bad.status in (401, 403)
    assert server.proc is not None and server.proc.returncode == 0


# -- --env-file: the secrets go to a regular file, 0600, written atomically (issue 19) ----


def _serve_refused(env_file: Path) -> subprocess.CompletedProcess[str]:
    """``storewire serve --env-file env_file`` as typed; it must exit at once."""
    return subprocess.run(
        [*serve_command(), "serve", "--only", "ds3", "--ds3", "127.0.0.1:0",
         "--env-file", str(env_file)],
        capture_output=True, text=True, timeout=60, env=clean_env("ds3"),
    )  # fmt: skip


def _assert_refused(result: subprocess.CompletedProcess[str], env_file: Path, why: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert f"--env-file {env_file}" in result.stderr and why in result.stderr, result.stderr
    assert "DS3_SECRET_KEY" not in result.stdout + result.stderr  # nothing started
    assert "serving" not in result.stdout


def test_env_file_is_written_owner_only(tmp_path):
    with ServeProcess("ds3", tmp_path) as server:
        mode = stat.S_IMODE(os.lstat(server.env_file).st_mode)
        assert mode == 0o600, oct(mode)
        assert server.variables["DS3_SECRET_KEY"]
        assert os.listdir(tmp_path) == ["ds3.env"]  # no temporary file left behind


def test_an_existing_world_readable_env_file_is_replaced_owner_only(tmp_path):
    env_file = tmp_path / "ds3.env"
    env_file.write_text("OLD=1\n")
    env_file.chmod(0o644)
    with ServeProcess("ds3", tmp_path) as server:
        assert stat.S_IMODE(os.lstat(env_file).st_mode) == 0o600
        assert "OLD" not in server.variables
        assert server.variables["DS3_ENDPOINT"].startswith("http://127.0.0.1:")


def test_a_symlink_env_file_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    target.chmod(0o644)
    link = tmp_path / "ds3.env"
    link.symlink_to(target)
    _assert_refused(_serve_refused(link), link, "symbolic link")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    dangling = tmp_path / "dangling.env"
    dangling.symlink_to(tmp_path / "nowhere")
    _assert_refused(_serve_refused(dangling), dangling, "symbolic link")
    assert not (tmp_path / "nowhere").exists()


def test_a_fifo_env_file_is_refused_and_left_in_place(tmp_path):
    """A special file (a FIFO here; a device node such as /dev/null alike) is never
    replaced."""
    fifo = tmp_path / "ds3.env"
    os.mkfifo(fifo)
    _assert_refused(_serve_refused(fifo), fifo, "a FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_directory_env_file_is_refused(tmp_path):
    directory = tmp_path / "ds3.env"
    directory.mkdir()
    _assert_refused(_serve_refused(directory), directory, "a directory")
    assert directory.is_dir() and not any(directory.iterdir())


def test_an_env_file_in_a_missing_directory_is_refused(tmp_path):
    env_file = tmp_path / "missing" / "ds3.env"
    _assert_refused(_serve_refused(env_file), env_file, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_the_env_file_is_never_seen_half_written(tmp_path):
    """Readers poll for the path: when it exists it is complete (rename, not write)."""
    env_file = tmp_path / "ds3.env"
    proc = subprocess.Popen(
        [*serve_command(), "serve", "--only", "ds3", "--ds3", "127.0.0.1:0",
         "--env-file", str(env_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env("ds3"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.001)
        assert set(read_env_file(env_file)) == {"DS3_ENDPOINT", "DS3_ACCESS_KEY",
                                                "DS3_SECRET_KEY"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            status = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave the server behind
            proc.wait()
            raise
        assert status == 0
