"""Contract of WorkflowRunStore: every implementation passes these tests unchanged."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from spine.orchestration import (
    RunClaimedError,
    RunEventType,
    RunNotFoundError,
    RunStateError,
    StepCheckpoint,
    WorkflowRunRecord,
)
from spine.orchestration.run_store import WorkflowRunStore
from spine.types import RunStatus, StepStatus, generate_ulid, utc_now

from .conftest import Clock

LEASE = 30.0


def new_run(
    workflow: str = "otc.weekly",
    partition: dict[str, Any] | None = None,
    owner: str = "runner-a",
    **changes: Any,
) -> WorkflowRunRecord:
    part = partition if partition is not None else {"week_ending": "2025-12-26"}
    now = utc_now()
    record = WorkflowRunRecord(
        run_id=generate_ulid(),
        workflow_name=workflow,
        partition=part,
        partition_hash=f"hash-{sorted(part.items())}",
        params={"week_ending": "2025-12-26", "tiers": ("NMS", "OTC")},
        status=RunStatus.RUNNING,
        created_at=now,
        updated_at=now,
        owner=owner,
        definition={"name": workflow, "steps": []},
        definition_hash="d" * 64,
    )
    return replace(record, **changes)


def checkpoint(
    run_id: str, step: str, status: StepStatus = StepStatus.COMPLETED, **kw: Any
) -> StepCheckpoint:
    return StepCheckpoint(
        run_id=run_id,
        step_name=step,
        step_type="operation",
        status=status,
        output=kw.pop("output", {"rows": 10, "weeks": ("2025-12-19",)}),
        attempts=1,
        started_at=utc_now(),
        finished_at=utc_now(),
        duration_ms=1.5,
        **kw,
    )


def events(store: WorkflowRunStore, run_id: str) -> list[str]:
    return [e.event_type.value for e in store.get_events(run_id)]


def test_create_run_stores_a_running_run_owned_under_a_lease(
    store: WorkflowRunStore, clock: Clock
) -> None:
    record = store.create_run(new_run(), lease_seconds=LEASE)
    loaded = store.get_run(record.run_id)
    assert loaded == record
    assert loaded.status is RunStatus.RUNNING
    assert loaded.owner == "runner-a"
    assert loaded.lease_expires_at is not None
    assert loaded.lease_expires_at > clock()
    assert loaded.started_at is not None
    assert loaded.attempt == 1
    assert loaded.params == {"week_ending": "2025-12-26", "tiers": ["NMS", "OTC"]}  # JSON
    assert events(store, record.run_id) == ["run_started"]


def test_an_unknown_run_raises_not_found(store: WorkflowRunStore) -> None:
    with pytest.raises(RunNotFoundError):
        store.get_run("nope")
    with pytest.raises(RunNotFoundError):
        store.get_steps("nope")
    with pytest.raises(RunNotFoundError):
        store.request_cancel("nope")


def test_a_partition_cannot_run_twice_at_once(store: WorkflowRunStore) -> None:
    first = store.create_run(new_run(), lease_seconds=LEASE)
    with pytest.raises(RunClaimedError, match="already running for this partition"):
        store.create_run(new_run(owner="runner-b"), lease_seconds=LEASE)
    other = store.create_run(new_run(partition={"week_ending": "2026-01-02"}), lease_seconds=LEASE)
    assert other.run_id != first.run_id
    assert len(store.list_runs()) == 2


def test_a_run_whose_owner_stopped_renewing_is_marked_abandoned_by_a_new_run(
    store: WorkflowRunStore, clock: Clock
) -> None:
    stale = store.create_run(new_run(), lease_seconds=LEASE)
    clock.advance(LEASE + 1)
    fresh = store.create_run(new_run(owner="runner-b"), lease_seconds=LEASE)
    old = store.get_run(stale.run_id)
    assert old.status is RunStatus.FAILED
    assert old.owner is None
    assert old.error is not None
    assert "stopped renewing its lease" in old.error["message"]
    assert events(store, stale.run_id)[-1] == RunEventType.RUN_ABANDONED.value
    assert store.get_run(fresh.run_id).status is RunStatus.RUNNING


def test_create_run_copies_given_steps_in_one_go(store: WorkflowRunStore) -> None:
    run = new_run()
    record = store.create_run(run, lease_seconds=LEASE, steps=[checkpoint("other-run", "extract")])
    steps = store.get_steps(record.run_id)
    assert [(s.run_id, s.step_name) for s in steps] == [(record.run_id, "extract")]


def test_save_step_writes_the_checkpoint_and_its_event_for_the_owner_only(
    store: WorkflowRunStore,
) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    with pytest.raises(RunClaimedError):
        store.save_step(checkpoint(run.run_id, "extract"), "intruder", lease_seconds=LEASE)
    assert store.get_steps(run.run_id) == []
    assert (
        store.save_step(checkpoint(run.run_id, "extract"), "runner-a", lease_seconds=LEASE) is False
    )
    store.save_step(
        checkpoint(run.run_id, "load", StepStatus.FAILED, error={"message": "db away"}),
        "runner-a",
        lease_seconds=LEASE,
    )
    steps = store.get_steps(run.run_id)
    assert [(s.step_name, s.status) for s in steps] == [
        ("extract", StepStatus.COMPLETED),
        ("load", StepStatus.FAILED),
    ]
    assert steps[0].output == {"rows": 10, "weeks": ["2025-12-19"]}
    assert steps[1].error == {"message": "db away"}
    assert events(store, run.run_id) == ["run_started", "step_completed", "step_failed"]


def test_saving_a_step_again_replaces_its_checkpoint(store: WorkflowRunStore) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    store.save_step(
        checkpoint(run.run_id, "load", StepStatus.FAILED), "runner-a", lease_seconds=LEASE
    )
    store.save_step(
        checkpoint(run.run_id, "load", output={"rows": 3}), "runner-a", lease_seconds=LEASE
    )
    steps = store.get_steps(run.run_id)
    assert len(steps) == 1
    assert steps[0].status is StepStatus.COMPLETED
    assert steps[0].output == {"rows": 3}


def test_an_owner_whose_lease_expired_cannot_write(store: WorkflowRunStore, clock: Clock) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    clock.advance(LEASE + 1)
    with pytest.raises(RunClaimedError, match="lease expired"):
        store.save_step(checkpoint(run.run_id, "extract"), "runner-a", lease_seconds=LEASE)
    with pytest.raises(RunClaimedError):
        store.renew_lease(run.run_id, "runner-a", lease_seconds=LEASE)
    with pytest.raises(RunClaimedError):
        store.finish_run(run.run_id, "runner-a", RunStatus.COMPLETED)


def test_renewing_and_checkpointing_extend_the_lease(store: WorkflowRunStore, clock: Clock) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    clock.advance(LEASE - 5)
    store.renew_lease(run.run_id, "runner-a", lease_seconds=LEASE)
    clock.advance(LEASE - 5)
    store.save_step(checkpoint(run.run_id, "extract"), "runner-a", lease_seconds=LEASE)
    clock.advance(LEASE - 5)
    store.finish_run(run.run_id, "runner-a", RunStatus.COMPLETED)
    assert store.get_run(run.run_id).status is RunStatus.COMPLETED


def test_finish_run_sets_the_final_status_and_releases_the_run(store: WorkflowRunStore) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    with pytest.raises(ValueError, match="final status"):
        store.finish_run(run.run_id, "runner-a", RunStatus.RUNNING)
    done = store.finish_run(
        run.run_id, "runner-a", RunStatus.FAILED, error={"message": "step 'load' failed"}
    )
    assert done.status is RunStatus.FAILED
    assert done.owner is None
    assert done.lease_expires_at is None
    assert done.finished_at is not None
    assert store.get_run(run.run_id).error == {"message": "step 'load' failed"}
    assert events(store, run.run_id)[-1] == "run_failed"


def test_claim_run_takes_a_failed_run_and_counts_the_attempt(store: WorkflowRunStore) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(run.run_id, "runner-a", RunStatus.PARTIAL)
    claimed = store.claim_run(run.run_id, "runner-b", lease_seconds=LEASE)
    assert claimed.status is RunStatus.RUNNING
    assert claimed.owner == "runner-b"
    assert claimed.attempt == 2
    assert events(store, run.run_id)[-1] == "run_resumed"
    with pytest.raises(RunClaimedError, match="being run by 'runner-b'"):
        store.claim_run(run.run_id, "runner-c", lease_seconds=LEASE)


def test_claim_run_refuses_completed_and_cancelled_runs(store: WorkflowRunStore) -> None:
    done = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(done.run_id, "runner-a", RunStatus.COMPLETED)
    with pytest.raises(RunStateError, match="is completed"):
        store.claim_run(done.run_id, "runner-b", lease_seconds=LEASE)
    cancelled = store.create_run(new_run(partition={"w": 2}), lease_seconds=LEASE)
    store.finish_run(cancelled.run_id, "runner-a", RunStatus.CANCELLED)
    with pytest.raises(RunStateError, match="is cancelled"):
        store.claim_run(cancelled.run_id, "runner-b", lease_seconds=LEASE)


def test_a_running_run_whose_owner_died_can_be_claimed(
    store: WorkflowRunStore, clock: Clock
) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    store.save_step(checkpoint(run.run_id, "extract"), "runner-a", lease_seconds=LEASE)
    clock.advance(LEASE + 1)
    claimed = store.claim_run(run.run_id, "runner-b", lease_seconds=LEASE)
    assert claimed.owner == "runner-b"
    with pytest.raises(RunClaimedError):  # the dead owner cannot come back and write
        store.save_step(checkpoint(run.run_id, "load"), "runner-a", lease_seconds=LEASE)


def test_only_one_of_many_concurrent_claimers_gets_the_run(open_store: Any) -> None:
    store = open_store()
    run = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(run.run_id, "runner-a", RunStatus.FAILED)
    winners: list[str] = []
    losers: list[BaseException] = []
    barrier = threading.Barrier(6)

    def claim(owner: str) -> None:
        handle = open_store()
        barrier.wait()
        try:
            handle.claim_run(run.run_id, owner, lease_seconds=LEASE)
            winners.append(owner)
        except RunClaimedError as exc:
            losers.append(exc)

    threads = [threading.Thread(target=claim, args=(f"r{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert len(losers) == 5
    assert store.get_run(run.run_id).owner == winners[0]


def test_cancel_flags_a_running_run_and_the_owner_learns_it_at_its_next_write(
    store: WorkflowRunStore,
) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    flagged = store.request_cancel(run.run_id)
    assert flagged.status is RunStatus.RUNNING
    assert flagged.cancel_requested
    assert store.save_step(checkpoint(run.run_id, "a"), "runner-a", lease_seconds=LEASE) is True
    assert store.renew_lease(run.run_id, "runner-a", lease_seconds=LEASE) is True
    assert "cancel_requested" in events(store, run.run_id)


def test_cancel_of_a_failed_or_abandoned_run_cancels_it_at_once(
    store: WorkflowRunStore, clock: Clock
) -> None:
    failed = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(failed.run_id, "runner-a", RunStatus.FAILED)
    assert store.request_cancel(failed.run_id).status is RunStatus.CANCELLED
    dead = store.create_run(new_run(partition={"w": 2}), lease_seconds=LEASE)
    clock.advance(LEASE + 1)
    assert store.request_cancel(dead.run_id).status is RunStatus.CANCELLED
    with pytest.raises(RunStateError, match="already cancelled"):
        store.request_cancel(dead.run_id)


def test_a_completed_run_cannot_be_cancelled(store: WorkflowRunStore) -> None:
    run = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(run.run_id, "runner-a", RunStatus.COMPLETED)
    with pytest.raises(RunStateError, match="already completed"):
        store.request_cancel(run.run_id)


def test_find_completed_returns_the_latest_completed_run_of_the_partition(
    store: WorkflowRunStore,
) -> None:
    assert store.find_completed("otc.weekly", new_run().partition_hash) is None
    first = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(first.run_id, "runner-a", RunStatus.COMPLETED)
    failed = store.create_run(new_run(), lease_seconds=LEASE)
    store.finish_run(failed.run_id, "runner-a", RunStatus.FAILED)
    found = store.find_completed("otc.weekly", first.partition_hash)
    assert found is not None
    assert found.run_id == first.run_id
    assert store.find_completed("other.workflow", first.partition_hash) is None


def test_list_runs_filters_and_pages_newest_first(store: WorkflowRunStore) -> None:
    ids = []
    for i in range(5):
        run = store.create_run(new_run(partition={"w": i}), lease_seconds=LEASE)
        store.finish_run(run.run_id, "runner-a", RunStatus.COMPLETED if i % 2 else RunStatus.FAILED)
        ids.append(run.run_id)
    store.create_run(new_run(workflow="other", partition={"w": 9}), lease_seconds=LEASE)
    listed = store.list_runs(workflow_name="otc.weekly")
    assert [r.run_id for r in listed] == list(reversed(ids))
    assert [r.run_id for r in store.list_runs(workflow_name="otc.weekly", limit=2, offset=1)] == [
        ids[3],
        ids[2],
    ]
    failed = store.list_runs(statuses=[RunStatus.FAILED])
    assert {r.run_id for r in failed} == {ids[0], ids[2], ids[4]}
    assert len(store.list_runs(partition_hash=new_run(partition={"w": 1}).partition_hash)) == 1
