# Production: the bucket survives destroy, logs are kept a year, throttling sized for real traffic.
name   = "scribe-prod"
region = "eu-west-1"

bucket = {
  force_destroy = false
}

writer = {
  log_retention_days   = 365
  reserved_concurrency = 50
}

api = {
  access_log_retention_days = 365
  throttling                = { burst_limit = 200, rate_limit = 100 }
}

# The CI identity (bootstrap/) lets the prod deploy role create roles only under its own
# boundary and IAM path (bootstrap outputs permissions_boundary_arns and stack_role_paths).
permissions_boundary_policy_name = "scribe-ci-boundary-prod"
role_path                        = "/scribe-prod/"

tags = { Environment = "prod" }
