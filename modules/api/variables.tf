variable "name" {
  type        = string
  description = "Name of the HTTP API; also names its access-log group (/aws/apigateway/<name>)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '-' and '_'."
  }
}

variable "function_name" {
  type        = string
  description = "Name of the Lambda function the routes invoke (it receives the invoke permission)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, '-' and '_'."
  }
}

variable "function_invoke_arn" {
  type        = string
  description = "invoke_arn of that Lambda function (output `invoke_arn` of modules/lambda)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/", var.function_invoke_arn))
    error_message = "function_invoke_arn must be a Lambda invoke ARN (arn:aws:apigateway:<region>:lambda:path/...)."
  }
}

variable "authorization_type" {
  type        = string
  description = "Who may call the routes. AWS_IAM (the default) requires SigV4-signed requests from principals allowed execute-api:Invoke. NONE makes the API PUBLIC: anyone with the URL can write to the bucket — INSECURE, meant for local emulation."
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM (secure default) or NONE (public, insecure)."
  }
}

variable "throttling" {
  type = object({
    burst_limit = optional(number, 50)
    rate_limit  = optional(number, 25)
  })
  description = "Stage-wide throttling: burst_limit requests at once and rate_limit requests per second on average."
  default     = {}

  validation {
    condition = (
      var.throttling.burst_limit >= 1 && var.throttling.burst_limit <= 5000 && floor(var.throttling.burst_limit) == var.throttling.burst_limit &&
      var.throttling.rate_limit > 0 && var.throttling.rate_limit <= 10000
    )
    error_message = "throttling.burst_limit must be a whole number from 1 to 5000 and throttling.rate_limit a number above 0 and at most 10000."
  }
}

variable "access_log_retention_days" {
  type        = number
  description = "Retention of the API's access-log group, in days (one of the values CloudWatch Logs accepts)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_log_retention_days)
    error_message = "access_log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module that supports tags."
  default     = {}
}
