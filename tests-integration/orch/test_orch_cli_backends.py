"""The ``spine`` command's database commands on every backend (URL into an isolated space)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from spine.db.testing import IsolatedDatabase
from spine.ops import AnomalyCategory, AnomalyRecorder, DBWatermarkStore, Severity, WorkManifest
from spine.orchestration.cli import build_app


def cli_url(space: IsolatedDatabase) -> str:
    """A URL the command can use for the test's isolated space."""
    if space.backend == "sqlite":
        return f"sqlite:///{space.path}"
    assert space.url is not None
    return f"{space.url}{'&' if '?' in space.url else '?'}schema={space.schema}"


def invoke(url: str, *args: str) -> object:
    return CliRunner().invoke(build_app(plugins=False), ["--db", url, *args])


def test_db_init_migrate_status_on_every_backend(isolated_db: IsolatedDatabase) -> None:
    url = cli_url(isolated_db)
    before = json.loads(invoke(url, "db", "status", "--json").stdout)  # type: ignore[attr-defined]
    assert before["up_to_date"] is False
    created = json.loads(invoke(url, "db", "init", "--json").stdout)  # type: ignore[attr-defined]
    assert "core_anomalies" in created["created"]
    migrated = json.loads(invoke(url, "db", "migrate", "--json").stdout)  # type: ignore[attr-defined]
    assert migrated == {**migrated, "created": [], "up_to_date": True}
    after = json.loads(invoke(url, "db", "status", "--json").stdout)  # type: ignore[attr-defined]
    assert after["up_to_date"] is True


def test_operator_views_read_what_the_primitives_wrote(isolated_db: IsolatedDatabase) -> None:
    url = cli_url(isolated_db)
    assert invoke(url, "db", "init").exit_code == 0  # type: ignore[attr-defined]
    conn = isolated_db.connect()
    key = {"week_ending": "2025-12-26"}
    anomaly = AnomalyRecorder(conn, "finra.otc").record(
        severity=Severity.ERROR, category=AnomalyCategory.QUALITY_GATE, message="cut short",
        partition_key=key,
    )  # fmt: skip
    WorkManifest(conn, "finra.otc", ["ingested"]).advance_to(key, "ingested", row_count=10)
    DBWatermarkStore(conn).advance("finra.otc", "weekly", "2025-12-26", "2026-01-05")
    listed = json.loads(invoke(url, "anomalies", "list", "--json").stdout)  # type: ignore[attr-defined]
    assert [a["id"] for a in listed] == [anomaly]
    assert invoke(url, "anomalies", "resolve", anomaly, "-m", "fixed").exit_code == 0  # type: ignore[attr-defined]
    assert json.loads(invoke(url, "anomalies", "list", "--json").stdout) == []  # type: ignore[attr-defined]
    manifest = json.loads(invoke(url, "manifest", "show", "--json").stdout)  # type: ignore[attr-defined]
    assert [(m["partition"], m["rows"]) for m in manifest] == [(key, 10)]
    marks = json.loads(invoke(url, "watermarks", "list", "--json").stdout)  # type: ignore[attr-defined]
    assert [w["high_water"] for w in marks] == ["2026-01-05"]
    assert json.loads(invoke(url, "quality", "list", "--json").stdout) == []  # type: ignore[attr-defined]
    assert json.loads(invoke(url, "rejects", "summary", "--json").stdout) == []  # type: ignore[attr-defined]


def test_backfill_plans_on_every_backend(isolated_db: IsolatedDatabase) -> None:
    url = cli_url(isolated_db)
    planned = invoke(url, "backfill", "plan", "-d", "otc", "-s", "finra", "--weeks",
                     "2025-12-01:2025-12-31", "--json")  # type: ignore[attr-defined]  # fmt: skip
    assert planned.exit_code == 0, planned.output  # type: ignore[attr-defined]
    plan = json.loads(planned.stdout)  # type: ignore[attr-defined]
    assert plan["partitions"] == 4
    listing = json.loads(invoke(url, "backfill", "status", "--json").stdout)  # type: ignore[attr-defined]
    assert [p["plan_id"] for p in listing] == [plan["plan_id"]]
