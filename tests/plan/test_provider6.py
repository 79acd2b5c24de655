"""Provider 6 readiness, read from the code: every argument the .tf files set and every provider
attribute they read exists in hashicorp/aws 5.100.0's schema without a deprecation flag, and none
is one that the provider's version 6 upgrade guide removes, renames or deprecates.

Only 5.100.0 is run here (`terraform providers schema -json` on the mirror's package). Provider 6
is not run: V6_GUIDE below is the guide's list, read by hand, for the names it touches; see
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade
(source: hashicorp/terraform-provider-aws, website/docs/guides/version-6-upgrade.html.markdown).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scribe_local.paths import REPO, terraform_dirs
from scribe_local.terraform import runner
from scribe_local.terraform.cli_config import terraform_env
from scribe_local.terraform.docs import parse_file

AWS = "registry.terraform.io/hashicorp/aws"

# Removed, renamed or deprecated in provider 6, from the upgrade guide's sections (heading given).
# (kind, type) -> {name: what the guide says}; kind is "resource", "data" or "provider".
V6_GUIDE: dict[tuple[str, str], dict[str, str]] = {
    ("provider", "aws"): {
        "endpoints.opsworks": "Removed Provider Arguments",
        "endpoints.simpledb": "Removed Provider Arguments",
        "endpoints.sdb": "Removed Provider Arguments",
        "endpoints.worklink": "Removed Provider Arguments",
        "s3_us_east_1_regional_endpoint": "S3 Global Endpoint Deprecation (removed in 7.0.0)",
    },
    ("data", "aws_region"): {"name": "Data Source aws_region: deprecated, use region"},
    ("data", "aws_s3_bucket"): {"region": "Data Source aws_s3_bucket: use bucket_region"},
    ("resource", "aws_s3_bucket"): {"region": "Resource aws_s3_bucket: use bucket_region"},
    ("data", "aws_batch_compute_environment"): {"compute_environment_name": "renamed to name"},
    ("resource", "aws_batch_compute_environment"): {
        "compute_environment_name": "renamed to name",
        "compute_environment_name_prefix": "renamed to name_prefix",
    },
    ("data", "aws_ecs_task_definition"): {"inference_accelerator": "removed"},
    ("data", "aws_ecs_task_execution"): {"inference_accelerator_overrides": "removed"},
    ("data", "aws_identitystore_group"): {"filter": "removed"},
    ("data", "aws_identitystore_user"): {"filter": "removed"},
    ("data", "aws_launch_template"): {
        "elastic_gpu_specifications": "removed",
        "elastic_inference_accelerator": "removed",
    },
    ("data", "aws_opensearch_domain"): {"kibana_endpoint": "removed"},
    ("data", "aws_quicksight_data_set"): {"tags_all": "removed"},
    ("data", "aws_service_discovery_service"): {"tags_all": "removed"},
    ("data", "aws_servicequotas_templates"): {"region": "deprecated, use aws_region"},
    ("data", "aws_ssmincidents_replication_set"): {"region": "deprecated, use regions"},
    ("data", "aws_vpc_endpoint_service"): {"region": "deprecated, use service_region"},
    ("data", "aws_vpc_peering_connection"): {"region": "deprecated, use requester_region"},
    ("resource", "aws_api_gateway_account"): {"reset_on_delete": "removed"},
    ("resource", "aws_api_gateway_deployment"): {
        "stage_name": "removed, use aws_api_gateway_stage",
        "stage_description": "removed, use aws_api_gateway_stage",
        "canary_settings": "removed, use aws_api_gateway_stage",
        "invoke_url": "removed, use aws_api_gateway_stage",
        "execution_arn": "removed, use aws_api_gateway_stage",
    },
    ("resource", "aws_batch_job_queue"): {"compute_environments": "removed"},
    ("resource", "aws_cloudformation_stack_set_instance"): {"region": "deprecated"},
    ("resource", "aws_cloudfront_response_headers_policy"): {"etag": "computed only"},
    ("resource", "aws_config_aggregate_authorization"): {"region": "deprecated"},
    ("resource", "aws_dms_endpoint"): {"s3_settings": "removed"},
    ("resource", "aws_dx_gateway_association"): {"vpn_gateway_id": "removed"},
    ("resource", "aws_dx_hosted_connection"): {"region": "deprecated"},
    ("resource", "aws_ecs_task_definition"): {"inference_accelerator": "removed"},
    ("resource", "aws_eip"): {"vpc": "removed, use domain"},
    ("resource", "aws_eks_addon"): {"resolve_conflicts": "removed"},
    ("resource", "aws_flow_log"): {"log_group_name": "removed, use log_destination"},
    ("resource", "aws_guardduty_detector"): {"datasources": "deprecated"},
    ("resource", "aws_guardduty_organization_configuration"): {
        "auto_enable": "removed",
        "datasources": "deprecated",
    },
    ("resource", "aws_instance"): {"cpu_core_count": "removed", "cpu_threads_per_core": "removed"},
    ("resource", "aws_launch_template"): {
        "elastic_gpu_specifications": "removed",
        "elastic_inference_accelerator": "removed",
    },
    ("resource", "aws_networkmanager_core_network"): {"base_policy_region": "removed"},
    ("resource", "aws_opensearch_domain"): {"kibana_endpoint": "removed"},
    ("resource", "aws_redshift_cluster"): {"snapshot_copy": "removed", "logging": "removed"},
    ("resource", "aws_sagemaker_notebook_instance"): {"accelerator_types": "removed"},
    ("resource", "aws_servicequotas_template"): {"region": "deprecated"},
    ("resource", "aws_spot_instance_request"): {"block_duration_minutes": "removed"},
    ("resource", "aws_ssm_association"): {"instance_id": "removed"},
    ("resource", "aws_ssmincidents_replication_set"): {"region": "deprecated"},
}

# Types the guide removes (OpsWorks Stacks, SimpleDB, Worklink, aws_redshift_service_account) or
# deprecates (Elastic Transcoder, CloudWatch Evidently, MediaStore, Kinesis Analytics v1).
V6_REMOVED_TYPES = re.compile(
    r"^aws_(opsworks_|simpledb_|worklink_|redshift_service_account$|elastictranscoder_|"
    r"evidently_|media_store_|kinesis_analytics_application$)"
)

META_ARGUMENTS = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner"}
REFERENCE = re.compile(r"\b(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)")


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory, terraform_ready: None) -> dict[str, Any]:
    """hashicorp/aws's schema as the locked provider (5.100.0) reports it."""
    work = tmp_path_factory.mktemp("schema")
    shutil.copy2(REPO / ".terraform.lock.hcl", work)
    (work / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
    )
    env = terraform_env()
    runner.run(work, "init", "-input=false", "-lockfile=readonly", env=env)
    version = runner.run(work, "version", "-json", env=env).stdout
    assert json.loads(version)["provider_selections"][AWS] == "5.100.0"
    result = runner.run(work, "providers", "schema", "-json", env=env)
    schemas: dict[str, Any] = json.loads(result.stdout)["provider_schemas"][AWS]
    return schemas


