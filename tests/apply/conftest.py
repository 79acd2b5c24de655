"""Apply tests: the real root applied to the session moto server, the gateway on its zip."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tftest
from botocore.credentials import Credentials

from scribe_local.client import signed_headers
from scribe_local.emulator.gateway import (
    GatewayServer,
    callers,
    load_gateway,
    serving as gateway_serving,
)
from scribe_local.emulator.gateway.callers import Caller
from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from scribe_local.terraform.workdir import LOCAL_VAR_FILE, load_test_api, local_vars
from tests import terraform_harness as h


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def lower(headers: Any) -> dict[str, str]:
    """Header names are case-insensitive: compare them in lower case."""
    return {str(name).lower(): str(value) for name, value in headers}


def http(
    method: str,
    url: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    caller: Caller | None = None,
) -> HttpAnswer:
    """One request; SigV4-signed by botocore with the caller's keys when a caller is given."""
    if caller is not None:
        headers = signed_headers(credentials(caller), method, url, body, headers or {}, REGION)
    request = urllib.request.Request(  # noqa: S310 (loopback gateway)
        url, data=body if method != "GET" else None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return HttpAnswer(response.status, lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, lower(error.headers.items()), error.read())


def credentials(caller: Caller) -> Credentials:
    return Credentials(caller.access_key_id, caller.secret_access_key, caller.session_token)


@dataclass
class Stack:
    """An applied stack and its local gateway."""

    tf: tftest.TerraformTest
    moto: MotoServer
    outputs: dict[str, Any]
    second_plan_exitcode: int
    var_args: list[str]
    s3: Any = None  # an admin's client: works while IAM enforcement is on
    gateway: GatewayServer | None = None
    caller: Caller | None = None  # allowed execute-api:Invoke on every route, as `make up` issues
    log_path: Path = field(default_factory=Path)
    destroyed: bool = False

    @property
    def url(self) -> str:
        assert self.gateway is not None
        return self.gateway.url

    def client(self, service: str) -> Any:
        return moto_client(service, self.moto.url)

    @contextmanager
    def enforcement_paused(self) -> Iterator[None]:
        """moto refuses Lambda/API reads while IAM enforcement is on: pause it around them."""
        self.moto.set_iam_enforcement(False)
        try:
            yield
        finally:
            self.moto.set_iam_enforcement(True)

    def destroy(self) -> None:
        if self.destroyed:
            return
        self.moto.set_iam_enforcement(False)
        if self.gateway is not None:
            self.gateway.close()
            self.gateway = None
        self.tf.destroy(
            auto_approve=True,
            tf_vars=h.tf_vars({"package_path": self.var_args[0]}),
            tf_var_file=load_test_var_files(Path(self.tf.tfdir)),
        )
        self.destroyed = True


def load_test_var_files(tfdir: Path) -> list[str]:
    """envs/local.tfvars, then a var file raising the stage throttling for the load tests (the
    throttling itself is tested on `make up`'s stack and in tests/local). Terraform takes the
    last value given, and tftest puts -var before -var-file: hence a file, not a -var."""
    (tfdir / "load.tfvars.json").write_text(json.dumps({"api": load_test_api()}))
    return [LOCAL_VAR_FILE, "load.tfvars.json"]


def apply_stack(tmp: Path, moto: MotoServer, package_zip: Path) -> Stack:
    moto.reset()
    tf = h.root(tmp, moto.url)
    values = h.tf_vars({"package_path": str(package_zip)})
    tf.apply(auto_approve=True, tf_vars=values, tf_var_file=load_test_var_files(Path(tf.tfdir)))
    exitcode = h.detailed_exitcode(tf, *local_vars(package_zip, load=True))
    outputs = {name: value for name, value in tf.output().items()}
    return Stack(tf, moto, outputs, exitcode, [str(package_zip)])


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    package_zip: Path,
    terraform_ready: None,
) -> Iterator[Stack]:
    """Applied once per test module; the gateway serves it with IAM enforcement on."""
    tmp = tmp_path_factory.mktemp("stack")
    applied = apply_stack(tmp, moto_server, package_zip)
    try:
        api_id = applied.outputs["api_id"]
        applied.log_path = tmp / "function.log"
        iam = moto_client("iam", moto_server.url)
        api_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}"
        applied.caller = callers.issue(iam, "test-caller", callers.invoke_policy(api_arn))
        gateway = load_gateway(
            moto_server.url,
            api_id,
            package_zip,
            applied.log_path,
            {applied.caller.access_key_id: applied.caller},
        )
        applied.gateway = GatewayServer(gateway)
        applied.gateway.start_in_thread()
        applied.s3 = moto_client("s3", moto_server.url, *moto_server.create_admin("test-admin"))
        moto_server.set_iam_enforcement(True)
        yield applied
    finally:
        applied.destroy()


@contextmanager
def serving(
    moto: MotoServer,
    api_id: str,
    package_zip: Path,
    log_path: Path,
    accepted: dict[str, Caller] | None = None,
) -> Iterator[GatewayServer]:
    """The local gateway for one applied API, on the zip Terraform deployed, while in the block."""
    with gateway_serving(moto.url, api_id, package_zip, log_path, accepted) as server:
        yield server


def put_resources(moto: MotoServer, role: str) -> list[str]:
    """What the role's inline policies allow s3:PutObject on, read back from IAM."""
    iam = moto_client("iam", moto.url)
    found = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for statement in document["Statement"]:
            if "s3:PutObject" in statement["Action"]:
                found.append(statement["Resource"])
    return found
