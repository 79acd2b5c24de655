# Applied once per AWS account by an administrator, with local state kept safe by that admin:
# the bucket that holds the stacks' Terraform states, and the keyless CI identity.
#   terraform -chdir=bootstrap init
#   terraform -chdir=bootstrap apply -var-file=accounts/<account>.tfvars

module "state_bucket" {
  source = "../modules/bucket"

  name          = var.state_bucket_name
  force_destroy = false
  enforce_tls   = var.enforce_tls
}

module "ci_identity" {
  source = "../modules/ci-identity"

  name_prefix               = var.name_prefix
  ci_provider               = var.ci_provider
  github_repository         = var.github_repository
  github_workflow_ref       = var.github_workflow_ref
  circleci_org_id           = var.circleci_org_id
  circleci_project_id       = var.circleci_project_id
  vcs_origin                = var.vcs_origin
  circleci_release_user_ids = var.circleci_release_user_ids
  oidc_provider_arn         = var.oidc_provider_arn
  environments              = var.environments
  state_bucket_name         = module.state_bucket.bucket_name
  create_ci_user            = var.create_ci_user
  ci_user_per_environment   = var.ci_user_per_environment
  ci_user_source_cidrs      = var.ci_user_source_cidrs
  max_session_duration      = var.max_session_duration
}

# S3 Block Public Access for the whole account: no bucket of this account can be made public by
# an ACL or a bucket policy, whatever the bucket's own setting says. The deploy roles may put a
# policy and a public access block on their own bucket (modules/bucket sets both), but no role
# of modules/ci-identity is granted s3:PutAccountPublicAccessBlock: only this administrator can
# lift it. One setting per account: if another tool manages it, set
# block_public_access_for_account = false here.
resource "aws_s3_account_public_access_block" "this" {
  count = var.block_public_access_for_account ? 1 : 0

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

# API Gateway's service-linked role (AWSServiceRoleForAPIGateway): API Gateway creates it the first
# time a custom domain or VPC link needs it, with the caller's iam:CreateServiceLinkedRole. Made
# here, by the administrator, no CI role needs that action. One per account: if the account has
# it already, set create_apigateway_service_linked_role = false (or import it).
resource "aws_iam_service_linked_role" "apigateway" {
  count = var.create_apigateway_service_linked_role ? 1 : 0

  aws_service_name = "ops.apigateway.amazonaws.com"
  description      = "API Gateway's service-linked role, created by scribe's bootstrap so that no CI role needs iam:CreateServiceLinkedRole."
}
