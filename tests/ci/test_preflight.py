"""make preflight: the reserved-concurrency verdict against a fake Lambda endpoint.

A local HTTP server answers the two REST calls botocore sends (GetAccountSettings:
GET /2016-08-19/account-settings; GetFunctionConcurrency:
GET /2019-09-30/functions/<name>/concurrency) as Lambda does; the client reaches it through
AWS_ENDPOINT_URL, as the pipeline test reaches moto. Messages and exit codes by value.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError

from scribe_local import preflight
from scribe_local.paths import REPO
from scribe_local.terraform.envs import env_values

ACCOUNT_SETTINGS = "/2016-08-19/account-settings"
NOT_FOUND = {"Type": "User", "Message": "Function not found: arn:aws:lambda:..."}


@dataclass
class FakeLambda:
    """What the fake answers: the account's figures and the function's reservation."""

    concurrency: int = 1000
    unreserved: int = 1000
    reservation: int | None = None  # None: the function has none
    exists: bool = True
    deny: str | None = None  # an action name: AccessDeniedException on that call
    paths: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def answer(self, path: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path == ACCOUNT_SETTINGS:
            if self.deny == "GetAccountSettings":
                return self.denied("lambda:GetAccountSettings", "*")
            limit = {
                "ConcurrentExecutions": self.concurrency,
                "UnreservedConcurrentExecutions": self.unreserved,
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
            }
            usage = {"TotalCodeSize": 0, "FunctionCount": 0}
            return 200, {}, {"AccountLimit": limit, "AccountUsage": usage}
        if path == "/2019-09-30/functions/scribe-dev-writer/concurrency":
            if self.deny == "GetFunctionConcurrency":
                return self.denied("lambda:GetFunctionConcurrency", "function:scribe-dev-writer")
            if not self.exists:
                return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, NOT_FOUND
            if self.reservation is None:
                return 200, {}, {}
            return 200, {}, {"ReservedConcurrentExecutions": self.reservation}
        return 404, {"x-amzn-ErrorType": "UnknownOperationException"}, {"Message": path}

    @staticmethod
    def denied(action: str, resource: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        message = f"User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: {action} on resource: {resource}"  # noqa: E501
        return 403, {"x-amzn-ErrorType": "AccessDeniedException"}, {"Message": message}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLambda]:
    state = FakeLambda()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            scope = (self.headers.get("Authorization") or "").split("Credential=")[-1]
            state.regions.append(scope.split("/")[2] if scope.count("/") >= 3 else "")
            status, headers, body = state.answer(self.path.split("?", 1)[0])
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def env_root(tmp_path: Path, reserved: str) -> Path:
    """A copy of envs/dev.tfvars with writer.reserved_concurrency set to reserved."""
    (tmp_path / "envs").mkdir()
    text = (REPO / "envs" / "dev.tfvars").read_text()
    assert "reserved_concurrency = 5\n" in text
    (tmp_path / "envs" / "dev.tfvars").write_text(
        text.replace("reserved_concurrency = 5\n", f"reserved_concurrency = {reserved}\n")
    )
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = preflight.main(["--env", "dev", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_settings_come_from_the_env_file() -> None:
    assert preflight.read_settings("dev") == preflight.Settings(
        "dev", "scribe-dev-writer", "eu-west-1", 5
    )
    prod = preflight.read_settings("prod")
    assert (prod.function_name, prod.desired) == ("scribe-prod-writer", 50)
    assert env_values("dev")["name"] == "scribe-dev"  # strings without their quotes


def test_fits_on_a_default_account(fake: FakeLambda, capsys: pytest.CaptureFixture[str]) -> None:
    fake.exists = False  # first deploy
    assert run(capsys) == (
        0,
        "[scribe] preflight dev: scribe-dev-writer fits: reserving 5 of the account's 1000 "
        "concurrent executions in eu-west-1 leaves 995 unreserved (unreserved now 1000; first "
        "deploy: no function yet); Lambda keeps at least 100 unreserved.\n",
        "",
    )
    assert fake.paths == [ACCOUNT_SETTINGS, "/2019-09-30/functions/scribe-dev-writer/concurrency"]
    assert fake.regions == ["eu-west-1", "eu-west-1"]  # the env file's region


def test_does_not_fit_a_new_account_of_10(
    fake: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.concurrency = fake.unreserved = 10
    fake.exists = False
    assert run(capsys) == (
        1,
        "[scribe] preflight dev: scribe-dev-writer does not fit: reserving 5 of the account's "
        "10 concurrent executions in eu-west-1 leaves 5 unreserved (unreserved now 10; first "
        "deploy: no function yet); Lambda keeps at least 100 unreserved, so the apply would "
        "fail at PutFunctionConcurrency (\"decreases account's UnreservedConcurrentExecution "
        'below its minimum value of [100]").\n'
        "Fix, either:\n"
        "  - set writer.reserved_concurrency = null in envs/dev.tfvars (unreserved: no "
        "reservation fits this account; the stage throttling still caps the load);\n"
        "  - or request a quota increase to at least 105 (Service Quotas > AWS Lambda > "
        '"Concurrent executions", code L-B99A9384): aws service-quotas '
        "request-service-quota-increase --service-code lambda --quota-code L-B99A9384 "
        "--desired-value 105 --region eu-west-1\n",
        "",
    )


def test_does_not_fit_by_one_and_says_how_low_to_go(
    fake: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.concurrency, fake.unreserved = 110, 104  # another function reserves 6
    code, out, _ = run(capsys)
    assert code == 1
    assert "leaves 99 unreserved (unreserved now 104; it reserves 0 now)" in out
    assert (
        "  - lower writer.reserved_concurrency in envs/dev.tfvars to at most 4, or set it to "
        "null (unreserved: the stage throttling still caps the load);\n"
    ) in out
    assert "--desired-value 111 --region eu-west-1\n" in out


def test_the_current_reservation_counts_back(
    fake: FakeLambda, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The function reserves 5 already (unreserved is net of it): raising it to 8 needs 3 more."""
    fake.concurrency, fake.unreserved, fake.reservation = 110, 105, 5
    root = env_root(tmp_path, "8")
    code, out, _ = run(capsys, "--root", str(root))
    assert (code, "leaves 102 unreserved (unreserved now 105; it reserves 5 now)" in out) == (
        0,
        True,
    )
    fake.unreserved = 100  # another function took 5 more meanwhile
    code, out, _ = run(capsys, "--root", str(root))
    assert code == 1
    assert "leaves 97 unreserved" in out
    assert "to at most 5, or set it to null" in out
    assert "--desired-value 113 " in out


