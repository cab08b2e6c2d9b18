"""The programs the tests run, read from tests/system-packages.txt, and which are missing.

The list is shared with tests/install-system-packages, which installs them; the
suite's start checks it so that a missing program stops the run at once with
what to install, instead of ending in one error per test that needs it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from helpers import ROOT

PACKAGE_LIST = ROOT / "tests" / "system-packages.txt"
INSTALLER = ROOT / "tests" / "install-system-packages"


@dataclass(frozen=True)
class SystemPackage:
    """One line of the list: a program (under any of its names), its package, its tests."""

    commands: tuple[str, ...]
    package: str
    needed_by: tuple[str, ...]
    """Paths under the project whose tests run the program; empty for the whole suite."""

    def needed_for(self, test_files: Iterable[Path]) -> bool:
        if not self.needed_by:
            return True
        prefixes = [ROOT / p for p in self.needed_by]
        return any(f == p or p in f.parents for f in test_files for p in prefixes)


def system_packages(text: str) -> list[SystemPackage]:
    packages = []
    for line in text.splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            commands, package, *needed_by = words
            packages.append(SystemPackage(tuple(commands.split("|")), package, tuple(needed_by)))
    return packages


def installed(command: str) -> bool:
    """Whether a program is on the PATH, or, for a name ending in .sty, TeX finds that package."""
    if command.endswith(".sty"):
        if shutil.which("kpsewhich") is None:
            return False
        return subprocess.run(["kpsewhich", command], capture_output=True).returncode == 0
    return shutil.which(command) is not None


def missing_packages(
    packages: Iterable[SystemPackage],
    test_files: Iterable[Path],
    which: Callable[[str], object] = installed,
) -> list[SystemPackage]:
    """The packages the given tests need whose program is on the PATH under no name."""
    files = [f.resolve() for f in test_files]
    return [
        p
        for p in packages
        if p.needed_for(files) and not any(which(command) for command in p.commands)
    ]


def install_advice(missing: Iterable[SystemPackage]) -> str:
    """What a person must run, in one message."""
    missing = list(missing)
    programs = ", ".join(f"{p.commands[0]} (Debian package {p.package})" for p in missing)
    names = " ".join(dict.fromkeys(p.package for p in missing))
    return (
        f"the tests need programs that are not installed: {programs}. Install them with "
        f"{INSTALLER.relative_to(ROOT)} (as root), or: sudo apt-get install -y {names}"
    )
