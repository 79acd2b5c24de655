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
  ci_user_source_cidrs      = var.ci_user_source_cidrs
  max_session_duration      = var.max_session_duration
}
