output "state_bucket_name" {
  description = "Bucket for the stacks' states: the `bucket` of each envs/<env>.s3.tfbackend."
  value       = module.state_bucket.bucket_name
}

output "deploy_role_arns" {
  description = "Deploy role of each environment: AWS_ROLE_ARN of the CircleCI context scribe-<env>, or the GitHub repository variable SCRIBE_<ENV>_ROLE_ARN."
  value       = module.ci_identity.role_arns
}

output "plan_role_arns" {
  description = "Plan role of each environment (reads only, and its own state lock): AWS_PLAN_ROLE_ARN of the CircleCI context scribe-<env>, or the GitHub repository variable SCRIBE_<ENV>_PLAN_ROLE_ARN."
  value       = module.ci_identity.plan_role_arns
}

output "permissions_boundary_arns" {
  description = "Boundary of each environment's stack roles: its name is the stack's permissions_boundary_policy_name."
  value       = module.ci_identity.permissions_boundary_arns
}

output "stack_role_paths" {
  description = "IAM path of each environment's stack roles: the stack's role_path."
  value       = module.ci_identity.stack_role_paths
}

output "ci_user_names" {
  description = "The IAM user that reaches each unprotected environment (one for all, or one each with ci_user_per_environment); empty without create_ci_user."
  value       = module.ci_identity.ci_user_names
}

output "ci_user_name" {
  description = "IAM user that may only assume the plan and deploy roles, or null."
  value       = module.ci_identity.ci_user_name
}

output "account_public_access_blocked" {
  description = "Whether this bootstrap turns on S3 Block Public Access for the account (block_public_access_for_account)."
  value       = length(aws_s3_account_public_access_block.this) == 1
}
