"""A wheelhouse for the install test, made without the network: the project's wheel is built
from the checkout, and every distribution it needs at run time is packed back into a wheel from
what is installed in this environment (its files as listed in RECORD, its WHEEL tags).
A distribution that can't be packed that way is fetched with `pip download` instead (CI has the
package index; a developer's machine usually doesn't need it)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SKIP_IN_DIST_INFO = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def runtime_closure(project: str = "dangjian-bot") -> dict[str, metadata.Distribution]:
    """Every installed distribution `project` needs at run time (its extras' markers honoured),
    by canonical name, the project itself left out."""
    found: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        dist = metadata.distribution(name)
        if canonicalize_name(name) != canonicalize_name(project):
            found[canonicalize_name(name)] = dist
        for raw in dist.requires or []:
            req = Requirement(raw)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return found


def _tags(dist: metadata.Distribution) -> tuple[str, bool]:
    """The wheel's compressed tag (py-abi-plat) and whether it is pure."""
    text = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]
    if not tags:
        raise ValueError(f"{dist.metadata['Name']}: no WHEEL tags")
    parts = [t.split("-") for t in tags]
    joined = "-".join(
        ".".join(dict.fromkeys(p[i] for p in parts)) for i in range(3)
    )  # cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64
    pure = "Root-Is-Purelib: true" in text
    return joined, pure


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


def repack(dist: metadata.Distribution, out: Path) -> Path:
    """Pack an installed distribution back into a wheel in `out`."""
    name = re.sub(r"[-_.]+", "_", str(dist.metadata["Name"]))
    version = str(dist.version)
    tag, _pure = _tags(dist)
    files = dist.files
    if not files:
        raise ValueError(f"{name}: no RECORD")
    info_dir = f"{name}-{version}.dist-info"
    target = out / f"{name}-{version}-{tag}.whl"
    record: list[tuple[str, str, str]] = []
    found_info = None
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as whl:
        for item in files:
            rel = item.as_posix()
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
                continue  # scripts outside site-packages are made again from entry points
            top = rel.split("/", 1)[0]
            if top.endswith(".dist-info"):
                found_info = top
                if rel.split("/", 1)[1] in SKIP_IN_DIST_INFO:
                    continue
                arcname = f"{info_dir}/{rel.split('/', 1)[1]}"
            else:
                arcname = rel
            path = Path(str(dist.locate_file(item)))
            if not path.is_file():
                continue
            data = path.read_bytes()
            whl.writestr(arcname, data)
            record.append((arcname, _digest(data), str(len(data))))
        if found_info is None:
            raise ValueError(f"{name}: no dist-info in RECORD")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(record)
        writer.writerow((f"{info_dir}/RECORD", "", ""))
        whl.writestr(f"{info_dir}/RECORD", buffer.getvalue())
    return target


def build(project_root: Path, out: Path, python: str = sys.executable) -> list[Path]:
    """The wheelhouse: the project's wheel plus every run-time dependency."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--wheel-dir", str(out), str(project_root)],
        check=True,
        capture_output=True,
    )
    missing: list[str] = []
    for dist in runtime_closure().values():
        try:
            repack(dist, out)
        except (ValueError, OSError):
            missing.append(f"{dist.metadata['Name']}=={dist.version}")
    if missing:  # fall back on the package index
        subprocess.run(
            [python, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
            + ["--dest", str(out), *missing],
            check=True,
            capture_output=True,
        )
    return sorted(out.glob("*.whl"))
