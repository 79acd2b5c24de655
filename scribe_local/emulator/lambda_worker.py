"""One warm Lambda execution environment: runs the handler of an extracted zip.

Started by scribe_local.emulator.function as `python -I lambda_worker.py <code dir>
<module.function>`, in a process whose environment is the function's (its variables, region,
memory, and the credentials of its role). It imports only the code from the zip (-I keeps the
checkout off sys.path), then answers one JSON line per JSON line on stdin:
  in:  {"event": {...}, "request_id": "...", "deadline": <epoch seconds>}
  out: {"ok": true, "payload": ..., "max_rss_kb": N} or {"ok": false, "error_type": ..., ...}
The handler's own stdout (its log lines) goes to stderr, which the parent keeps as the log stream.
Standard library only: it runs beside the handler, not inside the project.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from typing import Any


class Context:
    """The parts of the Lambda context object a handler reads."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("SCRIBE_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = "local"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def peak_rss_kb() -> int:
    """Peak resident memory of this process image. ru_maxrss would also count the parent's
    memory inherited through fork before exec; Linux's VmHWM starts afresh at exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the handler's prints become log lines on stderr
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        handler = None
        import_error = f"{type(error).__name__}: {error}"
    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any]
        if handler is None:
            reply = {"ok": False, "error_type": "Runtime.ImportModuleError", "error": import_error}
        else:
            context = Context(request["request_id"], request["deadline"])
            try:
                reply = {"ok": True, "payload": handler(request["event"], context)}
            except Exception as error:
                traceback.print_exc()
                reply = {"ok": False, "error_type": type(error).__name__, "error": str(error)}
        reply["max_rss_kb"] = peak_rss_kb()
        replies.write(json.dumps(reply, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
