"""deploy/: the systemd units and the nginx site. `nginx -t` checks the site when nginx is
installed (`.ci/run` installs it)."""

from __future__ import annotations

import configparser
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [("dangjian-serve.service", "serve"), ("dangjian-scheduler.service", "scheduler")],
)
def test_systemd_units(name: str, command: str) -> None:
    unit = _unit(name)
    service = unit["Service"]
    assert service["ExecStart"].split()[1:2] == [command]
    assert service["ExecStart"].startswith("/opt/dangjian/venv/bin/dangjian ")
    assert service["User"] == "dangjian" and service["Group"] == "dangjian"
    assert service["Restart"] in ("on-failure", "always")
    assert service["Environment"] == f"DANGJIAN_HOME={service['WorkingDirectory']}"
    assert service["ReadWritePaths"] == service["WorkingDirectory"]  # the data folder only
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"  # dangjian reload's signal
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    if command == "serve":
        assert "--host 127.0.0.1" in service["ExecStart"]  # only nginx talks to it


def test_nginx_site_exposes_only_the_callbacks() -> None:
    site = (DEPLOY / "nginx-dangjian.conf").read_text(encoding="utf-8")
    for needle in (
        "location = /wechat",
        "location = /wecom",
        "location /m/",
        "location = /healthz",
        "proxy_request_buffering on;",
        "client_max_body_size 64k;",
        "ssl_certificate ",
        "return 301 https://",
    ):
        assert needle in site, needle
    catch_all = site[site.index("location / {") :]
    assert "return 404;" in catch_all.split("}")[0]  # the simulator is never proxied
    assert "simulator" not in site.replace("the chat simulator (/, /simulator/*)", "")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dangjian.example.org")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "site.crt", folder / "site.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    crt, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx-dangjian.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/nginx/ssl/dangjian.crt", str(crt))
    site = site.replace("/etc/nginx/ssl/dangjian.key", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = "".join(
        f"    {kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\n    access_log off;\n{temp}"
        f"    include {tmp_path / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    nginx = shutil.which("nginx")
    assert nginx is not None
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("name", ["dangjian-serve.service", "dangjian-scheduler.service"])
def test_systemd_accepts_the_units(tmp_path: Path, name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    unit = tmp_path / name
    unit.write_text(text.replace("/opt/dangjian/venv/bin/dangjian", "/bin/sleep"), "utf-8")
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert str(unit) not in result.stderr, result.stderr  # no warning about our unit
