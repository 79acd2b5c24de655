"""The evaluator bridge decides as AWS documents: the rules the attack table relies on."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from scribe_local.iam_evaluator import EvaluatorError, Request, evaluate

ROLE = "arn:aws:iam::123456789012:role/r"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def decide(document: dict[str, Any], action: str, resource: str, **context: Any) -> str:
    request = Request(ROLE, action, resource, identity=("p",), context=context)
    return evaluate({"p": document}, [request])[0].result


@pytest.mark.usefixtures("evaluator_ready")
class TestAwsRules:
    def test_string_like_star_spans_slashes(self) -> None:
        doc = policy(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalTag/x": "a/*/c"}},
            }
        )
        assert (
            decide(doc, "s3:GetObject", "arn:aws:s3:::b/k", **{"aws:PrincipalTag/x": "a/1/2/c"})
            == "Allowed"
        )

    def test_resource_star_spans_slashes(self) -> None:
        doc = policy(
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b-*/in/*"}
        )
        assert decide(doc, "s3:PutObject", "arn:aws:s3:::b-x/y/in/z") == "Allowed"
        assert decide(doc, "s3:PutObject", "arn:aws:s3:::c-x/in/z") == "ImplicitlyDenied"

    def test_question_mark_matches_one_character_including_a_slash(self) -> None:
        doc = policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/??"})
        assert decide(doc, "s3:PutObject", "arn:aws:s3:::b/a/") == "Allowed"
        assert decide(doc, "s3:PutObject", "arn:aws:s3:::b/abc") == "ImplicitlyDenied"

    def test_execute_api_wildcard_api_id_covers_every_api(self) -> None:
        """AWS matches an execute-api resource as one string (the engine alone would not)."""
        any_api = "arn:aws:execute-api:eu-west-1:123456789012:*/$default/POST/smoke/*"
        one_id = "arn:aws:execute-api:eu-west-1:123456789012:??????????/$default/POST/smoke/*"
        request = "arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/$default/POST/smoke/x"
        for resource in (any_api, one_id):
            doc = policy({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource})
            assert decide(doc, "execute-api:Invoke", request) == "Allowed"
        doc = policy({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": one_id})
        longer = request.replace("abcdefghij", "abcdefghij/$default/POST/x")
        assert decide(doc, "execute-api:Invoke", longer) == "ImplicitlyDenied"

    def test_explicit_deny_wins(self) -> None:
        doc = policy(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        )
        assert decide(doc, "s3:DeleteObject", "arn:aws:s3:::b/k") == "ExplicitlyDenied"

    def test_missing_key_makes_not_equals_true_unless_guarded_by_null(self) -> None:
        """Why DenyOtherStacksApis pairs StringNotEquals with Null: false."""
        allow_all = {"Effect": "Allow", "Action": "apigateway:GET", "Resource": "*"}
        bare = {"StringNotEquals": {"aws:ResourceTag/Stack": "a"}}
        guarded = {**bare, "Null": {"aws:ResourceTag/Stack": "false"}}
        arn = "arn:aws:apigateway:eu-west-1::/apis/abc/routes/r"
        for condition, untagged in ((bare, "ExplicitlyDenied"), (guarded, "Allowed")):
            deny = {
                "Effect": "Deny",
                "Action": "apigateway:GET",
                "Resource": "*",
                "Condition": condition,
            }
            doc = policy(allow_all, deny)
            assert decide(doc, "apigateway:GET", arn) == untagged
            assert (
                decide(doc, "apigateway:GET", arn, **{"aws:ResourceTag/Stack": "b"})
                == "ExplicitlyDenied"
            )

    def test_boundary_limits_an_identity_allow(self) -> None:
        wide = policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})
        bound = policy(
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mine/*"}
        )
        requests = [
            Request(
                ROLE, "s3:PutObject", f"arn:aws:s3:::{bucket}/k", identity=("w",), boundaries=("b",)
            )
            for bucket in ("mine", "theirs")
        ]
        results = [d.result for d in evaluate({"w": wide, "b": bound}, requests)]
        assert results == ["Allowed", "ImplicitlyDenied"]

    def test_unknown_action_in_a_policy_is_refused(self) -> None:
        doc = policy({"Effect": "Allow", "Action": "s3:PutObjekt", "Resource": "*"})
        with pytest.raises(EvaluatorError, match="unknown action s3:PutObjekt"):
            decide(doc, "s3:PutObject", "arn:aws:s3:::b/k")


GITHUB = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"
CIRCLECI = "oidc.circleci.com/org/0f0f0f0f-0000-4000-8000-000000000001"
CIRCLECI_PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{CIRCLECI}"
API = "arn:aws:apigateway:eu-west-1::/apis/a1b2c3d4e5"
TAGS_OF_API = "arn:aws:apigateway:eu-west-1::/tags/" + urllib.parse.quote(API, safe="")


# (principal, action, resource, context key, whether AWS supplies it there)
KEY_CASES: list[tuple[str, str, str, str, bool]] = [
    # An HTTP API carries its tags; the /tags/<arn> resource that re-tags it does not.
    (ROLE, "apigateway:GET", API, "aws:ResourceTag/Stack", True),
    (ROLE, "apigateway:POST", TAGS_OF_API, "aws:ResourceTag/Stack", False),
    (ROLE, "apigateway:POST", TAGS_OF_API, "aws:RequestTag/Stack", True),
    (
        ROLE,
        "apigateway:PATCH",
        f"{API}/stages/live",
        "apigateway:Request/AccessLoggingDestination",
        True,
    ),
    (
        ROLE,
        "apigateway:PATCH",
        f"{API}/routes/r1",
        "apigateway:Request/AccessLoggingDestination",
        False,
    ),
    # Global keys are supplied on every request; a tag key only where listed (no bucket ABAC).
    (ROLE, "s3:PutObject", "arn:aws:s3:::b/k", "aws:SourceIp", True),
    (ROLE, "s3:PutObject", "arn:aws:s3:::b/k", "aws:ResourceTag/Stack", False),
    (ROLE, "s3:ListBucket", "arn:aws:s3:::b", "s3:prefix", True),
    (ROLE, "s3:PutObject", "arn:aws:s3:::b/k", "s3:prefix", False),
    (
        ROLE,
        "iam:CreateRole",
        "arn:aws:iam::123456789012:role/x/r",
        "iam:PermissionsBoundary",
        True,
    ),
    (
        ROLE,
        "iam:TagRole",
        "arn:aws:iam::123456789012:role/x/r",
        "iam:PermissionsBoundary",
        False,
    ),
    # A token's claims, named after the provider the request presents.
    (GITHUB_PROVIDER, "sts:AssumeRoleWithWebIdentity", ROLE, f"{GITHUB}:sub", True),
    (
        GITHUB_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        ROLE,
        f"{GITHUB}:job_workflow_ref",
        True,
    ),
    (
        GITHUB_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        ROLE,
        f"{GITHUB}:runner_environment",
        False,
    ),
    (GITHUB_PROVIDER, "sts:AssumeRoleWithWebIdentity", ROLE, f"{CIRCLECI}:sub", False),
    (
        CIRCLECI_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        ROLE,
        f"{CIRCLECI}:oidc.circleci.com/project-id",
        True,
    ),
    (
        CIRCLECI_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        ROLE,
        f"{CIRCLECI}:oidc.circleci.com/context-ids",
        False,
    ),
    (CIRCLECI_PROVIDER, "sts:AssumeRoleWithWebIdentity", ROLE, f"{CIRCLECI}:ssh-rerun", False),
    (
        CIRCLECI_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        ROLE,
        f"{GITHUB}:job_workflow_ref",
        False,
    ),
]


@pytest.mark.usefixtures("evaluator_ready")
def test_a_request_carries_only_the_keys_aws_supplies() -> None:
    """The evaluator refuses a request with a context key AWS would not supply for its action
    and resource type: a case cannot pass on a key that AWS never sends. (Two batches: one
    Node start each.)"""

    def request(principal: str, action: str, resource: str, key: str) -> Request:
        return Request(principal, action, resource, identity=("p",), context={key: "x"})

    allow = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    supplied = [request(*case[:4]) for case in KEY_CASES if case[4]]
    assert [d.result for d in evaluate({"p": allow}, supplied)] == ["Allowed"] * len(supplied)
    unsupplied = [case for case in KEY_CASES if not case[4]]
    with pytest.raises(EvaluatorError) as refused:
        evaluate({"p": allow}, [request(*case[:4]) for case in unsupplied])
    for index, (_, action, _, key, _) in enumerate(unsupplied):
        assert f"request {index}: AWS supplies no context key {key} on {action}" in str(
            refused.value
        ), (action, key)