def tf_files() -> list[Path]:
    return [f for d in terraform_dirs() for f in sorted((REPO / d).glob("*.tf"))]


def blocks(kind: str) -> Iterator[tuple[Path, str, str, dict[str, Any]]]:
    """(file, type, name, body) of every resource or data block of every directory."""
    for path in tf_files():
        for entry in parse_file(path).get(kind, []):
            for type_, named in entry.items():
                for name, body in named.items():
                    yield path, type_, name, body


def set_arguments(
    block: dict[str, Any], body: dict[str, Any], at: str = ""
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """(dotted name, schema of it or None) of every argument and nested block the body sets."""
    for key, value in body.items():
        if key in META_ARGUMENTS:
            continue
        if key == "dynamic":  # [{label: {for_each, content: [body]}}]
            for entry in as_list(value):
                for label, dynamic in entry.items():
                    nested = block.get("block_types", {}).get(label)
                    yield f"{at}{label}", nested
                    for content in as_list(dynamic.get("content", [])) if nested else []:
                        yield from set_arguments(nested["block"], content, f"{at}{label}.")
            continue
        if key in block.get("attributes", {}):
            yield f"{at}{key}", block["attributes"][key]
        elif key in block.get("block_types", {}):
            nested = block["block_types"][key]
            yield f"{at}{key}", nested
            for item in as_list(value):
                yield from set_arguments(nested["block"], item, f"{at}{key}.")
        else:
            yield f"{at}{key}", None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def guide_says(kind: str, type_: str, name: str) -> str | None:
    return V6_GUIDE.get((kind, type_), {}).get(name)


def test_the_code_is_read_against_5_100_0(schema: dict[str, Any]) -> None:
    """The schema is 5.100.0's and knows every type the code declares."""
    types = {("resource", t) for _, t, _, _ in blocks("resource")}
    types |= {("data", t) for _, t, _, _ in blocks("data")}
    assert ("data", "aws_region") in types  # the check below covers the case the issue names
    kinds = {"resource": "resource_schemas", "data": "data_source_schemas"}
    assert {(k, t) for k, t in types if t not in schema[kinds[k]]} == set()
    assert {t for _, t in types if V6_REMOVED_TYPES.match(t)} == set()


def test_no_argument_set_is_deprecated_or_gone_in_6(schema: dict[str, Any]) -> None:
    problems = []
    for kind, schemas in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
        for path, type_, name, body in blocks(kind):
            where = f"{path.relative_to(REPO)}: {kind} {type_}.{name}"
            for argument, spec in set_arguments(schema[schemas][type_]["block"], body):
                if spec is None:
                    problems.append(f"{where}: {argument} is not in 5.100.0's schema")
                elif spec.get("deprecated"):
                    problems.append(f"{where}: {argument} is deprecated in 5.100.0")
                elif note := guide_says(kind, type_, argument):
                    problems.append(f"{where}: {argument}: v6 upgrade guide: {note}")
    for path in tf_files():
        for entry in parse_file(path).get("provider", []):
            for body in (entry.get("aws"),):
                if body is None:
                    continue
                for argument, spec in set_arguments(schema["provider"]["block"], body):
                    if (
                        spec is None
                        or spec.get("deprecated")
                        or guide_says("provider", "aws", argument)
                    ):
                        problems.append(f"{path.relative_to(REPO)}: provider aws: {argument}")
    assert problems == []


def test_no_attribute_read_is_deprecated_or_gone_in_6(schema: dict[str, Any]) -> None:
    problems, seen = [], set()
    for path in tf_files():
        for match in REFERENCE.finditer(path.read_text()):
            data, type_, _, attribute = match.groups()
            kind, schemas = (
                ("data", "data_source_schemas") if data else ("resource", "resource_schemas")
            )
            if type_ not in schema[schemas]:
                continue  # a variable or local named like a type (var.aws_*), not a reference
            seen.add((kind, type_, attribute))
            block = schema[schemas][type_]["block"]
            spec = block.get("attributes", {}).get(attribute) or block.get("block_types", {}).get(
                attribute
            )
            where = f"{path.relative_to(REPO)}: {match.group(0)}"
            if spec is None:
                problems.append(f"{where}: not in 5.100.0's schema")
            elif spec.get("deprecated"):
                problems.append(f"{where}: deprecated in 5.100.0")
            elif note := guide_says(kind, type_, attribute):
                problems.append(f"{where}: v6 upgrade guide: {note}")
    assert ("data", "aws_region", "id") in seen  # the region name on 5.100 and on 6
    assert problems == []
