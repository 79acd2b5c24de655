# Development account: throw-away data, short log retention, modest throttling.
name   = "scribe-dev"
region = "eu-west-1"

bucket = {
  force_destroy                      = true
  noncurrent_version_expiration_days = 30
}

writer = {
  log_retention_days   = 14
  reserved_concurrency = 5
}

api = {
  access_log_retention_days = 14
  throttling                = { burst_limit = 20, rate_limit = 10 }
}

# The CI identity (bootstrap/) lets the dev deploy role create roles only under its own
# boundary and IAM path (bootstrap outputs permissions_boundary_arns and stack_role_paths).
permissions_boundary_policy_name = "scribe-ci-boundary-dev"
role_path                        = "/scribe-dev/"

tags = { Environment = "dev" }
