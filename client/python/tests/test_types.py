"""The package's type hints hold: mypy over the installed package, with pyproject.toml's
[tool.mypy] settings (every function annotated; the generated modules excluded)."""
import subprocess
import sys
from pathlib import Path

from conftest import env


def test_mypy(tmp_path: Path) -> None:
    config = Path(env("ITACLIP_PACKAGE_DIR")) / "pyproject.toml"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir",
         str(tmp_path / "cache"), "-p", "itaclip_client"], capture_output=True, text=True,
        cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
