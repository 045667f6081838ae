"""The worker process: what the app does on its own, on a schedule (`make worker`, beside `make run`).

Every few minutes it opens the store and sends what the delivery channels are due (the day's
alerts from 09:00, last week's merchant reports from Monday 09:00), each period once; a restart
catches up what fell due while it was down. `python worker.py --once` runs one round and exits
(for cron, or to try it). It imports neither streamlit nor the pages: it calls core as the app does.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from core.bootstrap import open_store
from core.delivery import outbox
from core.kernel import config

EVERY_MINUTES = 5
log = logging.getLogger("worker")


def one_round(now: datetime | None = None) -> int:
    """Send what is due now (or at `now`); the number of sendings, each logged with its outcome."""
    db = open_store()
    try:
        done = outbox.run_due(db, now)
    finally:
        db.close()
    for row in done:
        log.info(
            "channel %s %s %s: %s %s", row["channel_id"], row["content"], row["period"], row["status"], row["detail"]
        )
    return len(done)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        help="with --once: the round of this moment (Asia/Shanghai), e.g. 2026-12-07T09:30",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.Formatter.converter = lambda *_: config.now().timetuple()  # log times in Asia/Shanghai, as the app
    if args.once:
        one_round(args.now)
        return 0
    scheduler = BlockingScheduler(timezone=config.TIMEZONE)
    scheduler.add_job(
        one_round,
        "interval",
        minutes=EVERY_MINUTES,
        next_run_time=config.now().replace(tzinfo=config.TIMEZONE),
        max_instances=1,
        coalesce=True,
        id="delivery",
    )
    log.info("worker started on %s: a round every %d minutes", config.db_path(), EVERY_MINUTES)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
