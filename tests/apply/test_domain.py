"""modules/api's custom domain applied to moto: a certificate requested and validated by DNS in a
Route 53 zone, the domain created with it only once it is issued, the API mapped, the alias
records written, the execute-api endpoint turned off; then an existing certificate, imported."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import tftest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from tests import terraform_harness as h
from tests.apply.conftest import http, serving

ZONE = "example.com"
NAME = "texts.example.com"
FUNCTION = "scribe-domain-writer"
# moto's regional API Gateway target zone of us-east-1, as AWS's (scribe_local/emulator).
REGIONAL_ZONE_US_EAST_1 = "Z1UJRXOUMOOFQ8"


@pytest.fixture(scope="module")
def tf(
    tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer, terraform_ready: None
) -> tftest.TerraformTest:
    return h.module(tmp_path_factory.mktemp("domain"), "modules/api", moto_server.url)


def create_function(moto: MotoServer, package_zip: Path) -> str:
    """The function the API invokes (its permission needs it); returns its invoke ARN."""
    iam = moto_client("iam", moto.url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=f"{FUNCTION}-role", AssumeRolePolicyDocument=json.dumps(trust))
    function = moto_client("lambda", moto.url).create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="scribe.handler.handler",
        Code={"ZipFile": package_zip.read_bytes()},
    )
    arn = function["FunctionArn"]
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def inputs(invoke_arn: str, domain: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "scribe-domain-api",
        "function_name": FUNCTION,
        "function_invoke_arn": invoke_arn,
        "domain": domain,
    }


def records(moto: MotoServer, zone_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    route53 = moto_client("route53", moto.url)
    answer = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"], r["Type"]): r for r in answer}


def test_dns_validated_domain_serves_the_api_alone(
    tf: tftest.TerraformTest, moto: MotoServer, package_zip: Path, tmp_path: Path
) -> None:
    invoke_arn = create_function(moto, package_zip)
    route53 = moto_client("route53", moto.url)
    zone = route53.create_hosted_zone(Name=ZONE, CallerReference="scribe-domain-test")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    domain = {
        "name": NAME,
        "hosted_zone_id": zone_id,
        "api_mapping_key": "texts/v1",
        "disable_execute_api_endpoint": True,
    }
    values = inputs(invoke_arn, domain)
    tf.apply(auto_approve=True, tf_vars=h.tf_vars(values))
    try:
        outputs = tf.output()
        acm = moto_client("acm", moto.url)
        certificate = acm.describe_certificate(CertificateArn=outputs["certificate_arn"])
        certificate = certificate["Certificate"]
        assert (certificate["DomainName"], certificate["Status"]) == (NAME, "ISSUED")
        [option] = certificate["DomainValidationOptions"]
        assert option["ValidationMethod"] == "DNS"
        validation = option["ResourceRecord"]
        in_zone = records(moto, zone_id)
        assert in_zone[(validation["Name"], "CNAME")]["ResourceRecords"] == [
            {"Value": validation["Value"]}
        ]
        api = moto_client("apigatewayv2", moto.url)
        served = api.get_domain_name(DomainName=NAME)
        [configuration] = served["DomainNameConfigurations"]
        assert configuration["CertificateArn"] == outputs["certificate_arn"]
        assert configuration["EndpointType"] == "REGIONAL"
        assert configuration["SecurityPolicy"] == "TLS_1_2"
        target = configuration["ApiGatewayDomainName"]
        assert target.endswith(f".execute-api.{REGION}.amazonaws.com")
        assert outputs["domain_target_domain_name"] == target
        assert outputs["domain_target_hosted_zone_id"] == REGIONAL_ZONE_US_EAST_1
        [mapping] = api.get_api_mappings(DomainName=NAME)["Items"]
        assert (mapping["ApiId"], mapping["Stage"], mapping["ApiMappingKey"]) == (
            outputs["api_id"],
            "$default",
            "texts/v1",
        )
        for kind in ("A", "AAAA"):
            alias = in_zone[(f"{NAME}.", kind)]["AliasTarget"]
            assert alias["DNSName"].rstrip(".") == target
            assert alias["HostedZoneId"] == REGIONAL_ZONE_US_EAST_1
            assert alias["EvaluateTargetHealth"] is False
        assert api.get_api(ApiId=outputs["api_id"])["DisableExecuteApiEndpoint"] is True
        assert outputs["domain_name"] == NAME
        assert outputs["domain_url"] == f"https://{NAME}/texts/v1"
        # The execute-api endpoint is off: the URL to POST to is the domain's.
        assert outputs["api_url"] == f"https://{NAME}/texts/v1"
        assert outputs["invoke_url"].startswith(f"https://{outputs['api_id']}.execute-api.")
        # The local gateway stands for the execute-api endpoint: off, it refuses everything.
        with serving(moto, outputs["api_id"], package_zip, tmp_path / "fn.log") as gateway:
            answer = http("POST", f"{gateway.url}/x.txt", b"x", {"Content-Type": "text/plain"})
        assert (answer.status, answer.json()) == (403, {"message": "Forbidden"})
        assert h.detailed_exitcode(tf, *h.var_args(values)) == 0
    finally:
        tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))
    api = moto_client("apigatewayv2", moto.url)
    assert api.get_domain_names()["Items"] == []
    left = {kind for _, kind in records(moto, zone_id)}
    assert left == {"NS", "SOA"}  # the zone's own records only
    assert moto_client("acm", moto.url).list_certificates()["CertificateSummaryList"] == []


def self_signed(name: str) -> tuple[bytes, bytes]:
    """A certificate for name and its key, PEM, as a team would import into ACM."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def test_existing_certificate_without_a_zone(
    tf: tftest.TerraformTest, moto: MotoServer, package_zip: Path
) -> None:
    invoke_arn = create_function(moto, package_zip)
    certificate, key = self_signed(NAME)
    acm = moto_client("acm", moto.url)
    arn = acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    assert arn.startswith(f"arn:aws:acm:{REGION}:{ACCOUNT_ID}:certificate/")
    values = inputs(invoke_arn, {"name": NAME, "certificate_arn": arn})
    tf.apply(auto_approve=True, tf_vars=h.tf_vars(values))
    try:
        outputs = tf.output()
        assert outputs["certificate_arn"] == arn
        api = moto_client("apigatewayv2", moto.url)
        [configuration] = api.get_domain_name(DomainName=NAME)["DomainNameConfigurations"]
        assert (configuration["CertificateArn"], configuration["SecurityPolicy"]) == (
            arn,
            "TLS_1_2",
        )
        [mapping] = api.get_api_mappings(DomainName=NAME)["Items"]
        assert (mapping["ApiId"], mapping["Stage"]) == (outputs["api_id"], "$default")
        assert not mapping.get("ApiMappingKey")
        assert outputs["domain_url"] == f"https://{NAME}"
        # The execute-api endpoint stays on (the default): the URL to POST to is the stage's.
        assert api.get_api(ApiId=outputs["api_id"])["DisableExecuteApiEndpoint"] is False
        assert outputs["api_url"] == outputs["invoke_url"]
        managed = tf.execute_command("state", "list").out.split()
        assert not [a for a in managed if "acm" in a or "route53" in a]
        assert h.detailed_exitcode(tf, *h.var_args(values)) == 0
    finally:
        tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))
    # The imported certificate is the caller's: destroy leaves it.
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
