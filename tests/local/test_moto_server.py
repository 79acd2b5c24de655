"""The session moto server behaves as AWS where Terraform depends on it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from scribe_local.moto_server import MotoServer, moto_client


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def test_removing_a_permission_leaves_no_copy_of_its_statement(moto: MotoServer) -> None:
    """moto keeps a second AddPermission with the same id (AWS refuses it; a retried create sends
    one). After RemovePermission no statement with the id may remain, or `terraform destroy` waits
    for it until it fails (seen once in the pipeline test); other statements stay."""
    iam = moto_client("iam", moto.url)
    role = iam.create_role(RoleName="policy-copies", AssumeRolePolicyDocument=json.dumps({}))
    lam = moto_client("lambda", moto.url)
    lam.create_function(
        FunctionName="policy-copies",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    for sid in ("AllowPostRoot", "AllowPostRoot", "AllowPostName"):
        lam.add_permission(
            FunctionName="policy-copies",
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )
    lam.remove_permission(FunctionName="policy-copies", StatementId="AllowPostRoot")
    policy = json.loads(lam.get_policy(FunctionName="policy-copies")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["AllowPostName"]
    with pytest.raises(ClientError) as gone:
        lam.remove_permission(FunctionName="policy-copies", StatementId="AllowPostRoot")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
