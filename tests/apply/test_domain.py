"""modules/api's custom domain applied to moto with an existing certificate, imported (no zone,
no record). The DNS-validated certificate, its validation record, the alias records and the
mapping key are applied by the recorded pipeline (tests/apply/test_pipeline.py: prod's stack, as
its CI roles); the execute-api endpoint turned off is planned (tests/plan/test_api.py) and
refused by the local gateway (tests/local/test_gateway.py)."""

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

NAME = "texts.example.com"
FUNCTION = "scribe-domain-writer"


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
