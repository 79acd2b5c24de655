output "state_bucket_name" {
  description = "Bucket for the stacks' states: the `bucket` of each envs/<env>.s3.tfbackend."
  value       = module.state_bucket.bucket_name
}

output "deploy_role_arns" {
  description = "Deploy role of each environment: AWS_ROLE_ARN of the CircleCI context scribe-<env>."
  value       = module.ci_identity.role_arns
}

output "permissions_boundary_arn" {
  description = "Boundary the stack's roles carry (set by the stack from its name)."
  value       = module.ci_identity.permissions_boundary_arn
}

output "ci_user_name" {
  description = "IAM user that may only assume the deploy roles, or null."
  value       = module.ci_identity.ci_user_name
}
