"""Contract: several workers split one backfill plan through claims with a lease, on every
backend - threads and processes, each with its own connection, never do a partition twice."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from spine.ops import (
    BackfillPlan,
    BackfillStatus,
    InvalidTransitionError,
    LeaseLostError,
    PartitionClaim,
)
from spine.types import ValidationError

LONG = dt.timedelta(minutes=10)


def test_claims_hand_out_pending_partitions_in_plan_order_once(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B", "C", "D", "E"])
    first = plan.claim("w1", limit=2, lease=LONG)
    assert [(c.partition_key, c.worker_id, c.attempt) for c in first] == [
        ("A", "w1", 1),
        ("B", "w1", 1),
    ]
    assert first[0].lease_expires_at.tzinfo is not None
    assert plan.refresh().status is BackfillStatus.RUNNING  # the first claim started the plan
    assert [c.partition_key for c in plan.claim("w2", limit=10, lease=LONG)] == ["C", "D", "E"]
    assert plan.claim("w3", lease=LONG) == []  # everything is held
    assert [c.partition_key for c in plan.claims()] == ["A", "B", "C", "D", "E"]
    assert plan.remaining_keys() == ["A", "B", "C", "D", "E"]  # held is still pending


def test_complete_and_fail_settle_claims_and_finish_the_plan(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B", "C"])
    a, b, c = plan.claim("w1", limit=3, lease=LONG)
    plan.complete(a)
    plan.fail(b, "HTTP 500")
    assert plan.progress().pending == 1
    assert plan.status is BackfillStatus.RUNNING
    plan.complete(c)
    final = BackfillPlan.load(ops_db, plan.plan_id)
    assert final.status is BackfillStatus.FAILED
    assert final.failed_partitions() == {"B": "HTTP 500"}
    assert final.claims() == []
    assert final.claim("w2") == []  # nothing left to claim on a settled plan
    final.retry_failed()
    (again,) = final.claim("w2", lease=LONG)
    assert (again.partition_key, again.attempt) == ("B", 2)
    final.complete(again)
    assert final.refresh().status is BackfillStatus.COMPLETED


def test_an_expired_lease_is_taken_over_and_fences_out_the_old_holder(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B"])
    (slow,) = plan.claim("slow", lease=dt.timedelta(milliseconds=300))
    (other,) = plan.claim("fast", lease=LONG)
    assert other.partition_key == "B"  # A is still leased
    time.sleep(0.5)
    (taken,) = plan.claim("fast", lease=LONG)
    assert (taken.partition_key, taken.worker_id, taken.attempt) == ("A", "fast", 2)
    with pytest.raises(LeaseLostError, match="no longer holds partition 'A'"):
        plan.complete(slow)
    with pytest.raises(LeaseLostError):
        plan.fail(slow, "late")
    with pytest.raises(LeaseLostError):
        plan.renew(slow)
    assert plan.release(slow) is False
    plan.complete(taken)
    plan.complete(other)
    assert plan.refresh().status is BackfillStatus.COMPLETED
    assert plan.progress().done == 2


def test_an_expired_lease_nobody_took_can_still_be_completed(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A"])
    (claim,) = plan.claim("w1", lease=0.05)
    time.sleep(0.2)
    plan.complete(claim)  # still its holder: nobody claimed it meanwhile
    assert plan.refresh().status is BackfillStatus.COMPLETED


def test_renew_extends_and_release_hands_back(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B"])
    (claim,) = plan.claim("w1", lease=0.3)
    renewed = plan.renew(claim, lease=LONG)
    assert renewed.lease_expires_at > claim.lease_expires_at
    time.sleep(0.5)
    assert [c.partition_key for c in plan.claim("w2", limit=2, lease=LONG)] == ["B"]
    assert plan.release(renewed) is True
    (back,) = plan.claim("w2", lease=LONG)
    assert (back.partition_key, back.attempt) == ("A", 2)


def test_claims_on_a_cancelled_plan(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B"])
    (claim,) = plan.claim("w1", lease=LONG)
    plan.cancel()
    assert plan.claim("w2") == []
    with pytest.raises(InvalidTransitionError):
        plan.complete(claim)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "w" * 201}, "worker_id"),
        ({"worker_id": 7}, "worker_id"),
        ({"worker_id": "w", "limit": 0}, "limit"),
        ({"worker_id": "w", "limit": "2"}, "limit"),
        ({"worker_id": "w", "limit": 1001}, "limit"),
        ({"worker_id": "w", "lease": 0}, "lease"),
        ({"worker_id": "w", "lease": -1.0}, "lease"),
        ({"worker_id": "w", "lease": float("nan")}, "lease"),
        ({"worker_id": "w", "lease": "5m"}, "lease"),
    ],
)
def test_bad_claims_are_refused_before_anything_is_written(
    ops_db: Any, kwargs: dict[str, Any], says: str
) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A"])
    with pytest.raises(ValidationError, match=says):
        plan.claim(**kwargs)
    assert plan.refresh().status is BackfillStatus.PLANNED
    assert plan.claims() == []


def test_a_claim_of_another_plan_is_refused(ops_db: Any) -> None:
    one = BackfillPlan.create(ops_db, "equity", "polygon", ["A"])
    two = BackfillPlan.create(ops_db, "equity", "polygon", ["A"])
    (claim,) = one.claim("w1", lease=LONG)
    with pytest.raises(ValidationError, match="claim of plan"):
        two.complete(claim)
    with pytest.raises(ValidationError, match="PartitionClaim"):
        two.complete("A")  # type: ignore[arg-type]
    forged = PartitionClaim(one.plan_id, "A", "w2", claim.attempt, claim.lease_expires_at)
    with pytest.raises(LeaseLostError):
        one.complete(forged)


def _work(plan: BackfillPlan, worker: str, done: list[str]) -> None:
    while claims := plan.claim(worker, limit=3, lease=LONG):
        for c in claims:
            done.append(c.partition_key)
            plan.complete(c)


def test_threads_with_their_own_connections_split_one_plan(
    ops_db: Any, db_factory: Callable[[], Any]
) -> None:
    keys = [f"P{i:03d}" for i in range(60)]
    plan = BackfillPlan.create(ops_db, "d", "s", keys)
    done: list[str] = []
    errors: list[BaseException] = []
    per_worker: dict[str, int] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        conn = db_factory()
        mine: list[str] = []
        try:
            p = BackfillPlan.load(conn, plan.plan_id)
            barrier.wait(30)
            _work(p, name, mine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.extend(mine)
            per_worker[name] = len(mine)
            conn.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert sorted(done) == keys  # every partition once: none twice, none missed
    assert Counter(done).most_common(1)[0][1] == 1
    final = BackfillPlan.load(ops_db, plan.plan_id)
    assert final.status is BackfillStatus.COMPLETED
    assert final.progress().done == 60
    attempts = ops_db.execute(
        "SELECT MAX(attempts) FROM core_backfill_partitions WHERE plan_id = "
        + ops_db.dialect.placeholder(),
        (plan.plan_id,),
    ).fetchone()[0]
    assert int(attempts) == 1


_CHILD = """
import json, sys
from spine.db import connect
from spine.ops import BackfillPlan
url, schema, plan_id, name = sys.argv[1:5]
conn = connect(url, schema=schema) if schema else connect(url)
plan = BackfillPlan.load(conn, plan_id)
done = []
while claims := plan.claim(name, limit=2, lease=600):
    for c in claims:
        done.append(c.partition_key)
        plan.complete(c)
