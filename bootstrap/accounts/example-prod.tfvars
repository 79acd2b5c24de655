# Account-per-environment layout (recommended): the prod account's file (see example-dev.tfvars).
#   terraform -chdir=bootstrap apply -var-file=accounts/example-prod.tfvars  # with prod's credentials
region            = "eu-west-1"
state_bucket_name = "scribe-tfstate-222222222222-eu-west-1"

circleci_org_id     = "00000000-0000-4000-8000-000000000001"
circleci_project_id = "00000000-0000-4000-8000-000000000002"
vcs_origin          = "github.com/acme/scribe"

# prod is protected: CircleCI tokens carry no approval, so AWS gates prod's deploy role by who
# triggered the pipeline. Only these users' pipelines on main may apply prod: each release
# manager's CircleCI user id (the "id" that GET https://circleci.com/api/v2/me returns for them).
circleci_release_user_ids = ["0000000a-0000-4000-8000-000000000001"]

# The roles reach no API until api_id names theirs: first apply without it, run
# `make create-api ENV=prod` (as this account's administrator: it creates the API alone and
# prints its id), uncomment api_id with that id and apply bootstrap again.
environments = {
  prod = {
    stack_name = "scribe-prod"
    vcs_ref    = "refs/heads/main"
    state_key  = "scribe/prod.tfstate"
    # api_id   = "pr0d4p1id0"
    protected = true
  }
}
