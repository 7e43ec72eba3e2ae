"""The console's vendored front-end files match their manifest, file for file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "miniapp_api" / "console" / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"
REQUIRED_FIELDS = ("path", "package", "version", "licence", "sha256", "source")


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def vendored_files() -> set[str]:
    return {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path != MANIFEST
    }


def test_every_entry_names_its_origin():
    manifest = load_manifest()
    for entry in manifest["files"]:
        missing = [field for field in REQUIRED_FIELDS if not entry.get(field)]
        assert not missing, f"{entry.get('path')}: missing {missing}"
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["path"]
        tarball = manifest["packages"][entry["package"]]["tarball"]
        assert entry["source"].startswith(f"{tarball}#package/"), entry["path"]
        assert tarball.startswith(f"https://registry.npmjs.org/{entry['package']}/-/")


def test_entries_agree_with_their_package():
    manifest = load_manifest()
    for entry in manifest["files"]:
        package = manifest["packages"][entry["package"]]
        assert entry["version"] == package["version"], entry["path"]
        assert entry["licence"] == package["licence"], entry["path"]
        assert entry["version"] in package["tarball"], entry["path"]


def test_paths_are_unique_and_inside_the_folder():
    paths = [entry["path"] for entry in load_manifest()["files"]]
    assert len(paths) == len(set(paths))
    for path in paths:
        assert not path.startswith("/") and ".." not in Path(path).parts, path


def test_every_file_is_in_the_manifest():
    listed = {entry["path"] for entry in load_manifest()["files"]}
    unlisted = sorted(vendored_files() - listed)
    assert not unlisted, f"vendored files missing from MANIFEST.json: {unlisted}"


def test_every_entry_exists():
    missing = sorted({e["path"] for e in load_manifest()["files"]} - vendored_files())
    assert not missing, f"MANIFEST.json lists files that are not there: {missing}"


@pytest.mark.parametrize("entry", load_manifest()["files"], ids=lambda entry: entry["path"])
def test_sha256_matches(entry):
    path = VENDOR / entry["path"]
    if not path.is_file():
        pytest.fail(f"{entry['path']} is listed but missing")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], (
        f"{entry['path']} differs from the {entry['package']} {entry['version']} file"
    )


def test_every_package_ships_its_licence():
    manifest = load_manifest()
    for name in manifest["packages"]:
        paths = {e["path"].rsplit("/", 1)[-1] for e in manifest["files"] if e["package"] == name}
        assert "LICENSE" in paths, f"{name}: its LICENSE file is not vendored"
