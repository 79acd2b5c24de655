"""IAM (query protocol): roles, users, policies; paths, boundaries and tags the ledger learns."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from scribe_local.aws.operations import Operation, service_model
from scribe_local.iam.calls import core
from scribe_local.iam.calls.tables import NOT_AUTHORIZED

TEMPORARY_KEY_PREFIX = "ASIA"  # AWS's (and moto's) prefix of STS session access keys

# iam:PermissionsBoundary: the SAR lists it for these actions (iam-data; checked by a test).
PERMISSIONS_BOUNDARY_ACTIONS = frozenset(
    {
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:CreateRole",
        "iam:CreateUser",
        "iam:DeleteRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DeleteUserPermissionsBoundary",
        "iam:DeleteUserPolicy",
        "iam:DetachRolePolicy",
        "iam:DetachUserPolicy",
        "iam:GetRole",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:PutUserPermissionsBoundary",
        "iam:PutUserPolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
    }
)

# iam:PolicyARN (IAM User Guide, IAM condition keys): the managed policy being attached/detached.
POLICY_ARN_ACTIONS = frozenset(
    {
        "iam:AttachGroupPolicy",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:DetachGroupPolicy",
        "iam:DetachRolePolicy",
        "iam:DetachUserPolicy",
    }
)


def _iam_resource(operation: Operation, ledger: core.Ledger) -> str:
    """The ARN an IAM operation acts on: its role, user, group, policy or OIDC provider."""
    form, account = operation.form, ledger.account
    if "RoleName" in form:
        return _principal_arn(operation, ledger, "role", form["RoleName"])
    if "UserName" in form:
        return _principal_arn(operation, ledger, "user", form["UserName"])
    if "GroupName" in form:
        return f"arn:aws:iam::{account}:group{form.get('Path', '/')}{form['GroupName']}"
    if "PolicyArn" in form:
        return form["PolicyArn"]
    if "OpenIDConnectProviderArn" in form:
        return form["OpenIDConnectProviderArn"]
    if operation.name == "CreatePolicy":
        return f"arn:aws:iam::{account}:policy{form.get('Path', '/')}{form['PolicyName']}"
    if operation.name == "CreateOpenIDConnectProvider":
        return f"arn:aws:iam::{account}:oidc-provider/{core.url_host_path(form['Url'])}"
    if "InstanceProfileName" in form:
        return f"arn:aws:iam::{account}:instance-profile/{form['InstanceProfileName']}"
    return _iam_caller_or_star(operation, ledger)


def _principal_arn(operation: Operation, ledger: core.Ledger, kind: str, name: str) -> str:
    """A role's or user's ARN, with its path: the request's (CreateRole/CreateUser), else the
    one the ledger learnt (the path is part of the ARN AWS authorizes)."""
    if operation.name in ("CreateRole", "CreateUser") and operation.form.get("Path"):
        path = operation.form["Path"]
        path = path if path.endswith("/") else path + "/"
        return f"arn:aws:iam::{ledger.account}:{kind}{path}{name}"
    return ledger.iam_arn(kind, name)


def _iam_caller_or_star(operation: Operation, ledger: core.Ledger) -> str:
    """An operation on the caller's own user (GetUser with no UserName) acts on that user."""
    members = service_model("iam").operation_model(operation.name).input_shape
    if members is None or "UserName" not in members.members:
        return "*"
    answered = core.answer_xml_text(operation.record, "Arn")
    return answered or ledger.callers.get(operation.record.access_key_id or "", "*")


def map_iam(operation: Operation, ledger: core.Ledger) -> list[core.MappedCall]:
    action = core.default_action("iam", operation.name)
    if not action:
        return [core.unmapped(operation.record, operation.call, "the SAR has no action for it")]
    form = operation.form
    key = operation.record.access_key_id or ""
    if (
        operation.name == "GetUser"
        and "UserName" not in form
        and key.startswith(TEMPORARY_KEY_PREFIX)
    ):
        return [core.mapped_call(operation, action, "*", note=NOT_AUTHORIZED)]
    resource = _iam_resource(operation, ledger)
    added = core.form_tags(form)
    context = core.tag_context(action, added, core.form_list(form, "TagKeys"))
    if not operation.name.startswith("Create"):
        context.update(core.resource_tags(ledger, resource))
    if action in PERMISSIONS_BOUNDARY_ACTIONS:
        boundary = form.get("PermissionsBoundary") or ledger.boundaries.get(resource)
        if boundary:
            context["iam:PermissionsBoundary"] = boundary
    if action in POLICY_ARN_ACTIONS and "PolicyArn" in form:
        context["iam:PolicyARN"] = form["PolicyArn"]
    return [
        core.mapped_call(operation, action, resource, context),
        *core.tag_on_create(operation, resource, added),
    ]


def learn_iam(operation: Operation, ledger: core.Ledger) -> None:
    record, form, name = operation.record, operation.form, operation.name
    if record.status >= 300:
        return
    answer = core.answer_xml(record)
    if answer is not None:
        own = name == "GetUser" and "UserName" not in form
        _learn_iam_answer(answer, ledger, record.access_key_id, own)
    resource = _iam_resource(operation, ledger)
    if name in ("CreateRole", "CreateUser"):
        kind = "role" if name == "CreateRole" else "user"
        ledger.remember_path(kind, form[f"{kind.capitalize()}Name"], form.get("Path"))
    if name.startswith("Create") and resource.startswith("arn:"):
        ledger.tag(resource, core.form_tags(form))
    if name in (
        "CreateRole",
        "CreateUser",
        "PutRolePermissionsBoundary",
        "PutUserPermissionsBoundary",
    ) and form.get("PermissionsBoundary"):
        ledger.boundaries[resource] = form["PermissionsBoundary"]
    elif name in ("DeleteRolePermissionsBoundary", "DeleteUserPermissionsBoundary"):
        ledger.boundaries.pop(resource, None)
    elif name.startswith("Tag"):
        ledger.tag(resource, core.form_tags(form))
    elif name.startswith("Untag"):
        ledger.untag(resource, core.form_list(form, "TagKeys"))
    elif name in ("DeleteRole", "DeleteUser", "DeletePolicy", "DeleteOpenIDConnectProvider"):
        ledger.forget(resource)


def _learn_iam_answer(
    root: ElementTree.Element, ledger: core.Ledger, access_key_id: str | None, own: bool
) -> None:
    """Paths, boundaries and tags of the roles and users an IAM answer describes."""
    for entity in root.iter():
        kind = {"Role": "role", "User": "user"}.get(core.local_name(entity.tag))
        fields = {core.local_name(child.tag): child for child in entity}
        if kind is None or "Arn" not in fields:
            continue
        arn = fields["Arn"].text or ""
        name_field = fields.get("RoleName" if kind == "role" else "UserName")
        if name_field is not None and name_field.text:
            ledger.remember_path(kind, name_field.text, core.element_text(fields.get("Path")))
        boundary = fields.get("PermissionsBoundary")
        if boundary is not None:
            found = next(
                (
                    c.text
                    for c in boundary.iter()
                    if core.local_name(c.tag) == "PermissionsBoundaryArn"
                ),
                None,
            )
            if found:
                ledger.boundaries[arn] = found
        if "Tags" in fields:
            ledger.tags[arn] = {
                core.element_text(core.child_element(tag, "Key")) or "": core.element_text(
                    core.child_element(tag, "Value")
                )
                or ""
                for tag in fields["Tags"]
            }
        if kind == "user" and own and access_key_id:
            ledger.callers[access_key_id] = arn
