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
  description = "Name of the IAM user that may only assume the plan and deploy roles, or null when create_ci_user is false."
  value       = var.create_ci_user ? aws_iam_user.ci[0].name : null
}
