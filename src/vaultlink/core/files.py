"""The data directory's files, read and written with the standard library only.

Files only their owner may read (`write_private`, `make_private`); `server.json`, which names where the server
listens (written once its listeners are bound, removed when it stops); `credentials.json`, the default
principals' secrets (mode 0600); the root key's path. The commands that only read these files (`vaultlink env`,
`status`, the pytest plugin) import this module alone, so they answer without loading the server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_private(path: Path, data: bytes) -> None:
    """Writes a file only its owner can read, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


STATE_FILE = "server.json"
CREDENTIALS = "credentials.json"
PRIVATE_UMASK = 0o077


def make_private(data_dir: Path) -> None:
    """The data directory and everything in it readable by its owner alone: directories 0700, files 0600.

    The process's umask becomes 077, so every file made later (SQLite's database, its WAL and shared-memory
    files, the decision log, `server.json`, az's profile) is born private; what an earlier run or another tool
    left there (a log the shell redirected into it, files of a version before this rule) loses its group's and
    others' permissions now. Only those are taken away (a 0644 file becomes 0600, a 0755 directory 0700), never
    the owner's, so a data directory pointed at a folder with other things in it breaks nothing of theirs.
    Symbolic links are left alone (their targets are not the data directory's)."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    for root, dirs, names in os.walk(data_dir):
        here = Path(root)
        _tighten(here)
        for name in names:
            _tighten(here / name)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def _tighten(path: Path) -> None:
    try:
        if path.is_symlink():
            return
        mode = path.stat().st_mode
        if mode & 0o077:
            os.chmod(path, mode & 0o7700)
    except FileNotFoundError:
        pass  # removed meanwhile (a SQLite journal)


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """The running (or last) server's `server.json`, or None."""
    try:
        data: dict[str, Any] = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data


def load_credentials(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / CREDENTIALS
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def root_key_path(data_dir: Path) -> Path:
    return Path(os.environ.get("VAULTLINK_ROOT_KEY_FILE", data_dir / "root.key"))


def redact(url: str) -> str:
    """A store URL without its password, for status output and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
