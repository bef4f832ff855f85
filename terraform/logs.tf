# The daemon writes one JSON line per event to stdout, and the awslogs driver
# ships each line as one event to the gateway log group. Metric filters turn
# the access log lines ("msg":"request") into CloudWatch metrics, so the
# tasks need no metrics agent and no cloudwatch:PutMetricData permission.

resource "aws_cloudwatch_log_group" "gateway" {
  name              = local.gateway_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.observability.arn
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = local.api_access_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.observability.arn
}

resource "aws_cloudwatch_log_group" "flow" {
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

  name              = local.flow_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.observability.arn
}

locals {
  # Access log lines of client requests. The probes are left out because the
  # ALB and ECS health checks call /health several times a minute per task,
  # which would swamp the request count and pull the latency percentiles down.
  client_request = "$.msg = \"request\" && $.route != \"/health\" && $.route != \"/ready\""

  # Metric name => filter pattern and value. Patterns match the daemon's
  # access log line, for example
  # {"msg":"request","route":"/query","status":401,"latency_us":1234,"code":"invalid_token",...}
  # The error counts publish 0 for every other log line, so their sums read 0
  # (not missing) while the gateway is logging.
  access_log_metrics = {
    RequestCount = {
      pattern = "{ ${local.client_request} }"
      value   = "1"
      unit    = "Count"
      default = null
    }
    Http4xxCount = {
      pattern = "{ ${local.client_request} && $.status >= 400 && $.status < 500 }"
      value   = "1"
      unit    = "Count"
      default = 0
    }
    Http5xxCount = {
      pattern = "{ ${local.client_request} && $.status >= 500 }"
      value   = "1"
      unit    = "Count"
      default = 0
    }
    AuthFailureCount = {
      pattern = "{ ${local.client_request} && ($.code = \"invalid_token\" || $.code = \"invalid_client\") }"
      value   = "1"
      unit    = "Count"
      default = 0
    }
    # All routes: a failing /ready (neo4j_unavailable) is a Neo4j error too.
    Neo4jErrorCount = {
      pattern = "{ $.msg = \"request\" && ($.code = \"Neo.*\" || $.code = \"neo4j_*\") }"
      value   = "1"
      unit    = "Count"
      default = 0
    }
    # One data point per request, so the alarm can use the p99 statistic.
    LatencyMicros = {
      pattern = "{ ${local.client_request} && $.latency_us >= 0 }"
      value   = "$.latency_us"
      unit    = "Microseconds"
      default = null
    }
  }
}

resource "aws_cloudwatch_log_metric_filter" "access_log" {
  for_each = local.access_log_metrics

  name           = "${local.prefix}-${each.key}"
  log_group_name = aws_cloudwatch_log_group.gateway.name
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.key
    namespace     = local.metric_namespace
    value         = each.value.value
    unit          = each.value.unit
    default_value = each.value.default
  }
}
