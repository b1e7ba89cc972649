"""A second Docker engine for the tests, "remote" as far as this host can tell.

It runs in its own network namespace (``dm-remote-N``) behind a veth pair: this host is
``10.231.N.1``, the engine ``10.231.N.2``. It listens on TCP 2376 with mutual TLS (a CA, a server
certificate for the namespace's IP and a client certificate, all made here with ``openssl``), on a
unix socket of its own, and an sshd in the namespace (port 2222, a generated key) lets docker-py's
``ssh://`` path run ``docker system dial-stdio`` there. Its bridge is ``10.232.N.1/24``, never
``--bridge=none`` (that removes the host's ``docker0``). Its iptables rules live in the namespace
and go with it; its mounts live in the mount namespace ``ip netns exec`` makes, and go with the
processes. Nothing here touches the host's engine, socket or ``~/.docker``/``~/.ssh``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker

PREFIX = "dm-remote"
SSH_PORT = 2222
TLS_PORT = 2376


def _run(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), check=True, capture_output=True, text=True, **kw)


def _free_subnet() -> int:
    """An N whose netns, addresses and interface names nobody on this host uses."""
    used_ns = {line.split()[0] for line in _run("ip", "netns", "list").stdout.splitlines() if line.strip()}
    used_addr = _run("ip", "-o", "-4", "addr").stdout
    for n in [*range(os.getpid() % 200 + 20, 250), *range(20, 250)]:
        if f"{PREFIX}-{n}" not in used_ns and f"10.231.{n}." not in used_addr \
                and not Path(f"/sys/class/net/dmr{n}h").exists():
            return n
    raise RuntimeError("no free 10.231.N.0/30 for a remote engine")


def _wait_port(host: str, port: int, timeout: float) -> None:
    end = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


@dataclass
class RemoteEngine:
    """The engine's addresses and credentials; ``start()`` brings it up, ``stop()`` removes it all."""

    n: int = field(default_factory=_free_subnet)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix=f"{PREFIX}-")))
    procs: list = field(default_factory=list)
    made_privsep_dir: bool = False
    seconds: dict = field(default_factory=dict)

    @property
    def netns(self) -> str:
        return f"{PREFIX}-{self.n}"

    @property
    def ip(self) -> str:
        return f"10.231.{self.n}.2"

    @property
    def tcp_url(self) -> str:
        return f"tcp://{self.ip}:{TLS_PORT}"

    @property
    def ssh_url(self) -> str:
        return f"ssh://root@{self.ip}:{SSH_PORT}"

    @property
    def socket(self) -> str:
        return f"unix://{self.workdir}/docker.sock"

    @property
    def certs(self) -> Path:
        """DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem for the client."""
        return self.workdir / "client-certs"

    @property
    def ssh_home(self) -> Path:
        """A HOME whose ~/.ssh has the key and the known_hosts line for this engine."""
        return self.workdir / "home"

    @property
    def ssh_bin(self) -> Path:
        """A directory for the front of PATH: an ``ssh`` that uses ``ssh_home``'s config."""
        return self.workdir / "ssh-bin"

    # -- bring-up ---------------------------------------------------------------------------
    def start(self) -> "RemoteEngine":
        t0 = time.monotonic()
        try:
            self._network()
            self._tls()
            self._dockerd()
            self._sshd()
        except BaseException:
            self.stop()
            raise
        self.seconds["start"] = time.monotonic() - t0
        return self

    def _netns(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *argv]

    def _network(self) -> None:
        n, host, peer = self.n, f"dmr{self.n}h", f"dmr{self.n}r"
        _run("ip", "netns", "add", self.netns)
        _run("ip", "link", "add", host, "type", "veth", "peer", "name", peer)
        _run("ip", "link", "set", peer, "netns", self.netns)
        _run("ip", "addr", "add", f"10.231.{n}.1/30", "dev", host)
        _run("ip", "link", "set", host, "up")
        _run(*self._netns("ip", "addr", "add", f"{self.ip}/30", "dev", peer))
        _run(*self._netns("ip", "link", "set", peer, "up"))
        _run(*self._netns("ip", "link", "set", "lo", "up"))

    def _tls(self) -> None:
        self.certs.mkdir()
        d = self.workdir / "server-certs"
        d.mkdir()
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _run("openssl", "req", "-x509", *ec, "-keyout", d / "ca-key.pem", "-out", d / "ca.pem",
             "-days", "2", "-subj", "/CN=dockermagic test CA")
        for who, cn, ext in (("server", self.ip, f"subjectAltName=IP:{self.ip}\nextendedKeyUsage=serverAuth\n"),
                             ("client", "dockermagic-test-client", "extendedKeyUsage=clientAuth\n")):
            (d / f"{who}.ext").write_text(ext)
            _run("openssl", "req", *ec, "-keyout", d / f"{who}-key.pem", "-out", d / f"{who}.csr", "-subj", f"/CN={cn}")
            _run("openssl", "x509", "-req", "-in", d / f"{who}.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca-key.pem",
                 "-CAcreateserial", "-days", "2", "-out", d / f"{who}-cert.pem", "-extfile", d / f"{who}.ext")
        shutil.copy(d / "ca.pem", self.certs / "ca.pem")
        shutil.copy(d / "client-cert.pem", self.certs / "cert.pem")
        shutil.copy(d / "client-key.pem", self.certs / "key.pem")

    def _dockerd(self) -> None:
        w, d = self.workdir, self.workdir / "server-certs"
        (w / "daemon.json").write_text("{}")
        # Not `ip netns exec`: it remounts /sys, and dockerd then finds no cgroups. A private mount
        # namespace keeps the daemon's overlay mounts off the host; they go when its processes do.
        argv = ["unshare", "--mount", "--propagation", "slave", "--", "nsenter", f"--net=/run/netns/{self.netns}", "--",
            "dockerd", "--config-file", f"{w}/daemon.json", "--data-root", f"{w}/data", "--exec-root", f"{w}/exec",
            "--pidfile", f"{w}/docker.pid", "-H", self.socket, "-H", f"tcp://{self.ip}:{TLS_PORT}",
            "--tlsverify", "--tlscacert", f"{d}/ca.pem", "--tlscert", f"{d}/server-cert.pem",
            "--tlskey", f"{d}/server-key.pem", "--bip", f"10.232.{self.n}.1/24",
            "--containerd-namespace", self.netns, "--containerd-plugins-namespace", f"{self.netns}-plugins"]
        log = open(w / "dockerd.log", "wb")
        self.procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        log.close()
        t0 = time.monotonic()
        end = t0 + 60
        while True:
            try:
                c = docker.APIClient(base_url=self.socket, version="1.41", timeout=5)
                try:
                    c.ping()
                finally:
                    c.close()
                break
            except Exception:
                if self.procs[-1].poll() is not None or time.monotonic() > end:
                    tail = (w / "dockerd.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the remote dockerd did not come up:\n{tail}") from None
                time.sleep(0.1)
        self.seconds["dockerd"] = time.monotonic() - t0

    def _sshd(self) -> None:
        w, home = self.workdir, self.ssh_home
        (home / ".ssh").mkdir(parents=True)
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", w / "ssh_host_ed25519_key")
        _run("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f", home / ".ssh" / "id_ecdsa")
        shutil.copy(home / ".ssh" / "id_ecdsa.pub", w / "authorized_keys")
        host_key = (w / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        (home / ".ssh" / "known_hosts").write_text(f"[{self.ip}]:{SSH_PORT} {' '.join(host_key)}\n")
        (home / ".ssh" / "config").write_text(f"Host {self.ip}\n  IdentityFile {home}/.ssh/id_ecdsa\n"
                                              f"  UserKnownHostsFile {home}/.ssh/known_hosts\n"
                                              "  IdentitiesOnly yes\n  BatchMode yes\n")
        # OpenSSH finds ~/.ssh through the password database, not HOME: the docker CLI and Compose
        # (which run `ssh … docker system dial-stdio`) get an `ssh` on PATH that reads this config.
        self.ssh_bin.mkdir()
        (self.ssh_bin / "ssh").write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {home}/.ssh/config "$@"\n')
        (self.ssh_bin / "ssh").chmod(0o755)
        (w / "cli").mkdir()
        # The session's `docker system dial-stdio` must reach this engine's socket, not the
        # host's /var/run/docker.sock: sshd gives the session DOCKER_HOST (OpenSSH >= 8.7).
        (w / "sshd_config").write_text(
            f"Port {SSH_PORT}\nListenAddress {self.ip}\nHostKey {w}/ssh_host_ed25519_key\nPidFile {w}/sshd.pid\n"
            f"AuthorizedKeysFile {w}/authorized_keys\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            f"SetEnv DOCKER_HOST={self.socket} DOCKER_CONFIG={w}/cli\n")
        if not Path("/run/sshd").exists():  # sshd's privilege-separation directory
            os.makedirs("/run/sshd", mode=0o755)
            self.made_privsep_dir = True
        log = open(w / "sshd.log", "wb")
        self.procs.append(subprocess.Popen(self._netns("/usr/sbin/sshd", "-D", "-e", "-f", f"{w}/sshd_config"),
                                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        log.close()
        _wait_port(self.ip, SSH_PORT, 10)

    # -- images -----------------------------------------------------------------------------
    def load_images(self, refs: list[str]) -> None:
        """Copy images from the host's engine: ``docker save REF… | docker -H REMOTE load``, one stream."""
        t0 = time.monotonic()
        save = subprocess.Popen(["docker", "save", *refs], stdout=subprocess.PIPE)
        load = subprocess.run(["docker", "-H", self.socket, "load", "-q"], stdin=save.stdout, capture_output=True,
                              text=True, env={**os.environ, "DOCKER_CONFIG": str(self.workdir / "cli")})
        save.stdout.close()
        if save.wait() != 0 or load.returncode != 0:
            raise RuntimeError(f"could not copy {refs} to the remote engine: {load.stderr.strip()}")
        self.seconds["load_images"] = time.monotonic() - t0

    # -- tear-down --------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the daemons and remove the namespace, the veth pair and the files; safe to call twice."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.procs.clear()
        self._kill_leftovers()
        with contextlib.suppress(subprocess.CalledProcessError):
            _run("ip", "link", "del", f"dmr{self.n}h")
        with contextlib.suppress(subprocess.CalledProcessError):
            _run("ip", "netns", "del", self.netns)
        for target in reversed(_mounts_under(self.workdir)):
            subprocess.run(["umount", "-l", target], capture_output=True)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.made_privsep_dir:
            with contextlib.suppress(OSError):
                os.rmdir("/run/sshd")
            self.made_privsep_dir = False

    def _kill_leftovers(self) -> None:
        """Processes still in the namespace (containerd shims of a killed daemon) are ours: end them."""
        for _ in range(50):
            try:
                pids = [int(p) for p in _run("ip", "netns", "pids", self.netns).stdout.split()]
            except subprocess.CalledProcessError:
                return
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)


def _mounts_under(path: Path) -> list[str]:
    out = subprocess.run(["findmnt", "-rn", "-o", "TARGET"], capture_output=True, text=True).stdout
    return [m for m in out.split() if m.startswith(str(path))]
