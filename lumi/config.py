"""Every option of ``lumi serve`` in ONE table, and the frozen ``Config`` built from it.

Each option has Meilisearch's flag and ``MEILI_*`` environment name (so deployment scripts
keep working), a ``LUMI_*`` alias, a default and a parser. Precedence: the TOML config file
(``--config-file-path``, default ``./config.toml`` when present) < environment < flags.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A bad option: reported as one line, exit code 2."""


def parse_size(value: str | int) -> int:
    """``104857600``, ``100Mb``, ``100 MB``, ``2GiB`` -> bytes (decimal and binary units)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*", str(value), re.IGNORECASE)
    if not m:
        raise ValueError(f"`{value}` is not a valid size")
    number, unit = float(m[1]), m[2].lower()
    powers = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
    base = 1024 if "i" in unit else 1000
    return int(number * base ** powers[unit.rstrip("ib")[:1]])


def parse_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1", "yes", "on", ""):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"`{value}` is not a boolean")


def parse_int(value: str | int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"`{value}` is not an integer")
    number = int(value)
    if number < 0:
        raise ValueError(f"`{value}` is not a positive integer")
    return number


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        for option in allowed:
            if str(value).lower() == option.lower():
                return option
        raise ValueError(f"`{value}` is not one of {', '.join(allowed)}")

    return parse


def _text(value: Any) -> str:
    return str(value)


DEFAULT_SNAPSHOT_INTERVAL = 86_400


def parse_schedule(value: str | int | bool) -> int | None:
    """``--schedule-snapshot``: bare or ``true`` = every day, ``false`` = off, else seconds."""
    if isinstance(value, bool):
        return DEFAULT_SNAPSHOT_INTERVAL if value else None
    text = str(value).strip().lower()
    if text in ("true", ""):
        return DEFAULT_SNAPSHOT_INTERVAL
    if text == "false":
        return None
    seconds = parse_int(text)
    if seconds == 0:
        raise ValueError("the snapshot interval must be at least one second")
    return seconds


def _memory_default() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 * 1024**3
    return total * 2 // 3


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    parse: Callable[[Any], Any]
    default: Any
    help: str
    is_flag: bool = False  # a bare flag: present = true
    # A flag that may also be followed by its value (``--schedule-snapshot 3600``).
    optional_value: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "MEILI_" + self.name.upper()

    @property
    def alias(self) -> str:
        return "LUMI_" + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option("db_path", _text, "./data.lumi", "Directory where Lumi stores its data."),
    Option("http_addr", _text, "127.0.0.1:7700", "Address and port to listen on."),
    Option("master_key", _text, None, "Master key protecting the API (at least 16 bytes)."),
    Option(
        "env", _choice("development", "production"), "development", "`development` or `production`."
    ),
    Option("http_payload_size_limit", parse_size, 100_000_000, "Maximum request body size."),
    Option(
        "max_indexing_memory", parse_size, None, "Memory the indexer may use (default 2/3 of RAM)."
    ),
    Option(
        "max_indexing_threads",
        parse_int,
        None,
        "Processes the indexer may use (default: every CPU).",
    ),
    Option("task_webhook_url", _text, None, "URL notified when a batch of tasks finishes."),
    Option(
        "task_webhook_authorization_header",
        _text,
        None,
        "`Authorization` header sent to the task webhook.",
    ),
    Option(
        "log_level",
        _choice("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"),
        "INFO",
        "Log verbosity.",
    ),
    Option("dump_dir", _text, "dumps/", "Directory where dumps are written."),
    Option("snapshot_dir", _text, "snapshots/", "Directory where snapshots are written."),
    Option("import_dump", _text, None, "Dump file to import before starting."),
    Option(
        "ignore_missing_dump", parse_bool, False, "Start normally when the dump is missing.", True
    ),
    Option(
        "ignore_dump_if_db_exists",
        parse_bool,
        False,
        "Skip the dump import when a database already exists.",
        True,
    ),
    Option("import_snapshot", _text, None, "Snapshot file to start from."),
    Option(
        "ignore_missing_snapshot",
        parse_bool,
        False,
        "Start normally when the snapshot is missing.",
        True,
    ),
    Option(
        "ignore_snapshot_if_db_exists",
        parse_bool,
        False,
        "Skip the snapshot import when a database already exists.",
        True,
    ),
    Option(
        "schedule_snapshot",
        parse_schedule,
        None,
        "Create a snapshot every N seconds (86400 when given without a value).",
        True,
        True,
    ),
    Option("config_file_path", _text, "./config.toml", "TOML file with default option values."),
    Option(
        "no_analytics",
        parse_bool,
        False,
        "Accepted for compatibility; Lumi sends no analytics.",
        True,
    ),
    Option("experimental_max_number_of_batched_tasks", parse_int, None, "Maximum tasks per batch."),
    Option(
        "experimental_limit_batched_tasks_total_size",
        parse_size,
        None,
        "Maximum payload bytes per batch.",
    ),
    Option("experimental_search_queue_size", parse_int, 1000, "Searches allowed to wait at once."),
    Option("workers", parse_int, 1, "Number of HTTP worker processes."),
    Option(
        "dashboard",
        parse_bool,
        None,
        "Serve the web dashboard (default: on outside production).",
        True,
    ),
)

_BY_FLAG = {o.flag: o for o in OPTIONS}


@dataclass(frozen=True, slots=True)
class Config:
    db_path: str
    http_addr: str
    master_key: str | None
    env: str
    http_payload_size_limit: int
    max_indexing_memory: int | None
    max_indexing_threads: int | None
    task_webhook_url: str | None
    task_webhook_authorization_header: str | None
    log_level: str
    dump_dir: str
    snapshot_dir: str
    import_dump: str | None
    ignore_missing_dump: bool
    ignore_dump_if_db_exists: bool
    import_snapshot: str | None
    ignore_missing_snapshot: bool
    ignore_snapshot_if_db_exists: bool
    schedule_snapshot: int | None
    config_file_path: str
    no_analytics: bool
    experimental_max_number_of_batched_tasks: int | None
    experimental_limit_batched_tasks_total_size: int | None
    experimental_search_queue_size: int
    workers: int
    dashboard: bool | None

    @property
    def data_dir(self) -> Path:
        return Path(self.db_path)

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.http_addr.rpartition(":")
        return (host or "127.0.0.1").strip("[]"), int(port)

    @property
    def indexing_memory(self) -> int:
        return self.max_indexing_memory or _memory_default()

    @property
    def indexing_workers(self) -> int:
        return self.max_indexing_threads or os.cpu_count() or 1

    @property
    def batch_bytes_limit(self) -> int:
        return self.experimental_limit_batched_tasks_total_size or min(
            self.indexing_memory // 2, 10 * 1024**3
        )

    @property
    def dashboard_enabled(self) -> bool:
        return self.dashboard if self.dashboard is not None else self.env != "production"

    def to_env(self) -> dict[str, str]:
        """The config as ``LUMI_*`` variables, to hand down to child processes (which then
        read no config file: its values are already merged in)."""
        out = {}
        for option in OPTIONS:
            value = getattr(self, option.name)
            if value is not None:
                out[option.alias] = str(value).lower() if isinstance(value, bool) else str(value)
        return out


def _apply(option: Option, raw: Any, source: str) -> Any:
    try:
        return option.parse(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"invalid value for {source}: {exc}") from None


def parse_args(argv: Sequence[str]) -> dict[str, Any]:
    """Flags to option values; unknown flags and missing values are errors."""
    values: dict[str, Any] = {}
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        option = _BY_FLAG.get(name)
        if option is None:
            raise ConfigError(f"unknown option `{arg}` (see `lumi serve --help`)")
        if option.is_flag and not eq:
            following = args[i + 1] if i + 1 < len(args) else None
            if option.optional_value and following is not None and not following.startswith("-"):
                values[option.name] = _apply(option, following, f"`{name}`")
                i += 2
                continue
            values[option.name] = _apply(option, True, f"`{name}`")
            i += 1
            continue
        if eq:
            raw = inline
        elif i + 1 < len(args):
            raw = args[i + 1]
            i += 1
        else:
            raise ConfigError(f"option `{name}` needs a value")
        values[option.name] = _apply(option, raw, f"`{name}`")
        i += 1
    return values


def load_config(
    argv: Sequence[str], environ: Mapping[str, str] | None = None, *, read_file: bool = True
) -> Config:
    """The configuration from flags, environment and (with ``read_file``) the TOML file."""
    environ = os.environ if environ is None else environ
    from_flags = parse_args(argv)
    from_env: dict[str, Any] = {}
    for option in OPTIONS:
        for var in (option.alias, option.env):
            if var in environ:
                from_env[option.name] = _apply(option, environ[var], f"`{var}`")
                break
    file_path = from_flags.get("config_file_path") or from_env.get("config_file_path")
    from_file = _load_file(file_path, explicit=file_path is not None) if read_file else {}
    merged = {o.name: o.default for o in OPTIONS} | from_file | from_env | from_flags
    names = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in merged.items() if k in names})


def _load_file(path: str | None, *, explicit: bool) -> dict[str, Any]:
    target = Path(path or "./config.toml")
    if not target.exists():
        if explicit:
            raise ConfigError(f"config file `{target}` does not exist")
        return {}
    try:
        data = tomllib.loads(target.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file `{target}`: {exc}") from None
    by_name = {o.name: o for o in OPTIONS}
    out = {}
    for key, raw in data.items():
        option = by_name.get(key)
        if option is None:
            raise ConfigError(f"unknown option `{key}` in config file `{target}`")
        out[key] = _apply(option, raw, f"`{key}` in `{target}`")
    return out


def help_text() -> str:
    lines = ["usage: lumi serve [OPTIONS]", "", "options:"]
    for option in OPTIONS:
        value = " [<value>]" if option.optional_value else "" if option.is_flag else " <value>"
        default = "" if option.default is None else f" [default: {option.default}]"
        lines.append(f"  {option.flag}{value}")
        lines.append(f"      {option.help}{default} (env {option.env})")
    return "\n".join(lines)


def child_config() -> Config:
    """The configuration a child process of ``lumi serve`` received in its environment."""
    return load_config([], os.environ, read_file=False)
