"""Set-up on a fresh machine: the programs the tests need are installed, or named at once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from helpers.system_packages import (
    INSTALLER,
    PACKAGE_LIST,
    SystemPackage,
    install_advice,
    missing_packages,
    system_packages,
)

CHROMIUM = SystemPackage(("chromium", "chromium-browser"), "chromium", ("tests/browser",))
EVERYWHERE = SystemPackage(("git",), "git", ())


def test_the_list_names_a_package_for_every_program_the_suite_runs():
    packages = {p.commands[0]: p for p in system_packages(PACKAGE_LIST.read_text())}
    assert {"pdfinfo", "chromium"} <= set(packages)
    for package in packages.values():
        assert all((ROOT / path).exists() for path in package.needed_by), package


def test_a_program_is_needed_only_by_the_tests_that_run_it():
    browser_test = ROOT / "tests" / "browser" / "test_library_page.py"
    nowhere = lambda command: None  # noqa: E731
    assert missing_packages([CHROMIUM], [browser_test], nowhere) == [CHROMIUM]
    assert missing_packages([CHROMIUM], [ROOT / "tests" / "test_edits.py"], nowhere) == []
    assert missing_packages([EVERYWHERE], [ROOT / "tests" / "test_edits.py"], nowhere) == [
        EVERYWHERE
    ]


def test_a_program_found_under_another_name_is_not_missing():
    browser_test = ROOT / "tests" / "browser" / "test_library_page.py"
    found = {"chromium-browser": "/snap/bin/chromium-browser"}.get
    assert missing_packages([CHROMIUM], [browser_test], found) == []


def test_the_advice_names_the_program_its_package_and_the_line_to_run():
    advice = install_advice([CHROMIUM, EVERYWHERE])
    assert "chromium (Debian package chromium), git (Debian package git)" in advice
    assert advice.endswith("sudo apt-get install -y chromium git")


def as_a_user() -> list[str]:
    """Run what follows as an unprivileged user, who cannot install packages."""
    return (
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    )


def test_the_installer_without_root_prints_the_exact_command_and_fails():
    listed = "# a comment\nno-such-a pkg-a tests/x\nno-such-b|sh pkg-b\nno-such-c pkg-a\n"
    result = subprocess.run(
        [*as_a_user(), str(INSTALLER), "-"],
        input=listed,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "  sudo apt-get install -y pkg-a\n" in result.stderr
    assert "pkg-b" not in result.stderr  # found under its other name


def test_the_installer_with_everything_present_does_nothing():
    result = subprocess.run(
        [str(INSTALLER), "-"], input="sh dash\n", capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.slow
def test_a_test_run_missing_a_program_stops_at_once_saying_what_to_install(tmp_path: Path):
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "python").symlink_to(sys.executable)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "tests/links/test_link_fetch.py",
        ],
        cwd=ROOT,
        env={**os.environ, "PATH": str(bin_folder)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 4
    assert "pdfinfo (Debian package poppler-utils)" in result.stdout + result.stderr
    assert "sudo apt-get install -y poppler-utils" in result.stdout + result.stderr


def test_ci_runs_the_readme_test_command_as_written():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command.startswith("tests/install-system-packages && ")
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
