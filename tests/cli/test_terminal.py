"""The command as a person sees it: the live progress in a real terminal (tmux, typed
with send-keys, read with capture-pane), help text, shell completion, and the settings
of a ``storewire serve --env-file``."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import make_tree, store_env

from store_servers import StoreServers

STOREWIRE = str(Path(sys.executable).with_name("storewire"))


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True,
                          text=True).stdout


def test_progress_in_a_terminal(servers: StoreServers, tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux (third_party/debian-packages.txt) is missing"
    ds3 = servers["ds3"]
    files = make_tree(tmp_path / "src", seed=5)
    env_file = tmp_path / "ds3.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in ds3.env.items()))
    session = f"storewire-cli-{os.getpid()}"
    sock = str(tmp_path / "tmux.sock")  # a private server: no other tmux is touched
    env = store_env()
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-s", session, "-x", "150",
                    "-y", "20", "bash --norc --noprofile"], check=True, env=env)
    try:
        command = (f"{shlex.quote(STOREWIRE)} cp -r {shlex.quote(str(tmp_path / 'src'))} "
                   f"ds3://{ds3.bucket}/tty-{os.getpid()} --env-file {shlex.quote(str(env_file))}"
                   "; echo EXIT=$?")
        _tmux("-S", sock, "send-keys", "-t", session, command, "Enter")
        deadline = time.monotonic() + 30
        screen = ""
        while time.monotonic() < deadline:
            screen = _tmux("-S", sock, "capture-pane", "-p", "-t", session)
            if any(line.startswith("EXIT=") for line in screen.splitlines()):
                break  # (the typed command shows "EXIT=" too, not at a line's start)
            time.sleep(0.1)
        lines = screen.splitlines()
        assert "EXIT=0" in lines, screen
        total = sum(map(len, files.values()))
        # the live display's last frame: label, bar, files, bytes, rate, ETA
        bar = next(line for line in lines if line.startswith("copying "))
        assert "━" in bar and f"{len(files)}/{len(files)} files" in bar, screen
        assert f"{total / 1024:.1f}/{total / 1024:.1f} KiB" in bar and "/s" in bar, screen
        assert "ETA" in bar
        # then the summary line
        assert any(line.startswith(f"copied {len(files)} files (") for line in lines), screen
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], check=False)


def test_no_terminal_gives_one_summary_line(servers: StoreServers, tmp_path: Path) -> None:
    ds3 = servers["ds3"]
    make_tree(tmp_path / "src", seed=6)
    out = subprocess.run([STOREWIRE, "cp", "-r", str(tmp_path / "src"),
                          f"ds3://{ds3.bucket}/plain-{os.getpid()}"],
                         capture_output=True, text=True, env=store_env(ds3), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") == 1 and out.stdout.startswith("copied 5 files (")
    assert out.stderr == ""


def test_env_file_of_storewire_serve(tmp_path: Path) -> None:
    """``--env-file`` reads what ``storewire serve --env-file`` wrote; a flag beats it."""
    from storewire.testing.serve_process import ServeProcess, clean_env

    with ServeProcess("v3io", tmp_path) as serve:
        (tmp_path / "f.txt").write_bytes(b"via env file")
        env = {k: v for k, v in clean_env("v3io").items() if not k.startswith("V3IO_")}
        run = [STOREWIRE, "cp", str(tmp_path / "f.txt"), "v3io://bigdata/envfile/f.txt",
               "--env-file", str(serve.env_file)]
        out = subprocess.run(run, capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        out = subprocess.run([STOREWIRE, "cat", "v3io://bigdata/envfile/f.txt", "--env-file",
                              str(serve.env_file)], capture_output=True, env=env, timeout=60)
        assert out.stdout == b"via env file"
        # --endpoint-url overrides the file's V3IO_API: nothing listens there
        out = subprocess.run([*run, "--endpoint-url", "http://127.0.0.1:9"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 1 and "Error" in out.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script(shell: str) -> None:
    from storewire.cli import main

    script = subprocess.run([STOREWIRE, "completion", shell], capture_output=True, text=True,
                            check=True).stdout
    assert "complete -o nospace -o default -F _storewire storewire" in script
    for name in ("ls", "cp", "mv", "rm", "cat", "stat", "mkdir", "du", "sync", "serve"):
        assert f"        {name}) local opts=" in script
    assert "--recursive" in script and "--endpoint-url" in script and "ds3://" in script
    if shell == "bash":  # bash itself completes with it
        probe = (f'{script}\nCOMP_WORDS=(storewire sy); COMP_CWORD=1; _storewire; '
                 'echo "${COMPREPLY[@]}"; COMP_WORDS=(storewire cp --rec); COMP_CWORD=2; '
                 '_storewire; echo "${COMPREPLY[@]}"')
        out = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True,
                             check=True).stdout.splitlines()
        assert out == ["sync", "--recursive"]
    assert main(["completion", shell]) == 0


def test_help_reads_like_aws_cli_and_rclone() -> None:
    out = subprocess.run([STOREWIRE, "cp", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "aws s3 cp" in subprocess.run([STOREWIRE, "--help"], capture_output=True,
                                         text=True, check=True).stdout
    for flag in ("-r, --recursive", "--dryrun", "--exclude PATTERN", "-j N, --jobs N",
                 "--endpoint-url URL", "--profile NAME", "--env-file PATH", "--json"):
        assert flag in out, flag
    assert "Examples:" in out


def _screens_until_exit(sock: str, session: str, seconds: float) -> list[str]:
    """capture-pane every 50 ms until the typed command printed ``EXIT=``."""
    screens: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screens.append(_tmux("-S", sock, "capture-pane", "-p", "-t", session))
        if any(line.startswith("EXIT=") for line in screens[-1].splitlines()):
            break
        time.sleep(0.05)
    return screens


def test_progress_moves_inside_one_transfer(servers: StoreServers, tmp_path: Path) -> None:
    """One object streamed up as a multipart upload while its source is still being
    written: the live display counts the parts stored, before the object is done."""
    s3 = servers["s3"]
    env_file = tmp_path / "s3.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in s3.env.items()))
    session = f"storewire-big-{os.getpid()}"
    sock = str(tmp_path / "tmux.sock")
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-s", session, "-x", "150",
                    "-y", "20", "bash --norc --noprofile"], check=True, env=store_env())
    try:
        # three stretches of 48, 48 and 32 MiB with pauses between: the parts of the
        # first stretch are stored while the rest has not been written yet
        source = ("(head -c 48M /dev/urandom; sleep 1; head -c 48M /dev/urandom; sleep 1; "
                  "head -c 32M /dev/urandom)")
        target = f"s3://{s3.bucket}/tty-big-{os.getpid()}.bin"
        command = (f"{source} | {shlex.quote(STOREWIRE)} cp - {target} "
                   f"--env-file {shlex.quote(str(env_file))}; echo EXIT=$?")
        _tmux("-S", sock, "send-keys", "-t", session, command, "Enter")
        screens = _screens_until_exit(sock, session, 60)
        lines = screens[-1].splitlines()
        assert "EXIT=0" in lines, screens[-1]
        shown = []  # the byte counts of the live display, frame by frame, before the end
        for screen in screens[:-1]:
            bars = [line for line in screen.splitlines() if line.startswith("copying ")]
            if bars and "/? MiB" in bars[-1]:
                shown.append(float(bars[-1].split("/? MiB")[0].split()[-1]))
        middle = {v for v in shown if 0 < v < 128}
        assert len(middle) >= 2, shown  # it moved, and moved again, mid-transfer
        assert any(line.startswith("copied 1 file (128.0 MiB)") for line in lines), screens[-1]
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], check=False)
