"""Serve the whole firm from one machine: several Streamlit processes of the console behind nginx,
and the worker process (`make serve`; the README's "Serving the whole firm").

    .venv/bin/python deploy/serve.py [--port 8080] [--address 0.0.0.0] [--backends N] [--no-worker]

It brings the store's schema up to date once, starts N processes of `streamlit run Home.py` on
127.0.0.1 (ports from --first-backend-port) sharing one cookie secret (so a form's XSRF token is
good on any of them), waits until each answers its health check, then starts nginx with the
configuration of deploy/nginx.conf.template in --run-dir, and the worker. It restarts a console
process or the worker that stops, stops everything on Ctrl-C or SIGTERM, and writes the process
ids to <run-dir>/processes.json. SQLite in WAL mode with a busy timeout takes the processes'
writes one at a time (core.kernel.db).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.bootstrap import open_store  # noqa: E402
from core.kernel import config  # noqa: E402

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
READY_TIMEOUT_S = 120


def nginx_binary() -> str:
    """nginx on the PATH or in /usr/sbin (installed by `make serve` / `make test`)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise SystemExit("nginx is not installed: make nginx (apt-get install nginx)")
    return found


def upload_limit_mb() -> int:
    """Streamlit's upload limit from .streamlit/config.toml (MB)."""
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return int(settings.get("server", {}).get("maxUploadSize", 200))


def nginx_conf(run_dir: Path, listen: str, backend_ports: list[int]) -> str:
    """The nginx configuration: the template with this machine's ports and folders."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in backend_ports)
    values = {
        "run_dir": str(run_dir),
        "servers": servers,
        "listen": listen,
        "max_body_mb": str(upload_limit_mb() + 5),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT_S) -> None:
    """Wait until `url` answers 200; raise if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} stopped with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class Firm:
    """The processes: console backends, the worker, nginx."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_dir = Path(args.run_dir).resolve()
        self.ports = [args.first_backend_port + i for i in range(args.backends)]
        self.backends: dict[int, subprocess.Popen] = {}
        self.worker: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": config.secret("streamlit-cookie.secret")}

    def start_backend(self, port: int) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "streamlit", "run", "Home.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        ]  # fmt: skip
        log = open(self.run_dir / f"console-{port}.log", "ab")  # noqa: SIM115 - the child keeps it
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_worker(self) -> subprocess.Popen:
        log = open(self.run_dir / "worker.log", "ab")  # noqa: SIM115 - the child keeps it
        return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def write_processes(self) -> None:
        (self.run_dir / "processes.json").write_text(
            json.dumps(
                {
                    "nginx": self.nginx.pid if self.nginx else None,
                    "worker": self.worker.pid if self.worker else None,
                    "backends": {str(port): p.pid for port, p in self.backends.items()},
                }
            )
        )

    def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        open_store().close()  # the schema is brought up to date once, before N processes open the store
        for port in self.ports:
            self.backends[port] = self.start_backend(port)
        for port, process in self.backends.items():
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", process)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.run_dir, f"{self.args.address}:{self.args.port}", self.ports))
        binary = nginx_binary()
        check = subprocess.run([binary, "-t", "-p", str(self.run_dir), "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{check.stderr}")
        self.nginx = subprocess.Popen([binary, "-p", str(self.run_dir), "-c", str(conf), "-g", "daemon off;"])
        wait_healthy(f"http://127.0.0.1:{self.args.port}/_stcore/health", self.nginx)
        if not self.args.no_worker:
            self.worker = self.start_worker()
        self.write_processes()
        print(
            f"serving {config.db_path()} on http://{self.args.address}:{self.args.port} "
            f"({len(self.ports)} console processes on 127.0.0.1:{self.ports[0]}-{self.ports[-1]}"
            f"{', the worker' if self.worker else ''}); logs in {self.run_dir}",
            flush=True,
        )

    def watch(self) -> None:
        """Restart a console process or the worker that stopped; end when nginx stops."""
        while True:
            time.sleep(1)
            if self.nginx is not None and self.nginx.poll() is not None:
                raise RuntimeError(f"nginx stopped with {self.nginx.returncode}: see {self.run_dir / 'error.log'}")
            for port, process in list(self.backends.items()):
                if process.poll() is not None:
                    print(f"console process on {port} stopped ({process.returncode}): restarting", flush=True)
                    self.backends[port] = self.start_backend(port)
                    self.write_processes()
            if self.worker is not None and self.worker.poll() is not None:
                print(f"worker stopped ({self.worker.returncode}): restarting", flush=True)
                self.worker = self.start_worker()
                self.write_processes()

    def stop(self) -> None:
        children = [p for p in (self.nginx, self.worker, *self.backends.values()) if p is not None]
        for process in children:
            if process.poll() is None:
                process.terminate()
        for process in children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("SERVE_PORT", 8080)))
    parser.add_argument("--address", default=os.environ.get("SERVE_ADDRESS", "0.0.0.0"))
    parser.add_argument("--backends", type=int, default=int(os.environ.get("SERVE_BACKENDS", os.cpu_count() or 2)))
    parser.add_argument("--first-backend-port", type=int, default=8601)
    parser.add_argument("--run-dir", default=str(config.data_dir() / "serve"))
    parser.add_argument("--no-worker", action="store_true", help="do not start the worker process")
    args = parser.parse_args(argv)
    if args.backends < 1:
        parser.error("--backends must be at least 1")
    firm = Firm(args)

    def stop_on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        firm.start()
        firm.watch()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        firm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
