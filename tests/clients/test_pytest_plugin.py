"""vaultlink's pytest plugin: its example test files pass against a server it starts and against one it is
pointed at (which it leaves running), and merely being installed changes nothing for a suite that does not
name its fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.clients.az_support import _outside_env
from tests.vaultlink_process import Running

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "app-tests"


def pytest_run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False, env={**_outside_env(), **(env or {})})


def test_the_examples_pass_against_a_running_server_which_keeps_running(vaultlink: Running, tmp_path: Path) -> None:
    by_dir = pytest_run(str(EXAMPLES), "--vaultlink-data-dir", str(vaultlink.data_dir), cwd=tmp_path)
    assert by_dir.returncode == 0, by_dir.stdout + by_dir.stderr
    assert "3 passed" in by_dir.stdout  # one test, and one read from each of two locations
    by_url = pytest_run(str(EXAMPLES / "test_private_vault.py"), cwd=tmp_path, env={"VAULTLINK_URL": vaultlink.proxy})
    assert by_url.returncode == 0, by_url.stdout + by_url.stderr
    assert vaultlink.status()["ready"]  # neither run stopped it


def test_installed_but_unnamed_it_starts_nothing_and_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(
        "import os, sys\n"
        "def test_untouched():\n"
        "    assert not [k for k in os.environ if k.lower().endswith('_proxy') or k == 'SSL_CERT_FILE']\n"
        "    loaded = sorted(m for m in sys.modules if m.startswith('vaultlink'))\n"
        "    assert loaded == ['vaultlink', 'vaultlink.testing', 'vaultlink.testing.plugin'], loaded\n")
    (tmp_path / "test_named.py").write_text(  # runs after test_plain: the first test's environment is gone
        "import os\n"
        "def test_a_uses_it(vaultlink):\n"
        "    assert os.environ['HTTPS_PROXY'] == vaultlink.proxy\n"
        "def test_b_does_not():\n"
        "    assert 'HTTPS_PROXY' not in os.environ\n")
    out = pytest_run(str(tmp_path / "test_plain.py"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    named = pytest_run(str(tmp_path / "test_named.py"), cwd=tmp_path)
    assert named.returncode == 0 and "2 passed" in named.stdout, named.stdout + named.stderr
    helped = pytest_run("--help", cwd=tmp_path)
    assert "--vaultlink-data-dir=DIR" in helped.stdout
    assert os.environ.get("VAULTLINK_URL") is None
