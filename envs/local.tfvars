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
  # The local gateway has no SigV4 callers yet: a public API, acceptable on loopback only.
  authorization_type        = "NONE"
  access_log_retention_days = 1
  throttling                = { burst_limit = 20, rate_limit = 10 }
}

tags = { Environment = "local" }
