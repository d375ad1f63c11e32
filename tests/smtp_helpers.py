"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the send tests, with a self-signed certificate.

``smtp_server(mode, tmp_path)`` starts one of three servers on a free port:

* ``"plain"`` — no encryption, no login (a relay inside the office network);
* ``"ssl"`` — implicit TLS (as on port 465), login required;
* ``"starttls"`` — STARTTLS required before anything else (as on port 587), login required.

The certificate is made by the test with ``cryptography``: a private CA (written to
``ca.pem``, for ``--cafile``) and a server certificate for ``localhost`` and ``127.0.0.1``.
The handler records every accepted message and can be told to answer 4xx a few times, to drop
the connection once (before or after the content), or to refuse some recipients with 5xx; and,
for the fault tests, to hold the final answer to DATA back (``data_delay``, telling the test by
``data_received``), to keep a message and then drop the connection without answering, and to
echo the client's AUTH strings back as a careless server does (``echo_auth``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

USER = "gov@example.cn"


@dataclass
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Records messages; can fail on purpose. Thread-safe enough for one client at a time."""

    password: str = ""
    require_auth: bool = False
    temp_failures: int = 0  # answer DATA with 451 this many times
    drop_once: bool = False  # close the connection instead of answering the next DATA
    echo_password: bool = False  # a careless server: repeats the password in its refusal
    auth_unavailable: bool = False  # answer AUTH with 454 (temporary authentication failure)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> answer (5xx or 4xx)
    drop_at_rcpt_once: bool = False  # close the connection at the next RCPT (before DATA)
    keep_then_drop: int = 0  # this many times: keep the message, then close without answering
    data_delay: float = 0.0  # seconds to hold back the final answer to DATA
    data_received: threading.Event = field(default_factory=threading.Event)  # content is in
    keep_held: bool = True  # with ``data_delay``: keep the message at once (else lose it: 451)
    echo_auth: bool = False  # refuse logins, repeating the client's AUTH strings (b64 and hex)
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8")
        given = auth_data.password.decode("utf-8")
        if self.auth_unavailable:
            return AuthResult(success=False, handled=False,
                              message="454 4.7.0 Temporary authentication failure")
        ok = login == USER and given == self.password
        self.logins.append((login, ok))
        if ok:
            return AuthResult(success=True)
        message = f"535 5.7.8 Bad credentials {login} {given}" if self.echo_password else None
        return AuthResult(success=False, handled=False, message=message)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.drop_at_rcpt_once:
            self.drop_at_rcpt_once = False
            server.transport.close()
            return "451 4.3.0 dropped"  # never reaches the client
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_AUTH(self, server: Any, session: Any, envelope: Any, args: list[str]) -> Any:
        """With ``echo_auth``: read the credentials as sent and repeat them in the refusal."""
        if not self.echo_auth:
            return MISSING
        sent = args[1] if len(args) > 1 else ""
        if args[0].upper() == "LOGIN":
            await server.push("334 " + base64.b64encode(b"Password:").decode())
            sent = (await server._reader.readline()).decode().strip()
        decoded = base64.b64decode(sent + "=" * (-len(sent) % 4))
        return (f"535 5.7.8 Bad credentials: you sent {sent} (hex {decoded.hex()}, "
                f"text {decoded.decode('utf-8', 'replace')!r})")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:  # a slow answer, after the message is safe (keep_held) or not
            keep = self.keep_held
            with self.lock:
                self.data_commands += 1
                number = len(self.messages) + 1
                if keep:
                    self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                  envelope.original_content or envelope.content,
                                                  bool(session.authenticated)))
            self.data_received.set()
            await asyncio.sleep(self.data_delay)
            if not keep:
                return "451 4.3.0 Lost while the client waited"
            return f"250 2.0.0 Ok: queued as Q{number}"
        self.data_received.set()
        with self.lock:
            self.data_commands += 1
            if self.keep_then_drop > 0:
                self.keep_then_drop -= 1
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                              envelope.original_content or envelope.content,
                                              bool(session.authenticated)))
                server.transport.close()
                return "250 2.0.0 kept, but the answer is lost"  # never reaches the client
            if self.drop_once:
                self.drop_once = False
                server.transport.close()
                return "451 4.3.0 dropped"  # never reaches the client
            if self.temp_failures > 0:
                self.temp_failures -= 1
                return "451 4.3.0 Temporary failure, try again later"
            data = envelope.original_content or envelope.content
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data,
                                          bool(session.authenticated)))
            return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"


@dataclass
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(folder: Path) -> Certificates:
    """A private CA and a server certificate for localhost / 127.0.0.1, as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试区政府内部 CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    certs.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certs.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certs.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return certs


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    mode: str
    port: int
    handler: Handler
    certificates: Certificates | None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


class _Controller(Controller):
    """Closes its event loop on stop, so no ResourceWarning is left for pytest to turn fatal."""

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert)
        if not self.loop.is_closed():
            self.loop.close()


@contextmanager
def smtp_server(mode: str, folder: Path, *, password: str = "",
                certificates: Certificates | None = None,
                exclude_auth: tuple[str, ...] = ()) -> Iterator[Server]:
    """Run an SMTP server of ``mode`` ("plain", "ssl", "starttls") for the ``with`` block;
    ``exclude_auth`` leaves login mechanisms out (e.g. ``("PLAIN",)`` to make clients use LOGIN)."""
    if mode not in ("plain", "ssl", "starttls"):
        raise ValueError(f"unknown mode {mode!r}")
    handler = Handler(password=password, require_auth=mode != "plain")
    kwargs: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 10}
    if mode != "plain":
        certificates = certificates or make_certificates(folder / "certs")
        kwargs["authenticator"] = handler.authenticate
        kwargs["auth_exclude_mechanism"] = list(exclude_auth)
        if mode == "ssl":
            # aiosmtpd does not see implicit TLS as TLS; the handler demands the login instead.
            kwargs["ssl_context"] = certificates.server_context()
            kwargs["auth_require_tls"] = False
        else:
            kwargs["tls_context"] = certificates.server_context()
            kwargs["require_starttls"] = True
    port = free_port()
    loop = asyncio.new_event_loop()
    controller = _Controller(handler, hostname="127.0.0.1", port=port, loop=loop, **kwargs)
    controller.start()
    try:
        yield Server(mode, port, handler, certificates)
    finally:
        controller.stop()
