#!/usr/bin/env python
"""Nothing lost when a process dies (SPEC DECISIONS 5, issue 10): a real Huey consumer is
SIGKILLed mid-dispatch, several times, and the event outbox must still deliver everything.

What it does:

1. A throwaway instance: ``OHMS_VAR_DIR`` in a temporary directory (SQLite file database and
   SqliteHuey queue file there), or the PostgreSQL database and Redis queue named by
   ``DATABASE_URL`` / ``REDIS_URL`` when they are set (CI's PostgreSQL+Redis leg); migrated.
2. One organization, a member notified by a notification rule, a real webhook endpoint
   (``ohms_integrations``, events ``["*"]``) and its HTTP receiver on 127.0.0.1 (a thread of
   this script) that verifies every delivery's signature with ``standardwebhooks``, records
   the event id of every delivery and processes each ``webhook-id`` once.
3. 200 events are emitted (outbox rows, each enqueued for dispatch on commit). Each fans out
   to the notifications subscriber and to the webhooks subscriber (a delivery row, then a
   signed POST after the commit; retries and lost first tries by the send-due job).
4. A real consumer (``manage.py run_huey`` through this script, the project's Huey settings)
   is started, SIGKILLed at random moments while it dispatches, and restarted, ``--kills``
   times. The event sweeper job is enqueued every few seconds, as its cron would.
5. When the outbox is drained: every event has exactly one notification, the receiver got
   every event id at least once, and processed each exactly once. The figures are printed.

Run: ``.venv/bin/python scripts/crash_check.py`` (exit 0 when every check holds).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENT_TYPE = "crash_check.ping"


def _django_setup():
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ohms_site.settings.dev")
    import django

    django.setup()


# --- Webhook wiring: the ONE place to switch to ohms_integrations' WebhookEndpoint ---------------

def webhook_setup(*, organization, receiver_url: str) -> str:
    """Run once by the producer: a real webhook endpoint of ``organization`` subscribed to
    every event type (``["*"]``), created through the webhooks add-on's service, so every
    event reaches the receiver through the delivery ledger, signed, like in production.
    Returns the signing secret (the receiver verifies every delivery with it)."""
    from ohms_integrations.services.webhooks import endpoint_create

    _endpoint, secret = endpoint_create(organization=organization, data={
        "name": "Crash check receiver", "url": receiver_url, "events": ["*"]})
    return secret


# --- The receiver ------------------------------------------------------------------------------

class Receiver:
    """Records every delivery; processes a webhook-id once (the receiver-side dedup)."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.secret = ""
        self.received: list[str] = []       # the event id of every delivery, repeats included
        self.processed: dict[str, int] = {}  # event id -> times processed (once per webhook-id)
        self.seen_webhook_ids: set[str] = set()
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                from standardwebhooks import Webhook

                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) or b"{}"
                webhook_id = self.headers.get("webhook-id", "")
                try:
                    Webhook(receiver.secret).verify(raw, dict(self.headers))
                except Exception:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                event_id = (json.loads(raw).get("data") or {}).get("event_id", "")
                time.sleep(receiver.delay)  # a little work, so kills land mid-dispatch
                with receiver.lock:
                    receiver.received.append(event_id)
                    if webhook_id not in receiver.seen_webhook_ids:  # the receiver-side dedup
                        receiver.seen_webhook_ids.add(webhook_id)
                        receiver.processed[event_id] = receiver.processed.get(event_id, 0) + 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# --- The consumer (a child process of this script) ---------------------------------------------

def run_consumer(receiver_url: str) -> None:
    _django_setup()
    from django.core.management import call_command

    call_command("run_huey", workers=4, worker_type="thread")


