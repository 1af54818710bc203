"""``extractwatch dlq resend``: put dead-lettered input records back on the input topic.

For records refused by a limit or a bug since fixed. ``late``, ``future`` and ``duplicate`` records
are refused unless ``--force``: sent again they would be dead-lettered again (a duplicate is a copy
of an event already counted), and a resend loop would follow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from streams.errors import ConfigError
from streams.kafka_client import messages_to_end
from streams.produce import InputPublisher
from streams.settings import Settings

LOOPING_REASONS = frozenset({"late", "future", "duplicate"})


@dataclass
class ResendReport:
    resent: Counter[str] = field(default_factory=Counter)  # by reason
    refused: Counter[str] = field(default_factory=Counter)  # LOOPING_REASONS, without --force
    skipped: int = 0  # other reasons, or older than --since
    failed: int = 0

    def line(self, dry_run: bool) -> str:
        verb = "would resend" if dry_run else "resent"
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.resent.items())) or "none"
        text = f"{verb} {sum(self.resent.values())} DLQ records ({reasons}); {self.skipped} not selected"
        if self.refused:
            held = ", ".join(f"{r} {n}" for r, n in sorted(self.refused.items()))
            text += f"; refused {held} (they would be dead-lettered again: --force to send them anyway)"
        if self.failed:
            text += f"; {self.failed} FAILED to be delivered"
        return text


def resend(
    settings: Settings,
    reasons: set[str] | None = None,
    since: float | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> ResendReport:
    asked_to_loop = (reasons or set()) & LOOPING_REASONS
    if asked_to_loop and not force:
        raise ConfigError(
            f"{', '.join(sorted(asked_to_loop))} records would be dead-lettered again: "
            "add --force to resend them"
        )
    report = ResendReport()
    publisher = None if dry_run else InputPublisher(settings)
    for msg in messages_to_end(settings, settings.dlq_topic):
        reason = dict(msg.headers() or []).get("reason", b"").decode()
        if (reasons and reason not in reasons) or (since is not None and msg.timestamp()[1] < since * 1000):
            report.skipped += 1
        elif reason in LOOPING_REASONS and not force:
            report.refused[reason] += 1
        else:
            report.resent[reason] += 1
            if publisher is not None:
                publisher.publish_line(msg.value())
    if publisher is not None:
        report.failed = publisher.close().failed
    return report
