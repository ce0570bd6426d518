"""One worker process of the worker tests: ``python worker_main.py '<json config>'``.

Prints the worker's metrics as JSON on its last stdout line when it stops.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import handlers

from spine.db import connect
from spine.db.connection import SpineConnection
from spine.execution import (
    RateLimiter,
    SqlTokenBucketStore,
    TokenBucketLimiter,
    TokenBucketStore,
)
from spine.execution.queue import WorkerLoop


def _rate_limit(
    cfg: dict[str, Any] | None, conn_factory: Callable[[], SpineConnection]
) -> RateLimiter | None:
    """The global limit of the ``limited`` handler: a token bucket on the queue's database
    (``store: sql``) or on Redis (``store: redis``, ``redis_url``, ``prefix``)."""
    if cfg is None:
        return None
    store: TokenBucketStore
    if cfg["store"] == "redis":
        from spine.execution.redis_limits import RedisTokenBucketStore

        store = RedisTokenBucketStore(cfg["redis_url"], prefix=cfg["prefix"])
    else:
        store = SqlTokenBucketStore(conn_factory(), reconnect=conn_factory)
    return TokenBucketLimiter(cfg["rate"], cfg["capacity"], key=cfg["key"], store=store)


def main() -> None:
    """Run a worker with the given config until it has been idle ``idle_exit`` seconds."""
    cfg: dict[str, Any] = json.loads(sys.argv[1])
    url, schema = cfg["url"], cfg.get("schema")

    def conn_factory() -> SpineConnection:
        return connect(url, schema=schema) if schema else connect(url)

    worker = WorkerLoop(
        conn_factory,
        handlers.registry(_rate_limit(cfg.get("rate_limit"), conn_factory)),
        concurrency=cfg.get("concurrency", 4),
        batch_size=cfg.get("batch_size"),
        lease_seconds=cfg.get("lease_seconds", 30.0),
        poll_interval=cfg.get("poll_interval", 0.1),
        max_backoff=cfg.get("max_backoff", 0.5),
    )
    metrics = worker.run(idle_exit=cfg.get("idle_exit"))
    print(json.dumps(metrics.to_dict()), flush=True)


if __name__ == "__main__":
    main()
