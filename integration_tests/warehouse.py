"""The warehouse side of the dbt package (analytics/): PyAirbyte writing the connector's
streams into DuckDB, dbt building the models on DuckDB or PostgreSQL, a local PostgreSQL
server on loopback, and the headline answers `make sync` prints.

Used by integration_tests/sync_demo.sh (as a script, in .venv-it and .venv-dbt) and by
test_analytics.py. Commands:
  warehouse.py pyairbyte CONFIG.json CACHE.duckdb   read every stream into a DuckDB cache
  warehouse.py build CACHE.duckdb ANALYTICS.duckdb DAYS LOG
                                                     dbt build on the cache (DAYS: the dormant
                                                     window), its output in LOG
  warehouse.py answers ANALYTICS.duckdb DAYS         print the headline answers (DAYS: the
                                                     dormant window the models were built with)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ANALYTICS = REPO / "analytics"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


# ---------------------------------------------------------------------------
# PyAirbyte -> DuckDB
# ---------------------------------------------------------------------------
def pyairbyte_read(config: dict, cache_path: Path, executable: str) -> dict[str, int]:
    """Every stream into the DuckDB file cache_path (schema main, one table a stream, no
    table prefix); returns the record count per stream PyAirbyte reports."""
    os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    source = ab.get_source("source-keycloak", config=config, local_executable=executable)
    source.select_all_streams()
    cache = DuckDBCache(db_path=str(cache_path), schema_name="main", table_prefix="")
    result = source.read(cache=cache, force_full_refresh=True)
    return {name: len(result[name]) for name in source.get_selected_streams()}


# ---------------------------------------------------------------------------
# dbt
# ---------------------------------------------------------------------------
def dbt(dbt_exe: str, command: str, target: str, env: dict, vars_: dict | None = None,
        timeout: float = 900) -> subprocess.CompletedProcess:
    """`dbt <command>` on the package, with the profiles in analytics/profiles.yml."""
    cmd = [dbt_exe, command, "--project-dir", str(ANALYTICS), "--profiles-dir", str(ANALYTICS),
           "--target", target]
    if vars_:
        cmd += ["--vars", json.dumps(vars_)]
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "DO_NOT_TRACK": "1", **env}
    # dbt writes target/ and logs/ into the project unless told otherwise
    work = Path(env.get("DBT_WORK_DIR", tempfile.mkdtemp(prefix="kc-dbt-")))
    full_env["DBT_TARGET_PATH"] = str(work / "target")
    full_env["DBT_LOG_PATH"] = str(work / "logs")
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)


def dbt_summary(out: str) -> tuple[int, int, int, int] | None:
    """(PASS, WARN, ERROR, SKIP) of dbt's last "Done." line, None without one."""
    done = re.findall(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", out)
    return tuple(map(int, done[-1])) if done else None


def duckdb_env(cache: Path, analytics_db: Path) -> tuple[dict, dict]:
    """Env and vars for the duckdb target: the cache attached read-only as keycloak_raw."""
    return ({"KEYCLOAK_PYAIRBYTE_CACHE": str(cache), "KEYCLOAK_DBT_DUCKDB": str(analytics_db)},
            {"keycloak_database": "keycloak_raw", "keycloak_schema": "main",
             "keycloak_column_names": "lowercase"})


# ---------------------------------------------------------------------------
# PostgreSQL on loopback
# ---------------------------------------------------------------------------
class LocalPostgres:
    """A throwaway PostgreSQL cluster (Debian's postgresql-15 binaries) on 127.0.0.1 with
    trust authentication, in a temp dir; run as the `postgres` user when we are root."""

    def __init__(self, database: str = "warehouse"):
        self.database = database
        self.dir = Path(tempfile.mkdtemp(prefix="kc-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p

    def start(self) -> "LocalPostgres":
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install "
                               "postgresql-15, or set PG_BIN)")
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", self.database)
        return self

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop",
                      check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self) -> dict:
        return {"KEYCLOAK_DBT_PG_HOST": "127.0.0.1", "KEYCLOAK_DBT_PG_PORT": str(self.port),
                "KEYCLOAK_DBT_PG_USER": "postgres", "KEYCLOAK_DBT_PG_DATABASE": self.database}

    def query(self, sql: str) -> list[tuple[str, ...]]:
        """Rows as tuples of text (NULL as None), through psql."""
        p = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d",
             self.database, "-X", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-P", "null=\x1dNULL",
             "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"psql: {p.stderr}")
        rows = [r for r in p.stdout.rstrip("\n").split("\x1e") if r.strip("\n")]
        return [tuple(None if v == "\x1dNULL" else v for v in r.strip("\n").split("\x1f"))
                for r in rows]

    def dump(self) -> str:
        """pg_dump of the whole database (schemas and data), as text."""
        p = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                            self.database], capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"pg_dump: {p.stderr}")
        return p.stdout


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------
# The headline answers (make sync)
# ---------------------------------------------------------------------------
def print_answers(analytics_db: Path, dormant_days: str, limit: int = 10) -> None:
    import duckdb

    con = duckdb.connect(str(analytics_db), read_only=True)

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql).fetchall()

    def show(title: str, header: tuple, data: list[tuple], total: int) -> None:
        print(f"\n{title}: {total}")
        if not data:
            return
        widths = [max(len(str(x)) for x in col) for col in zip(header, *data)]
        for r in [header, *data]:
            print("  " + "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip())
        if total > len(data):
            print(f"  … and {total - len(data)} more")

    print("\n== answers (dbt package analytics/, DuckDB", analytics_db.name + ")")
    priv = rows("select realm, username, is_service_account, privilege, grant_path "
                "from main.privileged_accounts order by realm, username, privilege, grant_path")
    accounts: dict[tuple, tuple[set, set, bool]] = {}
    for realm, user, is_sa, privilege, path in priv:
        privs, paths, _ = accounts.setdefault((realm, user), (set(), set(), is_sa))
        privs.add(privilege.removeprefix("realm-management/"))
        paths.add(path)

    def brief(items: set, width: int = 48) -> str:
        # the broadest first: realm-admin (or master's admin) contains the rest
        text = ", ".join(sorted(items, key=lambda x: (x not in ("realm-admin", "admin"), x)))
        return text if len(text) <= width else text[:width - 1] + "…"

    show("privileged accounts (admin-grade roles, held directly or not)",
         ("realm", "account", "kind", "privileges", "through"),
         [(r, u, "service account" if sa else "user", brief(p), brief(t))
          for (r, u), (p, t, sa) in list(accounts.items())[:limit]], len(accounts))
    for realm, enabled, covered, pct in rows(
            "select realm, enabled_users, covered_users, covered_percent "
            "from main.mfa_coverage_by_realm order by realm"):
        print(f"\nMFA coverage in {realm}: {covered} of {enabled} enabled users ({pct}%)")
    no_mfa = rows("select realm, username from main.mfa_coverage where not has_second_factor "
                  "order by realm, username")
    show("enabled users without a second factor", ("realm", "user"), no_mfa[:limit], len(no_mfa))
    dormant = rows("select realm, username, coalesce(cast(last_login_at as varchar), 'never'), "
                   "case when uncertain then uncertain_because else '' end "
                   "from main.dormant_accounts order by realm, username")
    show(f"dormant accounts (enabled, no login in {dormant_days} days)",
         ("realm", "user", "last login", "caveat"), dormant[:limit], len(dormant))
    locked = rows("select realm, username, lock_kind, num_failures from main.lockouts "
                  "order by realm, username")
    show("locked out now", ("realm", "user", "lock", "failures"), locked[:limit], len(locked))
    con.close()


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "pyairbyte":
        config = json.loads(Path(argv[2]).read_text())
        exe = os.environ.get("SOURCE_KEYCLOAK_BIN", str(REPO / "target/release/source-keycloak"))
        t0 = time.time()
        counts = pyairbyte_read(config, Path(argv[3]), exe)
        print(f"[warehouse] PyAirbyte wrote {sum(counts.values())} records of {len(counts)} "
              f"streams into {argv[3]} in {time.time() - t0:.0f}s")
        return 0
    if len(argv) == 6 and argv[1] == "build":
        cache, analytics_db, log = Path(argv[2]), Path(argv[3]), Path(argv[5])
        try:
            days = float(argv[4])
        except ValueError:
            print(f"[warehouse] the dormant window is {argv[4]!r}: give a number of days "
                  "(DORMANT_DAYS=90)")
            return 2
        env, vars_ = duckdb_env(cache, analytics_db)
        env["DBT_WORK_DIR"] = str(log.parent / "dbt")
        dbt_exe = str(Path(sys.executable).with_name("dbt"))
        p = dbt(dbt_exe, "build", "duckdb", env, {**vars_, "keycloak_dormant_days": days})
        out = p.stdout + p.stderr
        log.write_text(out)
        summary = dbt_summary(out)
        if p.returncode != 0 or summary is None:
            print("\n".join(out.splitlines()[-40:]))
            print(f"[warehouse] dbt build failed (exit {p.returncode}; log: {log})")
            return 1
        print("[warehouse] dbt build: PASS={} WARN={} ERROR={} SKIP={} (models and their tests)"
              .format(*summary))
        return 0
    if len(argv) == 4 and argv[1] == "answers":
        print_answers(Path(argv[2]), argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
