"""Where a running worker is: every thread's stack and every asyncio task's, for an operator who sends
SIGUSR1 to a worker that has stopped moving (see the README's "Runbook").

mode's own SIGUSR1 dump prints each frame's local variables, and those hold events, prompt text
included; this one prints code locations and source lines only.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from typing import TextIO

BEGIN = "=== extractwatch stacks: begin ==="
END = "=== extractwatch stacks: end ==="


def dump_stacks(out: TextIO, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Write every thread's stack, then every task of ``loop`` (if given) with the frames it is
    suspended in, between ``BEGIN`` and ``END`` lines.

    >>> import io
    >>> out = io.StringIO()
    >>> dump_stacks(out)
    >>> text = out.getvalue()
    >>> text.startswith(BEGIN) and text.rstrip().endswith(END) and "THREAD MainThread" in text
    True
    """
    print(BEGIN, file=out)
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        print(f"THREAD {names.get(ident, ident)}", file=out)
        out.writelines(traceback.format_stack(frame))
    if loop is not None:
        for task in sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name()):
            print(f"TASK {task.get_name()} {task.get_coro()!r}", file=out)
            out.writelines(traceback.format_list(_suspended_in(task)))
    print(END, file=out)
    out.flush()


def _suspended_in(task: asyncio.Task) -> traceback.StackSummary:
    """The frames of ``task``'s coroutine chain, outermost first, as far as it has gone. Without
    locals (``StackSummary`` keeps them only when asked to)."""
    frames = []
    coro = task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:
            break
        frames.append((frame, frame.f_lineno))
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return traceback.StackSummary.extract(frames, capture_locals=False)
