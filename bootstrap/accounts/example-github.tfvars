# GitHub Actions instead of CircleCI (.github/workflows/deploy.yml), dev and prod in one account
# as in example.tfvars. Replace the repository with yours (<owner>/<repo>, as GitHub spells it).
#   terraform -chdir=bootstrap apply -var-file=accounts/example-github.tfvars
region            = "eu-west-1"
state_bucket_name = "scribe-tfstate-123456789012-eu-west-1"

ci_provider       = "github"
github_repository = "acme/scribe"

# dev: any branch of acme/scribe (a job that names no GitHub environment). prod is protected: its
# deploy role trusts only a job that names the GitHub environment "prod" (required reviewers,
# deployment branch main) in .github/workflows/deploy.yml on main; its plan role, jobs of that
# workflow on main. README, "CI identity: GitHub Actions".
environments = {
  dev = {
    stack_name = "scribe-dev"
    state_key  = "scribe/dev.tfstate"
    api_id     = "d3v4p1id00"
    # The dev stack may turn X-Ray on (writer.tracing_mode): its roles' boundary lets traces out.
    tracing = true
  }
  prod = {
    stack_name = "scribe-prod"
    vcs_ref    = "refs/heads/main"
    state_key  = "scribe/prod.tfstate"
    protected  = true
    api_id     = "pr0d4p1id0"
  }
}
