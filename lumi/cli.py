"""``lumi``: the command line. ``lumi serve`` starts and supervises the server.

``serve`` runs no request or indexing code itself: it checks the options, takes an exclusive
lock on the data directory (a second server on the same directory is refused), then starts
two children: the scheduler process and the HTTP server (granian, one or more worker
processes). A scheduler that dies is restarted; SIGTERM/SIGINT stop both children cleanly.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from lumi import __version__
from lumi.auth.policy import check_master_key_for_env, master_key_warning
from lumi.auth.store import KeyStore
from lumi.config import Config, ConfigError, help_text, load_config
from lumi.dumps.reader import DumpError
from lumi.dumps.startup import import_at_start
from lumi.logs import setup_logging
from lumi.tasks.store import TaskStore
from lumi.timefmt import now_ns

log = logging.getLogger("lumi")

_RESTART_DELAY = 0.5
_STOP_TIMEOUT = 15.0


def check_config(config: Config) -> None:
    refusal = check_master_key_for_env(config.env, config.master_key)
    if refusal is not None:
        raise ConfigError(refusal)
    try:
        config.host_port  # noqa: B018 - validates the address
    except ValueError:
        raise ConfigError(f"invalid value for `--http-addr`: `{config.http_addr}`") from None


def lock_data_dir(data_dir: Path) -> int:
    """Hold an exclusive lock on the data directory for the life of this process."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "lumi.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(
            f"the data directory `{data_dir}` is already used by another running Lumi server"
        ) from None
    return fd


def prepare_data_dir(config: Config) -> None:
    """One-time start-up work done before any child runs: default API keys, key index."""
    store = TaskStore(config.data_dir / "tasks")
    try:
        KeyStore(store, config.master_key).prepare(now_ns())
    finally:
        store.close()


class Supervisor:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = {**os.environ, **config.to_env()}
        self.stopping = False
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.http: subprocess.Popen[bytes] | None = None

    def _start_scheduler(self) -> None:
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "lumi.tasks.worker"], env=self.env, start_new_session=False
        )

    def _start_http(self) -> None:
        host, port = self.config.host_port
        self.http = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(max(1, self.config.workers)),
                "--log-level",
                "warning",
                "--no-ws",
                "--respawn-failed-workers",
                "--workers-kill-timeout",
                "3",
                "--factory",
                "lumi.http.app:create_app",
            ],
            env=self.env,
        )

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self._start_scheduler()
        self._start_http()
        host, port = self.config.host_port
        log.info(
            "Lumi %s listening on http://%s:%d (data in %s)",
            __version__,
            host,
            port,
            self.config.db_path,
        )
        while not self.stopping:
            time.sleep(0.2)
            if (
                self.scheduler is not None
                and self.scheduler.poll() is not None
                and not self.stopping
            ):
                log.error(
                    "the scheduler exited with code %s; restarting it", self.scheduler.returncode
                )
                time.sleep(_RESTART_DELAY)
                self._start_scheduler()
            if self.http is not None and self.http.poll() is not None and not self.stopping:
                log.error("the HTTP server exited with code %s; stopping", self.http.returncode)
                self.stopping = True
                self._shutdown()
                return 1
        self._shutdown()
        return 0

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _shutdown(self) -> None:
        children = [c for c in (self.http, self.scheduler) if c is not None and c.poll() is None]
        for child in children:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def serve(argv: list[str]) -> int:
    if "--help" in argv or "-h" in argv:
        print(help_text())
        return 0
    try:
        config = load_config(argv)
        check_config(config)
        lock_fd = lock_data_dir(config.data_dir)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    setup_logging(config.log_level)
    warning = master_key_warning(config.env, config.master_key)
    if warning is not None:
        log.warning(warning)
    try:
        import_at_start(config)
        prepare_data_dir(config)
        return Supervisor(config).run()
    except (ConfigError, DumpError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, ConfigError) else 1
    finally:
        os.close(lock_fd)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(
            "usage: lumi serve [OPTIONS]   (lumi serve --help for options)\n       lumi --version"
        )
        sys.exit(0)
    if args[0] == "--version":
        print(f"lumi {__version__}")
        sys.exit(0)
    if args[0] == "serve":
        sys.exit(serve(args[1:]))
    print(f"error: unknown command `{args[0]}` (try `lumi serve`)", file=sys.stderr)
    sys.exit(2)
