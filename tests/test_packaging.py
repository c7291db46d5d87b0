"""The catalogue travels with the package: an installed `nakabot` needs no checkout beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from bot import content

REPO = Path(__file__).resolve().parents[1]
CONTENT_FOLDERS = ("intents", "procedures", "richmenu")


def test_the_package_data_patterns_take_every_catalogue_file():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapped, data = setuptools["package-dir"], setuptools["package-data"]

    def folder_of(package: str) -> Path:  # setuptools' rule: the nearest mapped parent, then the rest
        parts = package.split(".")
        for cut in range(len(parts), 0, -1):
            if ".".join(parts[:cut]) in mapped:
                return REPO / mapped[".".join(parts[:cut])] / "/".join(parts[cut:])
        return REPO / "/".join(parts)

    taken = {path.resolve()
             for package in setuptools["packages"] if package.startswith(f"bot.{content.SHIPPED}.")
             for pattern in data.get("*", []) + data.get(package, [])
             for path in folder_of(package).glob(pattern)}
    for folder in CONTENT_FOLDERS:
        every = {p.resolve() for p in (REPO / folder).rglob("*") if p.is_file()}
        # A new procedures/<category>/ or kind of file must be added to pyproject.toml.
        assert sorted(map(str, every - taken)) == [], folder


def test_an_installed_package_reads_its_shipped_copy_and_a_checkout_its_own_folders(tmp_path):
    installed = tmp_path / "site-packages" / "bot"
    (installed / content.SHIPPED / "procedures").mkdir(parents=True)
    assert content.shipped_or_source(installed) == installed / content.SHIPPED
    checkout = tmp_path / "checkout" / "bot"
    checkout.mkdir(parents=True)
    assert content.shipped_or_source(checkout) == tmp_path / "checkout"
    # These tests run from the checkout (editable install): the files staff edit are read.
    assert content.DEFAULT_ROOT == REPO


def test_root_comes_from_the_option_then_the_environment_then_the_default(tmp_path):
    env = {"NAKABOT_CATALOGUE": str(tmp_path / "from-env")}
    assert content.resolve_root(tmp_path / "given", env) == tmp_path / "given"
    assert content.resolve_root(None, env) == tmp_path / "from-env"
    assert content.resolve_root(None, {}) == content.DEFAULT_ROOT
    assert content.resolve_root(None, {"NAKABOT_CATALOGUE": ""}) == content.DEFAULT_ROOT


def test_a_built_wheel_checks_and_answers_from_an_empty_folder(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for folder in ("bot", *CONTENT_FOLDERS):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    # setuptools' backend called as pip would, but offline: no isolated build environment.
    build = "from setuptools import build_meta; build_meta.build_wheel('dist')"
    subprocess.run([sys.executable, "-c", build], cwd=source, check=True, capture_output=True)
    wheel = next((source / "dist").glob("nakabot-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "installed")
    assert "bot/shipped/procedures/shomeisho/juminhyo.yaml" in names
    assert any(name.endswith("licenses/LICENSE") for name in names)

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    env.pop("NAKABOT_CATALOGUE", None)

    def nakabot(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=empty, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run([sys.executable, "-c", "from bot import content; print(content.DEFAULT_ROOT)"],
                           cwd=empty, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where) == tmp_path / "installed" / "bot" / content.SHIPPED
    assert nakabot("check").startswith("OK: 手続き")
    assert "住民票の写し" in nakabot("ask", "住民票")
