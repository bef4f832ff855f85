# ---------------------------------------------------------------------------
# Naming and placement
# ---------------------------------------------------------------------------

variable "region" {
  description = "AWS region to deploy into, for example us-east-1."
  type        = string
}

variable "name" {
  description = "Base name of every resource."
  type        = string
  default     = "cypher-gateway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2-21 characters of lowercase letters, digits and '-', starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, used in resource names and the default SSM prefix (for example prod or staging)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 characters of lowercase letters, digits and '-', starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------

variable "vpc_id" {
  description = "Existing VPC to deploy into. When null, a VPC with private subnets only (no internet or NAT gateway) is created."
  type        = string
  default     = null
}

variable "private_subnet_ids" {
  description = "Private subnets of vpc_id, in at least two availability zones, for the tasks, the internal ALB and the VPC link. Required when vpc_id is set."
  type        = list(string)
  default     = []
}

variable "private_route_table_ids" {
  description = "Route tables of private_subnet_ids, for the S3 gateway endpoint. Required when vpc_id is set and create_vpc_endpoints is true."
  type        = list(string)
  default     = []
}

variable "create_vpc_endpoints" {
  description = "Create interface endpoints (ssm, logs, ecr.api, ecr.dkr) and an S3 gateway endpoint in an existing VPC whose subnets have no NAT. Always true for a VPC created here."
  type        = bool
  default     = false
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC created when vpc_id is null."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones (one private subnet each) in the VPC created when vpc_id is null."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be 2..4: an ALB needs subnets in at least two availability zones."
  }
}

variable "enable_flow_logs" {
  description = "Record rejected traffic of the created VPC in a CloudWatch log group."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------
# Neo4j
# ---------------------------------------------------------------------------

variable "neo4j_url" {
  description = "Neo4j HTTP(S) API base URL that the tasks connect to, for example https://neo4j.internal.example.com:7473. Passed to the container as NEO4J_URL."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.neo4j_url))
    error_message = "neo4j_url must start with http:// or https://."
  }
}

variable "neo4j_user" {
  description = "Neo4j user the gateway authenticates as (NEO4J_USER). Its password is the parameter <ssm_prefix>/neo4j-password."
  type        = string
  default     = "neo4j"
}

variable "neo4j_database" {
  description = "Neo4j database that POST /query uses (NEO4J_DATABASE)."
  type        = string
  default     = "neo4j"
}

variable "neo4j_port" {
  description = "TCP port of neo4j_url that the task security group allows outbound (7473 for HTTPS, 7474 for HTTP, 443 for Aura)."
  type        = number
  default     = 7473
}

variable "neo4j_cidr_blocks" {
  description = "CIDR blocks where Neo4j listens; the tasks may connect to neo4j_port there and nowhere else except AWS APIs on 443."
  type        = list(string)

  validation {
    condition     = length(var.neo4j_cidr_blocks) > 0 && alltrue([for cidr in var.neo4j_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "neo4j_cidr_blocks must list at least one valid CIDR block."
  }
}

# ---------------------------------------------------------------------------
# Secrets in SSM Parameter Store
# ---------------------------------------------------------------------------

variable "ssm_prefix" {
  description = "SSM parameter path prefix without a trailing slash. Defaults to /<name>/<environment>."
  type        = string
  default     = null

  validation {
    condition     = var.ssm_prefix == null || can(regex("^(/[A-Za-z0-9_.-]+)+$", var.ssm_prefix))
    error_message = "ssm_prefix must look like /cypher-gateway/prod: a leading slash and no trailing slash."
  }
}

variable "client_id" {
  description = "OAuth2 client id of the one client in config/gateway.container.yaml (CLIENT_ID). Its secret hash is the parameter <ssm_prefix>/client-<id>-secret-hash."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.client_id))
    error_message = "client_id may contain only letters, digits, '_', '.' and '-' (1-64 characters)."
  }
}

variable "client_databases" {
  description = "Neo4j database the client may query (CLIENT_DATABASES), as a list of exactly one name: config/gateway.container.yaml has one database per client."
  type        = list(string)
  default     = ["neo4j"]

  validation {
    condition     = length(var.client_databases) == 1
    error_message = "client_databases must list exactly one database: config/gateway.container.yaml puts CLIENT_DATABASES into a single list item, so \"a,b\" would be one invalid database name. For several databases, use an image whose config lists them in clients[].databases."
  }

  validation {
    condition     = alltrue([for db in var.client_databases : can(regex("^[A-Za-z0-9._-]+$", db))])
    error_message = "client_databases must contain only database names of letters, digits, '.', '_' and '-'."
  }
}

variable "client_mode" {
  description = "Access mode of the client (CLIENT_MODE): read or write."
  type        = string
  default     = "read"

  validation {
    condition     = contains(["read", "write"], var.client_mode)
    error_message = "client_mode must be read or write."
  }
}

