import asyncio
import io

from streams.stacks import dump_stacks


async def _inner_wait(event: asyncio.Event) -> None:
    secret = "prompt text that must not be printed"  # noqa: F841 (a local the dump must leave out)
    await event.wait()


async def _outer_wait(event: asyncio.Event) -> None:
    await _inner_wait(event)


def test_a_suspended_task_shows_its_whole_await_chain_without_local_values():
    async def main() -> str:
        event = asyncio.Event()
        task = asyncio.get_running_loop().create_task(_outer_wait(event), name="waiting-task")
        await asyncio.sleep(0)  # let it reach its await
        out = io.StringIO()
        dump_stacks(out, asyncio.get_running_loop())
        event.set()
        await task
        return out.getvalue()

    text = asyncio.run(main())
    task_part = text[text.index("TASK waiting-task") :]
    assert "in _outer_wait" in task_part and "in _inner_wait" in task_part
    assert "prompt text that must not be printed" not in text
