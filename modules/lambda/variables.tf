variable "function_name" {
  type        = string
  description = "Name of the Lambda function; also names its role and its log group (/aws/lambda/<name>)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,58}$", var.function_name))
    error_message = "function_name must be 1-58 characters of letters, digits, '-' and '_' (58 leaves room for the '-role' suffix within IAM's 64)."
  }
}

variable "package_path" {
  type        = string
  description = "Path of the deployment zip built by `make package` (lambda/package.py). Its content hash decides when the code is updated."

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must point to a .zip file (build it with `make package`)."
  }
}

variable "handler" {
  type        = string
  description = "Entry point inside the package, module.function."
  default     = "scribe.apigw.handler"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like package.module.function."
  }
}

variable "runtime" {
  type        = string
  description = "Python runtime of the function. The handler uses only syntax and libraries that both supported runtimes accept."
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function. The handler is pure Python, so arm64 (cheaper per GB-second) is the default."
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  type        = number
  description = "Memory in MB. 128 is plenty for the handler (the old prototype used 1024); raise it only with a measurement."
  default     = 128
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  type        = number
  description = "Function timeout in seconds. The S3 client makes at most 3 attempts (1 s connect, up to 1 s for 100-continue, 2 s read) with backoff that S3's x-amz-retry-after can stretch: 25 s worst case, so keep it at 26 or more; API Gateway HTTP APIs give up after 30 s."
  default     = 28
  nullable    = false

  validation {
    condition     = var.timeout >= 26 && var.timeout <= 30 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 26 (room for the S3 client's bounded retries) and 30 (the HTTP API integration limit)."
  }
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions, a cap on cost and on load on S3. Null (the default) leaves the function unreserved."
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be null or a whole number of at least 1 (0 would disable the function)."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function's log group, in days (one of the values CloudWatch Logs accepts; 0 = never expire is refused)."
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "bucket_name" {
  type        = string
  description = "Bucket the function writes into. Checked with the S3 naming rule of modules/bucket's name."

  validation {
    condition = (
      length(var.bucket_name) >= 3 && length(var.bucket_name) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.bucket_name)) &&
      !strcontains(var.bucket_name, "..") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.bucket_name)) &&
      !can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.bucket_name)) &&
      !can(regex("(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3|-an)$", var.bucket_name))
    )
    error_message = "bucket_name must be 3-63 characters of a-z, 0-9, '-' and '.', start and end with a letter or digit, contain no '..', not look like an IP address, not start with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-) and not end with a suffix it reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3, -an)."
  }
}

variable "key_prefix" {
  type        = string
  description = "Key prefix the function writes under: empty, or '/'-terminated segments of [A-Za-z0-9._-], e.g. \"incoming/\". The role may write only below it."
  default     = "incoming/"
  nullable    = false

  validation {
    condition     = var.key_prefix == "" || (can(regex("^([A-Za-z0-9._-]+/)+$", var.key_prefix)) && !can(regex("(^|/)\\.{1,2}/", var.key_prefix)) && length(var.key_prefix) <= 128)
    error_message = "key_prefix must be empty or up to 128 characters of '/'-terminated segments of [A-Za-z0-9._-] (no '.' or '..' segment), e.g. \"incoming/\"."
  }
}

variable "max_body_bytes" {
  type        = number
  description = "Largest body accepted, in bytes; larger requests get 413. Lambda's 6 MB synchronous payload and base64 inflation put the ceiling at 4 MiB."
  default     = 1048576
  nullable    = false

  validation {
    condition     = var.max_body_bytes >= 1 && var.max_body_bytes <= 4194304 && floor(var.max_body_bytes) == var.max_body_bytes
    error_message = "max_body_bytes must be a whole number between 1 and 4194304 (4 MiB)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the bucket (SSE-KMS); the role gets kms:GenerateDataKey on it. Null for SSE-S3."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Permissions boundary attached to the function's role, if your account requires one. Null (the default) attaches none."
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM policy ARN."
  }
}