variable "create_ssm_parameters" {
  description = "Create the SecureString parameters with a placeholder value. Set false to use parameters that already exist under ssm_prefix."
  type        = bool
  default     = true
}

variable "existing_parameters_kms_key_arn" {
  description = "KMS key that encrypts existing parameters when create_ssm_parameters is false. Null means the key created here."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------
# Service
# ---------------------------------------------------------------------------

variable "image_uri" {
  description = "Container image, for example 123456789012.dkr.ecr.us-east-1.amazonaws.com/cypher-gateway:1.0.0. Use an immutable tag or a digest."
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Fargate task memory in MiB; must be a valid pairing with cpu."
  type        = number
  default     = 512
}

variable "desired_count" {
  description = "Task count at the first deployment. Afterwards autoscaling owns it."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Minimum task count for autoscaling."
  type        = number
  default     = 2
}

variable "max_count" {
  description = "Maximum task count for autoscaling."
  type        = number
  default     = 6

  validation {
    condition     = var.max_count >= 1
    error_message = "max_count must be at least 1."
  }
}

variable "cpu_target_percent" {
  description = "Average service CPU utilization that autoscaling holds, in percent."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "ALB requests per task per minute that autoscaling holds."
  type        = number
  default     = 3000
}

variable "drain_timeout_s" {
  description = "Seconds the daemon drains in-flight requests after SIGTERM (its drain_timeout_s). ECS stopTimeout and the ALB deregistration delay are derived from it."
  type        = number
  default     = 25

  validation {
    # Fargate allows a stopTimeout of at most 120 s, and stopTimeout is this plus 5.
    condition     = var.drain_timeout_s >= 1 && var.drain_timeout_s <= 115
    error_message = "drain_timeout_s must be 1..115 seconds (Fargate caps stopTimeout at 120 s)."
  }
}

variable "token_failures_per_address" {
  description = "Failed POST /token attempts per source address within the daemon's 60 s window before it answers 429 (TOKEN_FAILURES_PER_ADDRESS, limits.token_failures_per_address). Behind the ALB the source address is an ALB node's, shared by every client, so the default is high enough that this limit does not trip in practice. The per-client limit still applies."
  type        = number
  default     = 100000

  validation {
    condition     = var.token_failures_per_address >= 1 && var.token_failures_per_address <= 1000000 && floor(var.token_failures_per_address) == var.token_failures_per_address
    error_message = "token_failures_per_address must be a whole number from 1 to 1000000 (the daemon's range for limits.token_failures_per_address)."
  }
}

variable "alb_certificate_arn" {
  description = "ACM certificate for an HTTPS listener on the internal ALB. Null means an HTTP listener on port 80, reachable only from the VPC link security group."
  type        = string
  default     = null
}

variable "alb_certificate_domain" {
  description = "Host name in alb_certificate_arn that API Gateway verifies when it connects over HTTPS. Required with alb_certificate_arn."
  type        = string
  default     = null
}

variable "alb_deletion_protection" {
  description = "Deletion protection on the ALB. Set false and apply before terraform destroy."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------

variable "public_probe_routes" {
  description = "Also route GET /health and GET /ready through API Gateway, so that tests/smoke.sh can run against the public URL. /ready makes one Neo4j request per call."
  type        = bool
  default     = true
}

variable "api_throttle_rate" {
  description = "Steady-state requests per second that the API Gateway stage accepts across all clients."
  type        = number
  default     = 500
}

variable "api_throttle_burst" {
  description = "Burst size of the API Gateway stage throttle, in requests."
  type        = number
  default     = 1000
}

# ---------------------------------------------------------------------------
# Observability
# ---------------------------------------------------------------------------

variable "log_level" {
  description = "Daemon log level (LOG_LEVEL): debug, info, warn or error."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group in days (one of the values CloudWatch Logs accepts)."
  type        = number
  default     = 365
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic. Null means no subscription; AWS asks the address to confirm."
  type        = string
  default     = null
}

variable "alarm_5xx_percent" {
  description = "Alarm when 5xx responses exceed this percentage of gateway requests over 5 minutes."
  type        = number
  default     = 5
}

variable "alarm_p99_latency_ms" {
  description = "Alarm when p99 gateway latency (latency_us) exceeds this many milliseconds for 3 of 5 minutes."
  type        = number
  default     = 2000
}

variable "alarm_auth_failures_per_5min" {
  description = "Alarm when invalid_token and invalid_client responses together exceed this count in 5 minutes."
  type        = number
  default     = 100
}

variable "alarm_api_5xx_percent" {
  description = "Alarm when API Gateway 5xx responses exceed this percentage of API requests over 5 minutes."
  type        = number
  default     = 5
}
