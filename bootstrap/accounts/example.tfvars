# Shared-account layout: dev and prod in one AWS account (bootstrap/accounts/example-dev.tfvars
# and example-prod.tfvars show the recommended account-per-environment layout). Replace the ids
# with your CircleCI organization and project ids and your repository.
region            = "eu-west-1"
state_bucket_name = "scribe-tfstate-123456789012-eu-west-1"

circleci_org_id     = "00000000-0000-4000-8000-000000000001"
circleci_project_id = "00000000-0000-4000-8000-000000000002"
vcs_origin          = "github.com/acme/scribe"

# prod is protected: CircleCI tokens carry no approval, so AWS gates prod's deploy role by who
# triggered the pipeline. Only these users' pipelines on main may apply prod: each release
# manager's CircleCI user id (the "id" that GET https://circleci.com/api/v2/me returns for them).
circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]

# Pin each environment's HTTP API: the roles reach no API until api_id names theirs. First apply
# without api_id, run `make create-api ENV=<env>` (with these administrator's credentials: it
# creates the API alone and prints its id), set api_id here and apply bootstrap again.
environments = {
  dev = {
    stack_name = "scribe-dev"
    state_key  = "scribe/dev.tfstate"
    api_id     = "d3v4p1id00"
  }
  prod = {
    stack_name = "scribe-prod"
    vcs_ref    = "refs/heads/main"
    state_key  = "scribe/prod.tfstate"
    protected  = true
    api_id     = "pr0d4p1id0"

    # The features a production stack turns on, each granted to prod's roles only (dev's stack
    # sets none, and its roles get none of these rights). Set each to what the stack's env file
    # sets: writer.alarms and api.alarms with create_topic; writer.log_kms_key_arn and
    # api.access_log_kms_key_arn; api.domain (name and hosted_zone_id); bucket.access_logging's
    # target_bucket.
    alarms            = { create_topic = true }
    log_kms_key_arns  = ["arn:aws:kms:eu-west-1:123456789012:key/0000000b-0000-4000-8000-000000000001"]
    domain            = { name = "texts.example.com", hosted_zone_id = "Z0123456789EXAMPLE0" }
    access_log_bucket = "acme-access-logs-123456789012-eu-west-1"
  }
}