def test_an_unchanged_reservation_fits(
    fake: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """The apply makes no PutFunctionConcurrency call when the reservation does not change."""
    fake.concurrency, fake.unreserved, fake.reservation = 100, 95, 5
    assert run(capsys) == (
        0,
        "[scribe] preflight dev: scribe-dev-writer fits: it already reserves 5 of the account's "
        "100 concurrent executions in eu-west-1; the apply leaves the reservation as it is.\n",
        "",
    )


def test_an_unreserved_function_always_fits(
    fake: FakeLambda, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.concurrency = fake.unreserved = 10
    fake.reservation = 3  # the apply removes it
    assert run(capsys, "--root", str(env_root(tmp_path, "null"))) == (
        0,
        "[scribe] preflight dev: scribe-dev-writer fits: writer.reserved_concurrency is null "
        "(unreserved), so the function shares the unreserved pool of the account's 10 "
        "concurrent executions in eu-west-1 and reserves nothing (it reserves 3 now).\n",
        "",
    )


@pytest.mark.parametrize("denied", ["GetAccountSettings", "GetFunctionConcurrency"])
def test_access_denied_names_the_missing_grants(
    fake: FakeLambda, denied: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.deny = denied
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err.startswith(
        "[scribe] preflight dev: could not read the Lambda concurrency settings: "
        'AccessDeniedException. The role needs lambda:GetAccountSettings (Resource "*": the '
        "action has no resource type) and lambda:GetFunctionConcurrency on the function "
        "scribe-dev-writer; modules/ci-identity grants both to the deploy roles (apply "
        "bootstrap/ again if the role predates them). AWS said: "
    )
    assert f"lambda:{denied}" in err


def test_a_missing_env_file_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert preflight.main(["--env", "staging"]) == 2
    assert capsys.readouterr().err == (
        f"[scribe] preflight staging: {REPO / 'envs' / 'staging.tfvars'} is missing: ENV names "
        "an env file under envs/\n"
    )


def test_no_credentials_is_an_error() -> None:
    """The advice for botocore's NoCredentialsError (the machine's own credential chain is not
    touched here)."""
    settings = preflight.read_settings("dev")
    assert preflight.advice(NoCredentialsError(), settings) == (
        "[scribe] preflight dev: could not read the Lambda concurrency settings: no AWS "
        "credentials (set AWS_PROFILE, or the CI job's role)."
    )
