output "role_arns" {
  description = "Deploy role ARN of each environment: AWS_ROLE_ARN of its CircleCI context, or the GitHub repository variable SCRIBE_<ENV>_ROLE_ARN (.github/workflows/deploy.yml)."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "plan_role_arns" {
  description = "Plan role ARN of each environment (reads only, and its own state lock): AWS_PLAN_ROLE_ARN of its CircleCI context, or the GitHub repository variable SCRIBE_<ENV>_PLAN_ROLE_ARN (.github/workflows/deploy.yml)."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "oidc_provider_arn" {
  description = "ARN of the chosen CI system's OIDC provider (created here or passed in)."
  value       = local.provider_arn
}

output "permissions_boundary_arns" {
  description = "Boundary of each environment: every role its deploy role creates must carry it (the stack's permissions_boundary_policy_name is its name)."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}

output "stack_role_paths" {
  description = "IAM path of each environment's stack roles, /<stack_name>/: the stack's role_path."
  value       = local.role_paths
}

output "ci_user_name" {
  description = "Name of the one IAM user that may only assume the plan and deploy roles of the unprotected environments, or null (create_ci_user false, or ci_user_per_environment: see ci_user_names)."
  value       = try(aws_iam_user.ci["all"].name, null)
}

output "ci_user_names" {
  description = "The IAM user that reaches each unprotected environment (the same one for all, or with ci_user_per_environment <prefix>-ci-<env> each); empty when create_ci_user is false."
  value       = { for env, arn in local.ci_user_of_env : env => split("/", arn)[1] }
}
