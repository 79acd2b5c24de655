"""The callers the local gateway accepts on AWS_IAM routes: their keys and their IAM identity.

A caller is an access key of an IAM user or of a role session, with its secret (moto never
reveals one, so the gateway is given it) and the identity IAM holds for the principal, read from
IAM when the caller is issued: inline and attached policies (a user's groups' too) and the
permissions boundary (moto keeps none for users, only for roles). The gateway decides
execute-api:Invoke with them (authorization.py), as API Gateway asks IAM to. Session policies and
SCPs are not modelled.

The callers file (.scribe/callers.json, written by `make up` and `make caller`) is a JSON list of
callers. The gateway re-reads it when it changes, so a caller issued while it runs is accepted on
its next request; a policy changed in IAM later is seen once the caller is issued again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    secret_access_key: str
    arn: str  # the principal as API Gateway names it (user, or assumed-role session)
    session_token: str | None = None
    principal_arn: str = ""  # aws:PrincipalArn: the user, or the role of a session
    policies: dict[str, Document] = field(default_factory=dict)  # identity policies by name
    boundary: Document | None = None  # the permissions boundary, if any


def _documents(iam: Any, kind: str, name: str) -> Iterator[tuple[str, Document]]:
    """The inline and attached policies of a user, group or role, named <kind>/<name>/<policy>."""
    label = kind.lower()
    inline = getattr(iam, f"list_{label}_policies")(**{f"{kind}Name": name})["PolicyNames"]
    for policy in inline:
        got = getattr(iam, f"get_{label}_policy")(**{f"{kind}Name": name, "PolicyName": policy})
        yield f"{label}/{name}/{policy}", got["PolicyDocument"]
    attached = getattr(iam, f"list_attached_{label}_policies")(**{f"{kind}Name": name})
    for policy in attached["AttachedPolicies"]:
        yield f"{label}/{name}/{policy['PolicyName']}", managed(iam, policy["PolicyArn"])


def managed(iam: Any, arn: str) -> Document:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document: Document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"][
        "Document"
    ]
    return document


def with_identity(
    iam: Any, access_key_id: str, secret: str, arn: str, session_token: str | None = None
) -> Caller:
    """The caller with the identity IAM holds for arn: an IAM user, or an assumed-role session
    (arn:aws:sts::<account>:assumed-role/<role>/<session>)."""
    kind, _, rest = arn.split(":", 5)[5].partition("/")
    if kind == "user":
        name = rest.rsplit("/", 1)[-1]
        principal = iam.get_user(UserName=name)["User"]
        documents = dict(_documents(iam, "User", name))
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            documents.update(_documents(iam, "Group", group["GroupName"]))
    elif kind == "assumed-role":
        name = rest.split("/", 1)[0]
        principal = iam.get_role(RoleName=name)["Role"]
        documents = dict(_documents(iam, "Role", name))
    else:
        raise ValueError(f"{arn} is neither an IAM user nor a role session: issue a user's keys")
    boundary = principal.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    return Caller(
        access_key_id,
        secret,
        arn,
        session_token,
        principal["Arn"],
        documents,
        managed(iam, boundary) if boundary else None,
    )


def invoke_policy(api_arn: str) -> Document:
    """An identity policy allowing execute-api:Invoke on every route of the API (its ARN
    arn:aws:execute-api:<region>:<account>:<api id>)."""
    invoke = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{api_arn}/*"}
    return {"Version": "2012-10-17", "Statement": [invoke]}


def issue(iam: Any, user: str, policy: Document) -> Caller:
    """A new IAM user with `policy` inline and an access key."""
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="invoke", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return with_identity(iam, key["AccessKeyId"], key["SecretAccessKey"], arn)


def load(path: Path) -> dict[str, Caller]:
    """The callers of a callers file by access key id (none when it does not exist)."""
    if not path.is_file():
        return {}
    return {c["access_key_id"]: Caller(**c) for c in json.loads(path.read_text())}


def add(path: Path, caller: Caller) -> None:
    """Add (or replace) a caller in the callers file, atomically: a running gateway never reads a
    half-written file."""
    callers = load(path)
    callers[caller.access_key_id] = caller
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps([asdict(c) for c in callers.values()], indent=2))
    os.replace(partial, path)


class CallersFile:
    """A callers file as a gateway sees it: read again whenever it changed on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._callers: dict[str, Caller] = {}

    def current(self) -> dict[str, Caller]:
        try:
            stat = self.path.stat()
            seen: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            self._callers, self._seen = load(self.path), seen
        return self._callers
