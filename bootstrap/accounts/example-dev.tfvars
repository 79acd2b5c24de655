# Account-per-environment layout (recommended): this is the dev account's file; example-prod.tfvars
# is the prod account's. Each account has its own state bucket, OIDC provider and deploy role,
# so no policy of one account can reach the other, whatever it grants in its own.
#   terraform -chdir=bootstrap apply -var-file=accounts/example-dev.tfvars   # with dev's credentials
region            = "eu-west-1"
state_bucket_name = "scribe-tfstate-111111111111-eu-west-1"

circleci_org_id     = "00000000-0000-4000-8000-000000000001"
circleci_project_id = "00000000-0000-4000-8000-000000000002"
vcs_origin          = "github.com/acme/scribe"

# The roles reach no API until api_id names theirs: first apply without it, run
# `make create-api ENV=dev` (as this account's administrator: it creates the API alone and
# prints its id), uncomment api_id with that id and apply bootstrap again.
environments = {
  dev = {
    stack_name = "scribe-dev"
    state_key  = "scribe/dev.tfstate"
    # api_id   = "d3v4p1id00"
  }
}