conn.close()
print(json.dumps(done))
"""


def test_processes_with_their_own_connections_split_one_plan(ops_db: Any, isolated_db: Any) -> None:
    keys = [f"Q{i:03d}" for i in range(40)]
    plan = BackfillPlan.create(ops_db, "d", "s", keys)
    args = [str(isolated_db.url), isolated_db.schema or "", plan.plan_id]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, *args, f"proc{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    done: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        done.extend(json.loads(out.strip().splitlines()[-1]))
    assert sorted(done) == keys
    assert BackfillPlan.load(ops_db, plan.plan_id).status is BackfillStatus.COMPLETED


def test_a_database_of_an_earlier_release_gains_the_lease_columns(db: Any) -> None:
    from dataclasses import replace

    from spine.db import get_dialect
    from spine.db.schema import install_schema
    from spine.ops.schema import CORE_BACKFILL_PARTITIONS, CORE_BACKFILL_PLANS

    d = get_dialect(db)
    lease = {"claimed_by", "lease_expires_at", "attempts"}
    old_parts = replace(
        CORE_BACKFILL_PARTITIONS,
        columns=tuple(c for c in CORE_BACKFILL_PARTITIONS.columns if c.name not in lease),
    )
    for table in (CORE_BACKFILL_PLANS, old_parts):  # as a release before migration 2 made them
        for stmt in d.create_table_statements(table):
            db.execute(stmt)
    db.commit()
    report = install_schema(db, ["spine-ops"])
    assert ("spine-ops", 2) in report.applied
    plan = BackfillPlan.create(db, "equity", "polygon", ["A", "B"])
    (claim,) = plan.claim("w1", lease=LONG)
    plan.complete(claim)
    assert plan.progress().done == 1
    assert install_schema(db, ["spine-ops"]).applied == ()
