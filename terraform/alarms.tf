# ---------------------------------------------------------------------------
# Alarm topic
# ---------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.observability.arn
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "AccountOwnerManagesTopic"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${local.alarm_name_prefix}*"]
    }
  }

  statement {
    sid       = "TaskStoppedRulePublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.task_stopped.arn]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

# ---------------------------------------------------------------------------
# Gateway alarms, from the access log metric filters (logs.tf)
# ---------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "gateway_5xx_rate" {
  alarm_name          = "${local.alarm_name_prefix}gateway-5xx-rate"
  alarm_description   = "More than ${var.alarm_5xx_percent}% of gateway responses were 5xx over 5 minutes. Look for neo4j_unavailable, neo4j_timeout and pool_exhausted codes in ${local.gateway_log_group}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_5xx_percent
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx percent"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = local.metric_namespace
      metric_name = "Http5xxCount"
      period      = 300
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = local.metric_namespace
      metric_name = "RequestCount"
      period      = 300
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "gateway_p99_latency" {
  alarm_name          = "${local.alarm_name_prefix}gateway-p99-latency"
  alarm_description   = "p99 of latency_us in the gateway access log exceeded ${var.alarm_p99_latency_ms} ms in 3 of 5 minutes."
  namespace           = local.metric_namespace
  metric_name         = "LatencyMicros"
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_p99_latency_ms * 1000
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "gateway_auth_failures" {
  alarm_name          = "${local.alarm_name_prefix}gateway-auth-failures"
  alarm_description   = "More than ${var.alarm_auth_failures_per_5min} invalid_token or invalid_client responses in 5 minutes: a misconfigured client, a rotated signing key or credential guessing."
  namespace           = local.metric_namespace
  metric_name         = "AuthFailureCount"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_auth_failures_per_5min
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# ---------------------------------------------------------------------------
# Load balancer and service health
# ---------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_unhealthy_hosts" {
  alarm_name          = "${local.alarm_name_prefix}alb-unhealthy-hosts"
  alarm_description   = "At least one gateway task failed ALB health checks on /health for 3 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.gateway.arn_suffix
  }
}

# Container Insights publishes desired and running task counts per service.
# A gap that lasts 5 minutes means tasks keep failing to start or to stay up.
resource "aws_cloudwatch_metric_alarm" "running_tasks_below_desired" {
  alarm_name          = "${local.alarm_name_prefix}running-tasks-below-desired"
  alarm_description   = "Fewer gateway tasks running than desired for 5 minutes: tasks are crashing, failing health checks or cannot pull the image or read SSM."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "missing"
    expression  = "desired - running"
    label       = "Tasks missing"
    return_data = true
  }

  metric_query {
    id = "desired"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      period      = 60
      stat        = "Average"
      dimensions = {
        ClusterName = aws_ecs_cluster.this.name
        ServiceName = aws_ecs_service.gateway.name
      }
    }
  }

  metric_query {
    id = "running"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      period      = 60
      stat        = "Average"
      dimensions = {
        ClusterName = aws_ecs_cluster.this.name
        ServiceName = aws_ecs_service.gateway.name
      }
    }
  }
}

# Task restarts: ECS emits an event whenever a task stops. This rule forwards
# those that were not a scale-in or a deployment: the container exited, the
# task failed to start, or a health check failed and ECS replaced it.
resource "aws_cloudwatch_event_rule" "task_stopped" {
  name        = "${local.prefix}-task-stopped"
  description = "Unexpected stops of ${local.prefix} tasks"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [aws_ecs_cluster.this.arn]
      group      = ["service:${local.prefix}"]
      lastStatus = ["STOPPED"]
      "$or" = [
        { stopCode = ["EssentialContainerExited", "TaskFailedToStart"] },
        { stoppedReason = [{ prefix = "Task failed" }] },
      ]
    }
  })
}

resource "aws_cloudwatch_event_target" "task_stopped" {
  rule      = aws_cloudwatch_event_rule.task_stopped.name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths = {
      task   = "$.detail.taskArn"
      code   = "$.detail.stopCode"
      reason = "$.detail.stoppedReason"
    }
    input_template = "\"${local.prefix}: task <task> stopped unexpectedly (<code>): <reason>\""
  }
}

# ---------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------

# API Gateway 5xx covers what the gateway's own log cannot show: the VPC
# link or ALB failing, or an integration timeout at 29 s.
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.alarm_name_prefix}api-5xx-rate"
  alarm_description   = "More than ${var.alarm_api_5xx_percent}% of API Gateway responses were 5xx over 5 minutes. Check integrationError in ${local.api_access_log_group}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_api_5xx_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "API 5xx percent"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      period      = 300
      stat        = "Sum"
      dimensions = {
        ApiId = aws_apigatewayv2_api.this.id
        Stage = "$default"
      }
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      period      = 300
      stat        = "Sum"
      dimensions = {
        ApiId = aws_apigatewayv2_api.this.id
        Stage = "$default"
      }
    }
  }
}
