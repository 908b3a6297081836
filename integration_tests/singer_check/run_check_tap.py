"""singer-check-tap (singer-tools 0.4.1) without its race.

    <singer-tools venv>/bin/python run_check_tap.py --tap tap-keycloak --config config.json [-d]

Runs singer-tools' own `check_tap.main()`: its argument parsing, its two passes (without
state, then again with the last STATE of the first pass), its record validation
(`OutputSummary.add`: a SCHEMA before each stream's first RECORD, every record valid
against the stream's latest schema with jsonschema's Draft4 validator, FormatChecker and
its strict RFC 3339 check of `date-time` fields), its summary, and its exit codes.

Only `check_tap.run_and_summarize` is replaced, by a copy that differs in two ways:

1. It joins the reader thread before using its summary. The original waits for the tap
   process and then reads `summarizer.summary` without joining the thread that parses
   the tap's stdout. With a fast tap the process ends before the thread has parsed the
   last lines, `summary` is still None, and singer-check-tap crashes in `print_summary`
   with `AttributeError: 'NoneType' object has no attribute 'num_messages'`; or, worse,
   it summarises a state the thread has not finished reading. Joining (without a
   timeout) makes the result depend only on the tap's output.
2. A failure inside the reader thread fails the check. In the original, an invalid
   record raises in the thread (or the thread calls `exit(1)` for a RECORD before its
   SCHEMA, which only ends the thread), the exception is printed by the thread and the
   main thread goes on with `summary = None`. Here the exception is re-raised in the
   main thread and the run exits 1 with singer-tools' own error message.

Nothing is skipped or loosened: every message still goes through `summarize_output`
and `OutputSummary.add` exactly as in singer-tools.
"""
from __future__ import annotations

import subprocess
import sys
from subprocess import Popen

from singertools import check_tap


class JoinedStdoutReader(check_tap.StdoutReader):
    """singer-tools' reader thread, remembering what ended it."""

    def __init__(self, process):
        super().__init__(process)
        self.failure: BaseException | None = None

    def run(self):
        try:
            super().run()
        except BaseException as e:  # SystemExit from check_tap's exit(1) too
            self.failure = e


def run_and_summarize(tap, config, state=None, debug=False):
    cmd = [tap, "--config", config]
    if state:
        cmd += ["--state", state]
    print("Running command {}".format(" ".join(cmd)))

    stderr = None if debug else subprocess.DEVNULL
    proc = Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, bufsize=1,
                 universal_newlines=True)
    summarizer = JoinedStdoutReader(proc)
    summarizer.start()
    returncode = proc.wait()
    summarizer.join()  # the fix: the whole output is parsed before it is summarised
    if summarizer.failure is not None:
        f = summarizer.failure
        print("ERROR: the tap's output is invalid: {}: {}".format(type(f).__name__, f))
        sys.exit(1)
    if returncode != 0:
        print("ERROR: tap exited with status {}".format(returncode))
        sys.exit(1)
    if summarizer.summary is None:  # cannot happen after join(); never pass silently
        print("ERROR: no summary of the tap's output")
        sys.exit(1)
    return summarizer.summary


check_tap.run_and_summarize = run_and_summarize

if __name__ == "__main__":
    check_tap.main()