class Consumer:
    def __init__(self, receiver_url: str, env: dict, log):
        self.receiver_url, self.env, self.log = receiver_url, env, log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--consumer", self.receiver_url], env=self.env, cwd=ROOT,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)  # the consumer and its threads, nothing else
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# --- The check ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds to wait for the outbox to drain")
    parser.add_argument("--consumer", metavar="RECEIVER_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consumer:
        run_consumer(args.consumer)
        return 0

    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    rng = random.Random(seed)
    started = time.monotonic()
    var_dir = tempfile.mkdtemp(prefix="ohms-crash-")
    os.environ.update({
        "OHMS_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "ohms_site.settings.dev",
        "OHMS_EVENT_SWEEP_GRACE_SECONDS": "3", "PYTHONUNBUFFERED": "1",
        "OHMS_WEBHOOKS_ALLOW_PRIVATE": "1",  # the receiver listens on 127.0.0.1
        # A job killed mid-run leaves its lock; the next run frees it once the dead run is this
        # old (ohms_core.jobs.release_stale_lock; one hour in production, seconds here so the
        # recovery happens within the check).
        "OHMS_JOB_STALE_LOCK_SECONDS": "15",
    })
    backend = ("PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite") + \
        (" + Redis Huey" if os.environ.get("REDIS_URL") else " + SqliteHuey")
    print(f"crash check: {backend}, {args.events} events, {args.kills} kills, seed {seed}, var {var_dir}", flush=True)
    _django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    migrated_at = time.monotonic()

    from django.db import transaction

    from ohms_core import events, testing
    from ohms_core.context import acting_as
    from ohms_core.jobs import run_job_task
    from ohms_core.models import Event, Notification, NotificationRule, Site

    receiver = Receiver(delay=0.02)
    org = testing.make_organization(f"CRASH{seed}", "Crash check")
    manager = testing.make_member(org, "safety_manager", f"crash-{seed}@example.test")
    with acting_as(organization=org):
        NotificationRule.objects.create(organization=org, event_type=EVENT_TYPE, roles=["safety_manager"])
    receiver.secret = webhook_setup(organization=org, receiver_url=receiver.url)

    # The producer: every event in its own transaction, enqueued for dispatch on commit.
    with acting_as(organization=org):
        for n in range(args.events):
            with transaction.atomic():
                site = Site.objects.create(organization=org, name=f"Crash site {n}", code=f"CR{n:04d}")
                events.emit(EVENT_TYPE, obj=site, organization=org, data={"n": n})
    event_ids = {str(pk) for pk in Event.objects.filter(organization=org, type=EVENT_TYPE).values_list("pk", flat=True)}
    produced_at = time.monotonic()
    print(f"  migrated in {migrated_at - started:.1f} s, {len(event_ids)} events produced in "
          f"{produced_at - migrated_at:.1f} s", flush=True)

    def undispatched() -> int:
        return Event.objects.filter(organization=org, dispatched_at__isnull=True).count()

    from ohms_integrations.models.webhooks import DeliveryStatus, WebhookDelivery

    def pending() -> int:
        """Work still in flight: events not dispatched, or webhook deliveries not yet sent (the
        outbox dispatch only records a delivery; the signed POST is a task of its own)."""
        return undispatched() + WebhookDelivery.objects.filter(organization=org).exclude(
            status=DeliveryStatus.SUCCEEDED).count()

    log = open(Path(var_dir) / "consumer.log", "ab")  # noqa: SIM115 - closed at the end
    consumer = Consumer(receiver.url, dict(os.environ), log)
    stop_sweeping = threading.Event()

    def sweeper():  # what the every-minute cron does, every few seconds
        while not stop_sweeping.wait(3):
            try:
                run_job_task("events_sweep")
                run_job_task("integrations_webhooks_send_due")  # lost first tries, like the minute cron
            except Exception as exc:  # queue briefly locked: the next tick retries
                print(f"  sweep enqueue failed: {exc}", flush=True)

    threading.Thread(target=sweeper, daemon=True).start()
    kills_mid_dispatch = 0
    consumer.start()
    try:
        for kill in range(1, args.kills + 1):
            # Kill mid-dispatch: once this consumer has delivered a few more webhooks (it takes
            # a few seconds to start), after a random number of them.
            target = len(receiver.received) + rng.randint(5, max(6, args.events // (args.kills + 2)))
            wait_until = time.monotonic() + 60
            while len(receiver.received) < target and time.monotonic() < wait_until and pending():
                time.sleep(0.05)
            before = pending()
            consumer.kill()
            kills_mid_dispatch += before > 0
            print(f"  kill {kill}: SIGKILL with {undispatched()} events undispatched and {before} items in flight, "
                  f"{len(receiver.received)} webhook deliveries received so far", flush=True)
            consumer.start()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if pending() == 0 and set(receiver.processed) >= event_ids:
                break
            time.sleep(1)
    finally:
        stop_sweeping.set()
        consumer.stop()
        log.close()

    duration = time.monotonic() - started
    drain = time.monotonic() - produced_at
    notifications = Notification.objects.filter(organization=org, event_type=EVENT_TYPE)
    per_event = {}
    for event_id in notifications.values_list("event_id", flat=True):
        per_event[str(event_id)] = per_event.get(str(event_id), 0) + 1
    received = set(receiver.received)
    redeliveries = len(receiver.received) - len(received)
    failures = []
    if undispatched():
        from huey.contrib.djhuey import HUEY

        stuck = HUEY.is_locked("ohms-job-events_sweep")
        failures.append(f"{undispatched()} events still undispatched after {args.timeout:.0f} s"
                        + (" (the events_sweep job lock was left by a killed consumer)" if stuck else ""))
    if set(per_event) != event_ids or any(count != 1 for count in per_event.values()):
        missing = len(event_ids - set(per_event))
        doubled = sum(1 for count in per_event.values() if count > 1)
        failures.append(f"notifications: {missing} events without one, {doubled} with more than one")
    if notifications.exclude(user=manager).exists():
        failures.append("a notification went to someone the rule does not name")
    if not event_ids <= received:
        failures.append(f"receiver never got {len(event_ids - received)} event ids")
    if set(receiver.processed) != event_ids or any(v != 1 for v in receiver.processed.values()):
        failures.append("receiver did not process every event exactly once")
    if received - event_ids:
        failures.append(f"receiver got {len(received - event_ids)} unknown ids")
    if receiver.bad_signatures:
        failures.append(f"{receiver.bad_signatures} deliveries failed signature verification")
    if kills_mid_dispatch == 0:
        failures.append("no kill landed while work was in flight: raise --events or lower the delays")

    print(f"crash check figures: backend={backend} events={len(event_ids)} kills={args.kills} "
          f"kills_mid_dispatch={kills_mid_dispatch} consumer_starts={consumer.starts} "
          f"notifications={notifications.count()} webhook_deliveries={len(receiver.received)} "
          f"distinct_webhook_ids={len(received)} redeliveries_seen={redeliveries} "
          f"processed_once={sum(receiver.processed.values())} drain_s={drain:.1f} duration_s={duration:.1f}",
          flush=True)
    for failure in failures:
        print(f"FAIL: {failure}", flush=True)
    if failures:
        print(f"consumer log: {Path(var_dir) / 'consumer.log'}", flush=True)
        return 1
    print("crash check: OK", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
