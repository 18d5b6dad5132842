"""A throwaway certificate for 127.0.0.1, made by openssl, for the test servers' TLS.

Self-signed, so it is its own CA: a client trusts it by loading the certificate
file as its CA file (INBOX_ROUTER_IMAP_CA_FILE, or SSL_CERT_FILE for SMTP).
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) in `directory`, valid one day for IP 127.0.0.1."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key
