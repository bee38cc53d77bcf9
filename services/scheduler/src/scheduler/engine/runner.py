"""Run one solve in a child process (multiprocessing "spawn") with a hard wall-clock kill.

The child sends progress events and the final plan over a queue; the parent relays progress
to the caller's callback, forwards stop requests through a shared Event, and terminates (then
kills) a child still alive at time_limit + margin. A crash or hang costs this solve only.

The child is not a daemon, because it starts worker processes of its own for independent
parts (parallel.py), which a daemon may not. Instead it leads its own process group, and the
parent signals the whole group: a kill takes the part workers down with the child.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from typing import Any

from .cpsat import Options, Progress
from .errors import EngineError, SolveFailed
from .problem import Problem

DEFAULT_MARGIN = 5.0


def _child(data: dict[str, Any], opts_dict: dict[str, Any], out: Any, stop: Any,
           test_hang: float) -> None:
    """Child entry: solve and put ("progress", ev)* then ("plan", plan) or ("error", text)."""
    try:
        _lead_process_group()
        if test_hang:
            time.sleep(test_hang)
        from .pipeline import solve_dict  # noqa: PLC0415 - import OR-Tools only in the child

        def report(event: dict[str, Any]) -> None:
            out.put(("progress", event))

        plan = solve_dict(data, Options(**opts_dict), progress=report, stop=stop)
        out.put(("plan", plan))
    except EngineError as exc:
        out.put(("engine_error", (type(exc).__name__, getattr(exc, "field", ""), str(exc))))
    except BaseException as exc:  # noqa: BLE001 - report anything to the parent
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def solve_in_child(problem: Problem, opts: Options, *, progress: Progress | None = None,
                   stop_event: Any = None, hard_margin: float | None = None,
                   test_hang: float = 0.0) -> dict[str, Any]:
    """Solve in a spawned child; raise SolveFailed if it dies or outlives its hard limit."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    stop = ctx.Event()
    margin = DEFAULT_MARGIN if hard_margin is None else hard_margin
    child = ctx.Process(target=_child, name="linli-solve", daemon=False,
                        args=(problem.raw, dict(opts.__dict__), out, stop, test_hang))
    started = time.monotonic()
    child.start()
    deadline = started + opts.time_limit + margin
    callback_error: str | None = None
    try:
        while True:
            if stop_event is not None and stop_event.is_set():
                stop.set()
            try:
                kind, payload = out.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() > deadline:
                    _kill(child)
                    raise SolveFailed(
                        f"solver child exceeded its hard limit of {opts.time_limit + margin:.1f}"
                        " s and was killed") from None
                if not child.is_alive() and out.empty():
                    raise SolveFailed(f"solver child died (exit code {child.exitcode})") from None
                continue
            if kind == "progress":
                if progress is not None and callback_error is None:
                    try:
                        progress(payload)
                    except Exception as exc:  # noqa: BLE001 - stop cleanly, keep the best plan
                        callback_error = f"{type(exc).__name__}: {exc}"
                        stop.set()
                continue
            if kind == "plan":
                if callback_error:
                    payload["solver"]["stopped"] = f"progress callback raised {callback_error}"
                return payload
            if kind == "engine_error":
                name, field, text = payload
                from . import errors  # noqa: PLC0415

                cls = getattr(errors, name, EngineError)
                if issubclass(cls, errors.ProblemError):
                    message = text.split(": ", 1)[1] if field and ": " in text else text
                    raise cls(field, message)
                raise cls(text)
            raise SolveFailed(f"solver child failed: {payload}")
    finally:
        if child.is_alive():
            _kill(child)
        elif child.exitcode:
            _signal_group(child.pid, signal.SIGKILL)  # a crashed child may leave workers
        out.close()
        out.join_thread()


def _lead_process_group() -> None:
    """Make the solve child the leader of a new process group (POSIX), which its part
    workers inherit, so that one signal from the parent reaches them all."""
    if hasattr(os, "setpgid"):
        try:
            os.setpgid(0, 0)
        except OSError:
            pass  # then only the child itself is signalled


def _signal_group(pid: int | None, sig: int) -> None:
    """Signal the process group the solve child leads, if it leads one."""
    if pid is None or not hasattr(os, "killpg"):
        return
    try:
        if os.getpgid(pid) != pid:
            return  # not (yet) its own group: never signal the caller's group
    except OSError:
        pass  # the child is gone; members of its group may still be there
    try:
        os.killpg(pid, sig)
    except OSError:
        pass  # no such group left


def _kill(child: Any) -> None:
    """Terminate the child and its part workers, then kill whatever does not go in a second."""
    _signal_group(child.pid, signal.SIGTERM)
    child.terminate()
    child.join(1.0)
    _signal_group(child.pid, signal.SIGKILL)
    if child.is_alive():
        child.kill()
        child.join(1.0)


class SolveHandle:
    """A background solve that can be stopped; result() waits for the plan."""

    def __init__(self, problem: Problem, opts: Options, progress: Progress | None = None):
        self._stop = threading.Event()
        self._result: dict[str, Any] | None = None
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._result = solve_in_child(problem, opts, progress=progress,
                                              stop_event=self._stop)
            except BaseException as exc:  # noqa: BLE001 - handed to result()
                self._error = exc

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the search to end; the best plan found so far is kept."""
        self._stop.set()

    def result(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait for the plan (re-raising the solve's error)."""
        self._thread.join(timeout)
        if self._error:
            raise self._error
        if self._result is None:
            raise SolveFailed("solve still running")
        return self._result
