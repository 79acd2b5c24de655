# One file per AWS account. Replace the ids with your CircleCI organization and project ids.
region            = "eu-west-1"
state_bucket_name = "scribe-tfstate-123456789012-eu-west-1"

circleci_org_id     = "00000000-0000-4000-8000-000000000001"
circleci_project_id = "00000000-0000-4000-8000-000000000002"

environments = {
  dev = {
    stack_name = "scribe-dev"
    state_key  = "scribe/dev.tfstate"
  }
  prod = {
    stack_name = "scribe-prod"
    vcs_ref    = "refs/heads/main"
    state_key  = "scribe/prod.tfstate"
  }
}