variable "role_path" {
  type        = string
  description = "IAM path of the function's role. The CI identity's deploy role creates roles only under its stack's path, /<stack name>/ (bootstrap output stack_role_paths); \"/\" otherwise."
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path)) && length(var.role_path) <= 512
    error_message = "role_path must start and end with '/' and hold only IAM path characters, e.g. /scribe-dev/."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource of the module that supports tags."
  default     = {}
  nullable    = false

  # AWS's tag rules (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): 50 tags
  # per resource, keys of 1-128 characters, values of at most 256, the prefix aws: reserved.
  validation {
    condition     = length(var.tags) <= 50 && alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "tags must hold at most 50 tags, each key of 1-128 characters and not starting with aws: (AWS reserves it), each value of at most 256 characters."
  }
}

variable "tracing_mode" {
  type        = string
  description = "X-Ray tracing of the function: \"Active\" samples and traces requests; \"PassThrough\" traces only requests an upstream service has sampled (an HTTP API never does: it has no X-Ray tracing). Either one gives the role xray:PutTraceSegments and xray:PutTelemetryRecords (on \"*\": X-Ray has no resource-level permissions). Null (the default) sets no tracing configuration and grants no X-Ray permission."
  default     = null

  validation {
    condition     = var.tracing_mode == null || contains(["PassThrough", "Active"], coalesce(var.tracing_mode, "-"))
    error_message = "tracing_mode must be null, \"PassThrough\" or \"Active\"."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the function's log group. Its key policy must let the service principal logs.<region>.amazonaws.com use it (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*), or CloudWatch Logs refuses the group. Null (the default): CloudWatch Logs' own encryption at rest."
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)."
  }
}

variable "alarms" {
  type = object({
    errors_threshold   = optional(number, 0)
    duration_share     = optional(number, 0.8)
    period             = optional(number, 60)
    evaluation_periods = optional(number, 1)
    topic_arn          = optional(string)
    create_topic       = optional(bool, false)
    topic_kms_key_arn  = optional(string)
  })
  description = "CloudWatch alarms on the function, to one SNS topic (alarm and OK actions): <function>-errors (Errors summed over period above errors_threshold, default 0), <function>-throttles (any Throttles) and <function>-duration (p99 Duration above duration_share of the timeout, default 0.8), each over period seconds (60 or a multiple of 60; default 60: AWS/Lambda metrics have one-minute resolution, so a shorter period would mostly see no data and never fire) for evaluation_periods periods (default 1); no data is not breaching. The topic is topic_arn, or, with create_topic = true, a topic <function>-alarms created here and encrypted with topic_kms_key_arn: a customer-managed key whose policy lets cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns). Exactly one of topic_arn and create_topic. Null (the default): no alarm, no topic."
  default     = null

  validation {
    condition     = var.alarms == null || try(var.alarms.errors_threshold >= 0 && floor(var.alarms.errors_threshold) == var.alarms.errors_threshold, false)
    error_message = "alarms.errors_threshold must be a whole number of errors, 0 or more."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.duration_share > 0 && var.alarms.duration_share <= 1, false)
    error_message = "alarms.duration_share must be a share of the timeout above 0 and at most 1 (e.g. 0.8)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.period >= 60 && var.alarms.period % 60 == 0, false)
    error_message = "alarms.period must be a multiple of 60 seconds (Lambda sends its metrics every minute: a 10 or 30 s period would see no data and never fire)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.evaluation_periods >= 1 && floor(var.alarms.evaluation_periods) == var.alarms.evaluation_periods && var.alarms.evaluation_periods * var.alarms.period <= 86400, false)
    error_message = "alarms.evaluation_periods must be a whole number, at least 1, covering at most one day (evaluation_periods * period <= 86400)."
  }

  validation {
    condition     = var.alarms == null || try((var.alarms.topic_arn != null) != var.alarms.create_topic, false)
    error_message = "alarms needs exactly one topic: topic_arn (an existing SNS topic) or create_topic = true, not both and not neither."
  }

  validation {
    condition     = try(var.alarms.topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarms.topic_arn)), true)
    error_message = "alarms.topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic name>)."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.create_topic == (var.alarms.topic_kms_key_arn != null) && (var.alarms.topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.alarms.topic_kms_key_arn))), false)
    error_message = "alarms.topic_kms_key_arn is required with create_topic = true, and only then: a customer-managed KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>) whose policy lets cloudwatch.amazonaws.com use it (alias/aws/sns would silence the alarms)."
  }
}
