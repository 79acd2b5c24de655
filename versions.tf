terraform {
  required_version = ">= 1.11"

  # Partial configuration: `terraform init -backend-config=envs/<env>.s3.tfbackend`.
  # Each environment has its own state key; use_lockfile locks with an S3 conditional write.
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
