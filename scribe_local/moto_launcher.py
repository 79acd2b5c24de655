"""Run a moto server on a port the OS picks, and report that port through a file.

`python -m scribe_local.moto_launcher <port file>`: binding port 0 leaves no window in which
another process could take the port between choosing and binding it (several servers may run on
one machine). The port file is written atomically once the server listens; SIGTERM stops it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from moto.server import ThreadedMotoServer


def main() -> int:
    port_file = Path(sys.argv[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(server.get_host_and_port()[1]))
    os.replace(tmp, port_file)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
