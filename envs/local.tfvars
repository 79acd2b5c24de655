# Local stack against a moto server (make up / make demo / make test). Never used against AWS.
name   = "scribe-local"
region = "us-east-1"

bucket = {
  force_destroy = true
  # moto cannot evaluate aws:SecureTransport and would deny every request: INSECURE, emulator only.
  enforce_tls = false
}

writer = {
  log_retention_days = 1
}

api = {
  # AWS_IAM (the module's default) as in dev and prod: sign with the caller keys `make up` prints.
  access_log_retention_days = 1
  throttling                = { burst_limit = 20, rate_limit = 10 }
  # A browser app served by a dev server on localhost:3000 may POST (signed with SigV4, hence the
  # x-amz-* and authorization headers); API Gateway answers its preflight OPTIONS itself.
  cors = {
    allow_origins = ["http://localhost:3000"]
    allow_methods = ["POST"]
    allow_headers = ["content-type", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
    max_age       = 300
  }
}

tags = { Environment = "local" }
