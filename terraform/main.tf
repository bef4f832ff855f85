data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix     = "${var.name}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  ssm_prefix = coalesce(var.ssm_prefix, "/${var.name}/${var.environment}")

  # Parameter names that the daemon reads with GetParameters at startup.
  ssm_parameter_names = {
    neo4j_password     = "${local.ssm_prefix}/neo4j-password"
    jwt_signing_key    = "${local.ssm_prefix}/jwt-signing-key"
    client_secret_hash = "${local.ssm_prefix}/client-${var.client_id}-secret-hash"
  }

  # ARNs are built from the names so that existing parameters are referenced
  # without Terraform reading (and storing) their values.
  ssm_parameter_arns = [
    for name in values(local.ssm_parameter_names) :
    "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${name}"
  ]

  ssm_kms_key_arn = (
    var.create_ssm_parameters || var.existing_parameters_kms_key_arn == null
    ? aws_kms_key.secrets.arn
    : var.existing_parameters_kms_key_arn
  )

  # Log group names share one path so that the KMS key policy can scope the
  # CloudWatch Logs grant to them.
  log_group_path       = "/${var.name}/${var.environment}"
  gateway_log_group    = "${local.log_group_path}/gateway"
  api_access_log_group = "${local.log_group_path}/api-access"
  flow_log_group       = "${local.log_group_path}/vpc-flow"
  metric_namespace     = "CypherGateway/${var.environment}"
  alarm_name_prefix    = "${local.prefix}-"

  container_name    = "gateway"
  container_port    = 8080
  stop_timeout_s    = var.drain_timeout_s + 5
  alb_https         = var.alb_certificate_arn != null
  alb_listener_port = local.alb_https ? 443 : 80

  # An ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)
  # yields the one repository that the execution role may pull from. Any other
  # registry gets no ECR permissions. The whole pattern is optional, so on such
  # URIs regex() matches the empty string and returns null captures.
  ecr_image_match    = regex("^(?:(\\d{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+))?", var.image_uri)
  image_is_in_ecr    = local.ecr_image_match[0] != null
  ecr_repository_arn = local.image_is_in_ecr ? "arn:${local.partition}:ecr:${local.ecr_image_match[1]}:${local.ecr_image_match[0]}:repository/${local.ecr_image_match[2]}" : null
}
