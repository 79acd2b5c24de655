"""make preflight ENV=<env>: does the writer's reserved concurrency fit the account? Before apply.

Lambda refuses a reservation that would leave the account fewer than 100 unreserved concurrent
executions: "You can reserve up to the Unreserved account concurrency value that is shown, minus
100 for functions that don't have reserved concurrency"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). The apply would
then fail at PutFunctionConcurrency with "Specified ReservedConcurrentExecutions for function
decreases account's UnreservedConcurrentExecution below its minimum value of [100]", and new
accounts may have a concurrency quota of 10.

What it reads: envs/<env>.tfvars (name, region, writer.reserved_concurrency; null = unreserved),
Lambda GetAccountSettings (AccountLimit.ConcurrentExecutions and UnreservedConcurrentExecutions,
the latter already net of every reservation, this function's included) and GetFunctionConcurrency
of `<name>-writer` (root main.tf's function name; no function yet = first deploy, no reservation
= 0). The apply replaces the function's current reservation with the desired one, so

    unreserved after = Unreserved + current reservation - desired reservation >= 100

Exit 0 when it fits, 1 when it does not (with the fixes), 2 when the settings could not be read
(with advice). boto3 honours AWS_ENDPOINT_URL (a local moto) as `make smoke` does.
    python -m scribe_local.preflight --env dev [--root <dir holding envs/>]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from scribe_local.paths import REPO
from scribe_local.terraform.envs import env_values

MINIMUM_UNRESERVED = 100  # AWS's floor (configuration-concurrency.html, quoted above)
QUOTA_CODE = "L-B99A9384"  # Service Quotas: AWS Lambda, "Concurrent executions"
EXIT_FITS, EXIT_DOES_NOT_FIT, EXIT_ERROR = 0, 1, 2
ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})


class PreflightError(Exception):
    """The settings could not be read; the message says what to do."""


@dataclass(frozen=True)
class Settings:
    env: str
    function_name: str
    region: str
    desired: int | None  # writer.reserved_concurrency; None: unreserved


@dataclass(frozen=True)
class Account:
    concurrency: int  # AccountLimit.ConcurrentExecutions (the quota)
    unreserved: int  # AccountLimit.UnreservedConcurrentExecutions (net of every reservation)
    current: int  # this function's reservation now (0: none, or no function yet)
    first_deploy: bool  # the function does not exist yet


@dataclass(frozen=True)
class Verdict:
    fits: bool
    message: str

    @property
    def exit_code(self) -> int:
        return EXIT_FITS if self.fits else EXIT_DOES_NOT_FIT


def read_settings(env: str, root: Path = REPO) -> Settings:
    path = root / "envs" / f"{env}.tfvars"
    if not path.is_file():
        raise PreflightError(f"{path} is missing: ENV names an env file under envs/")
    values = env_values(env, root)
    name, region = values.get("name"), values.get("region")
    if not name or not region:
        raise PreflightError(f"{path} sets no name or no region (the stack needs both)")
    desired = (values.get("writer") or {}).get("reserved_concurrency")
    return Settings(env, f"{name}-writer", region, None if desired is None else int(desired))


def read_account(client: Any, function_name: str) -> Account:
    limit = client.get_account_settings()["AccountLimit"]
    try:
        answer = client.get_function_concurrency(FunctionName=function_name)
        current, first_deploy = int(answer.get("ReservedConcurrentExecutions") or 0), False
    except client.exceptions.ResourceNotFoundException:
        current, first_deploy = 0, True
    return Account(
        int(limit["ConcurrentExecutions"]),
        int(limit["UnreservedConcurrentExecutions"]),
        current,
        first_deploy,
    )


def decide(settings: Settings, account: Account) -> Verdict:
    where = f"the account's {account.concurrency} concurrent executions in {settings.region}"
    now = (
        "first deploy: no function yet"
        if account.first_deploy
        else f"it reserves {account.current} now"
    )
    head = f"[scribe] preflight {settings.env}: {settings.function_name}"
    tfvars = f"envs/{settings.env}.tfvars"
    if settings.desired is None:
        return Verdict(
            True,
            f"{head} fits: writer.reserved_concurrency is null (unreserved), so the function "
            f"shares the unreserved pool of {where} and reserves nothing ({now}).",
        )
    if not account.first_deploy and settings.desired == account.current:
        return Verdict(
            True,
            f"{head} fits: it already reserves {account.current} of {where}; the apply leaves "
            "the reservation as it is.",
        )
    after = account.unreserved + account.current - settings.desired
    numbers = (
        f"reserving {settings.desired} of {where} leaves {after} unreserved "
        f"(unreserved now {account.unreserved}; {now}); Lambda keeps at least "
        f"{MINIMUM_UNRESERVED} unreserved"
    )
    if after >= MINIMUM_UNRESERVED:
        return Verdict(True, f"{head} fits: {numbers}.")
    at_most = account.unreserved + account.current - MINIMUM_UNRESERVED
    quota = account.concurrency + (MINIMUM_UNRESERVED - after)
    lower = (
        f"lower writer.reserved_concurrency in {tfvars} to at most {at_most}, or set it to "
        "null (unreserved: the stage throttling still caps the load)"
        if at_most >= 1
        else f"set writer.reserved_concurrency = null in {tfvars} (unreserved: no reservation "
        "fits this account; the stage throttling still caps the load)"
    )
    return Verdict(
        False,
        f"{head} does not fit: {numbers}, so the apply would fail at PutFunctionConcurrency "
        "(\"decreases account's UnreservedConcurrentExecution below its minimum value of "
        f'[{MINIMUM_UNRESERVED}]").\n'
        "Fix, either:\n"
        f"  - {lower};\n"
        f"  - or request a quota increase to at least {quota} (Service Quotas > AWS Lambda > "
        f'"Concurrent executions", code {QUOTA_CODE}): aws service-quotas '
        "request-service-quota-increase --service-code lambda "
        f"--quota-code {QUOTA_CODE} --desired-value {quota} --region {settings.region}",
    )


def advice(error: Exception, settings: Settings) -> str:
    head = f"[scribe] preflight {settings.env}: could not read the Lambda concurrency settings"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in ACCESS_DENIED:
            return (
                f'{head}: {code}. The role needs lambda:GetAccountSettings (Resource "*": the '
                "action has no resource type) and lambda:GetFunctionConcurrency on the function "
                f"{settings.function_name}; modules/ci-identity grants both to the deploy roles "
                f"(apply bootstrap/ again if the role predates them). AWS said: {error}"
            )
        return f"{head}: {error}"
    if isinstance(error, NoCredentialsError):
        return f"{head}: no AWS credentials (set AWS_PROFILE, or the CI job's role)."
    return f"{head}: {error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Does writer.reserved_concurrency fit the account's Lambda concurrency?"
    )
    parser.add_argument("--env", required=True, help="the env file envs/<env>.tfvars")
    parser.add_argument("--root", type=Path, default=REPO, help="the directory holding envs/")
    args = parser.parse_args(argv)
    try:
        settings = read_settings(args.env, args.root)
    except PreflightError as error:
        print(f"[scribe] preflight {args.env}: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        client = boto3.client("lambda", region_name=settings.region)
        account = read_account(client, settings.function_name)
    except (BotoCoreError, ClientError) as error:
        print(advice(error, settings), file=sys.stderr)
        return EXIT_ERROR
    verdict = decide(settings, account)
    print(verdict.message)
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
