"""The data directory is its owner's alone: 0700, and every file in it 0600, the database, its WAL and
shared-memory files, the CA, the keys, the credentials, the decision log and az's profile, including files
made while the server runs and what an earlier run left world-readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from azure.keyvault.secrets import SecretClient
from tests.clients.keyvaults import make_vault, owner_credential, vault_url
from tests.vaultlink_process import on_postgres, start


def modes(data_dir: Path) -> dict[str, int]:
    found = {}
    for root, dirs, names in os.walk(data_dir):
        for name in [*dirs, *names]:
            path = Path(root) / name
            if not path.is_symlink():
                found[str(path.relative_to(data_dir)) + ("/" if path.is_dir() else "")] = stat.S_IMODE(path.stat().st_mode)
    found["./"] = stat.S_IMODE(data_dir.stat().st_mode)
    return found


def loose(data_dir: Path) -> dict[str, str]:
    """What others than the owner may touch, and what vaultlink made other than 0600 (a directory, 0700)."""
    return {name: oct(mode) for name, mode in modes(data_dir).items()
            if mode & 0o077 or (name != "old/run.sh" and mode != (0o700 if name.endswith("/") else 0o600))}


def test_every_file_is_the_owners_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "old").mkdir(parents=True)
    data_dir.chmod(0o755)
    (data_dir / "old").chmod(0o777)
    (data_dir / "old" / "notes.txt").write_text("left by an earlier run")
    (data_dir / "old" / "notes.txt").chmod(0o666)
    (data_dir / "old" / "run.sh").write_text("#!/bin/sh\n")
    (data_dir / "old" / "run.sh").chmod(0o755)  # loses others' bits, keeps its owner's
    running = start(data_dir)
    try:
        environ = dict(os.environ)
        os.environ.update(running.env_exports())
        try:
            name = make_vault(running)
            SecretClient(vault_url(name), owner_credential(running)).set_secret("written", "while running")
        finally:
            os.environ.clear()
            os.environ.update(environ)
        listed = modes(data_dir)
        if not on_postgres():
            assert {"vaultlink.db", "vaultlink.db-wal", "vaultlink.db-shm"} <= set(listed)
        assert {"credentials.json", "server.json", "old/notes.txt", "server.log"} <= set(listed)
        assert loose(data_dir) == {}
        assert modes(data_dir)["old/run.sh"] == 0o700
        running.restart()
        assert loose(data_dir) == {}
    finally:
        running.stop()
    assert loose(data_dir) == {}
