"""The README's two commands: `make run` installs the runtime only, `make test` what tests need,
the CJK font and nginx (the serving tests) each on its own check.

Each case runs the real Makefile in a temp copy of the project's Makefile and requirements, with a
PATH of fakes that log what they were asked (python3 -m venv, pip, streamlit, apt-get) and stand-ins
for chromium and fc-list that are there or not as the case needs. Nothing is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
TOOLS = (
    "sh",
    "cat",
    "cksum",
    "cut",
    "rm",
    "touch",
    "grep",
    "date",
    "mkdir",
    "chmod",
    "tr",
)  # what the recipes and fakes call

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

LOGGING = '#!/bin/sh\necho "{name} $*" >> "$FAKE_LOG"\n'
# a python3 that makes a venv of logging fakes; the venv's python, pip and streamlit log and succeed
FAKE_PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "$FAKE_LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  for tool in python pip streamlit ruff lint-imports; do
    printf '#!/bin/sh\\necho "venv/%s $*" >> "$FAKE_LOG"\\n' "$tool" > "$3/bin/$tool"
    chmod +x "$3/bin/$tool"
  done
fi
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    work = tmp_path / "clone"
    work.mkdir()
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, work / name)
    return work


def make(project: Path, target: str, chromium: bool, zh_font: bool, nginx: bool = True) -> list[str]:
    """Run `make target` in the copy with only the fakes on PATH; the lines the fakes logged."""
    bin_dir = project.parent / "bin"
    shutil.rmtree(bin_dir, ignore_errors=True)
    bin_dir.mkdir()
    for tool in TOOLS:
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    fakes = {"python3": FAKE_PYTHON3, "apt-get": LOGGING.format(name="apt-get")}
    if chromium:
        fakes["chromium"] = LOGGING.format(name="chromium")
    if nginx:
        fakes["nginx"] = LOGGING.format(name="nginx")
    # fc-list :lang=zh lists the installed Chinese fonts: one line when there is one, nothing when not
    fakes["fc-list"] = "#!/bin/sh\n" + (
        'echo "/usr/share/fonts/wqy-microhei.ttc: WenQuanYi Micro Hei:style=Regular"\n' if zh_font else ""
    )
    for name, text in fakes.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = project / "fake.log"
    log.unlink(missing_ok=True)
    env = {"PATH": str(bin_dir), "FAKE_LOG": str(log), "HOME": str(project)}
    result = subprocess.run(
        [MAKE, "--no-print-directory", target], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines() if log.exists() else []


def apt_installs(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("apt-get install")]


def test_make_run_on_a_fresh_clone_installs_the_runtime_only_and_starts_the_app(project):
    lines = make(project, "run", chromium=False, zh_font=False)
    assert "python3 -m venv .venv" in lines
    pip = [line for line in lines if line.startswith("venv/pip")]
    assert pip == ["venv/pip install --quiet --disable-pip-version-check -r requirements.txt"]
    assert "venv/python -m demo" in lines and "venv/streamlit run Home.py" in lines
    assert apt_installs(lines) == []  # no browser, no fonts for the app itself


def test_make_test_installs_the_dev_requirements_and_runs_pytest(project):
    lines = make(project, "test", chromium=True, zh_font=True)
    assert "venv/pip install --quiet --disable-pip-version-check -r requirements-dev.txt" in lines
    assert lines[-1] == "venv/python -m pytest -q"


def test_make_test_runs_ruff_and_the_import_contracts_before_pytest(project):
    lines = make(project, "test", chromium=True, zh_font=True)
    lint = ["venv/ruff check .", "venv/ruff format --check .", "venv/lint-imports "]  # the fake logs "$*" after a space
    assert lines[-4:] == [*lint, "venv/python -m pytest -q"]


def test_make_run_does_not_lint(project):
    lines = make(project, "run", chromium=True, zh_font=True)
    assert not [line for line in lines if line.startswith(("venv/ruff", "venv/lint-imports"))]


def test_the_cjk_font_is_installed_when_chromium_is_already_there(project):
    installs = apt_installs(make(project, "test", chromium=True, zh_font=False))
    assert len(installs) == 1 and "fonts-wqy-microhei" in installs[0] and "chromium" not in installs[0]


def test_chromium_is_installed_when_missing_and_the_font_is_not_reinstalled(project):
    installs = apt_installs(make(project, "test", chromium=False, zh_font=True))
    assert len(installs) == 1 and installs[0].split()[-1] == "chromium"


def test_nothing_is_apt_installed_when_chromium_and_a_chinese_font_are_there(project):
    assert apt_installs(make(project, "test", chromium=True, zh_font=True)) == []


def test_each_install_runs_once_until_its_requirements_change(project):
    make(project, "run", chromium=True, zh_font=True)
    after_run = make(project, "test", chromium=True, zh_font=True)
    assert [line for line in after_run if line.startswith("venv/pip")] == [
        "venv/pip install --quiet --disable-pip-version-check -r requirements-dev.txt"
    ]  # the runtime is in already
    again = make(project, "run", chromium=True, zh_font=True) + make(project, "test", chromium=True, zh_font=True)
    assert [line for line in again if line.startswith(("venv/pip", "python3"))] == []
    with (project / "requirements.txt").open("a") as requirements:
        requirements.write("# a change\n")
    changed = make(project, "run", chromium=True, zh_font=True)
    assert [line for line in changed if line.startswith("venv/pip")] == [
        "venv/pip install --quiet --disable-pip-version-check -r requirements.txt"
    ]


def test_nginx_is_installed_for_the_tests_when_missing_and_make_run_never_asks_for_it(project):
    installs = apt_installs(make(project, "test", chromium=True, zh_font=True, nginx=False))
    assert len(installs) == 1 and installs[0].split()[-1] == "nginx"
    assert apt_installs(make(project, "run", chromium=True, zh_font=True, nginx=False)) == []
