"""Run a moto server on a port the OS picks, and report that port through a file.

`python -m scribe_local.emulator.moto_launcher <port file>`: binding port 0 leaves no window in
which another process could take the port between choosing and binding it (several servers may run
on one machine). The port file is written atomically once the server listens; SIGTERM stops it.
"""

from __future__ import annotations

import os
import signal
import string
import sys
import threading
from pathlib import Path

from moto.apigatewayv2.models import Api
from moto.awslambda.policy import Policy
from moto.moto_api._internal import mock_random
from moto.server import ThreadedMotoServer


def remove_every_copy(self: Policy, sid: str, revision: str = "") -> None:
    """Lambda RemovePermission that removes every statement with the id, not just the first.

    moto accepts a second AddPermission with an id it already holds (AWS refuses it), so a
    create the provider retried leaves two copies; removing one left the other, and `terraform
    destroy` then waited for the permission to go until it failed. AWS holds one statement per id:
    after a removal none is left, which is what removing every copy gives.
    """
    original_del_statement(self, sid, revision)  # the revision check and the not-found error
    self.statements[:] = [s for s in self.statements if s.get("Sid") != sid]


original_del_statement = Policy.del_statement


def api_with_an_aws_id(self: Api, region: str, *args: object, **kwargs: object) -> None:
    """HTTP API ids of AWS's shape: 10 characters of a-z and 0-9 (moto makes 8 letters).

    The CI identity validates a pinned api_id against AWS's shape, and its policies name ids of
    that length (ten '?'): the emulated ids must have it too.
    """
    original_api_init(self, region, *args, **kwargs)  # type: ignore[arg-type]
    tags = self.backend.tagger.get_tag_dict_for_resource(self.arn)
    self.backend.tagger.delete_all_tags_for_resource(self.arn)
    alphabet = string.ascii_lowercase + string.digits
    self.api_id = "".join(mock_random.choice(alphabet) for _ in range(10))
    self.api_endpoint = f"https://{self.api_id}.execute-api.{region}.amazonaws.com"
    self.arn = f"{self.arn.rsplit('/', 1)[0]}/{self.api_id}"
    self.backend.tag_resource(self.arn, tags)


original_api_init = Api.__init__


def main() -> int:
    Policy.del_statement = remove_every_copy  # type: ignore[method-assign]
    Api.__init__ = api_with_an_aws_id  # type: ignore[method-assign]
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
