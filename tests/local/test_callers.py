"""Callers of AWS_IAM routes: their identity is read from IAM as AWS holds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scribe_local.emulator.gateway import callers
from scribe_local.emulator.gateway.callers import CallersFile
from scribe_local.emulator.moto_server import ACCOUNT_ID, MotoServer, moto_client


def document(sid: str, resource: str = "*") -> dict[str, Any]:
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": resource,
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def managed(iam: Any, name: str) -> str:
    arn: str = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document(name)))[
        "Policy"
    ]["Arn"]
    return arn


def test_a_user_s_identity_is_inline_attached_and_group(moto: MotoServer) -> None:
    iam = moto_client("iam", moto.url)
    caller = callers.issue(iam, "alice", document("Inline"))
    iam.attach_user_policy(UserName="alice", PolicyArn=managed(iam, "Attached"))
    iam.create_group(GroupName="team")
    iam.add_user_to_group(GroupName="team", UserName="alice")
    iam.put_group_policy(
        GroupName="team", PolicyName="TeamInline", PolicyDocument=json.dumps(document("Team"))
    )
    iam.attach_group_policy(GroupName="team", PolicyArn=managed(iam, "TeamAttached"))
    again = callers.with_identity(iam, caller.access_key_id, caller.secret_access_key, caller.arn)
    sids = {name: doc["Statement"][0]["Sid"] for name, doc in again.policies.items()}
    assert sids == {
        "user/alice/invoke": "Inline",
        "user/alice/Attached": "Attached",
        "group/team/TeamInline": "Team",
        "group/team/TeamAttached": "TeamAttached",
    }
    assert again.arn == again.principal_arn == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"


def test_a_role_session_carries_its_role_s_policies_and_boundary(moto: MotoServer) -> None:
    iam = moto_client("iam", moto.url)
    trust = {"Version": "2012-10-17", "Statement": []}
    role = iam.create_role(
        RoleName="deployer",
        Path="/ci/",
        AssumeRolePolicyDocument=json.dumps(trust),
        PermissionsBoundary=managed(iam, "Boundary"),
    )
    iam.put_role_policy(
        RoleName="deployer", PolicyName="invoke", PolicyDocument=json.dumps(document("Role"))
    )
    session = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deployer/run-1"
    caller = callers.with_identity(iam, "ASIAX", "secret", session, "token")
    assert (
        caller.principal_arn == role["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/ci/deployer"
    )
    assert list(caller.policies) == ["role/deployer/invoke"]
    assert caller.boundary is not None
    assert caller.boundary["Statement"][0]["Sid"] == "Boundary"
    assert caller.session_token == "token"


def test_the_callers_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "callers.json"
    seen = CallersFile(path)
    assert seen.current() == {}
    first = callers.Caller("AKID1", "s1", "arn:aws:iam::1:user/a")
    callers.add(path, first)
    assert seen.current() == {"AKID1": first}
    second = callers.Caller("AKID2", "s2", "arn:aws:iam::1:user/b", policies={"p": document("P")})
    callers.add(path, second)
    assert seen.current() == {"AKID1": first, "AKID2": second}
    assert not path.with_suffix(".partial").exists()
