locals {
  dashboard_name = local.prefix

  ecs_dimensions = ["ClusterName", aws_ecs_cluster.this.name, "ServiceName", aws_ecs_service.gateway.name]
  alb_dimensions = ["LoadBalancer", aws_lb.this.arn_suffix, "TargetGroup", aws_lb_target_group.gateway.arn_suffix]
  api_dimensions = ["ApiId", aws_apigatewayv2_api.this.id, "Stage", "$default"]

  dashboard_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 12, height = 6
      properties = {
        title  = "Gateway requests and errors (access log)"
        region = var.region
        stat   = "Sum"
        period = 60
        metrics = [
          [local.metric_namespace, "RequestCount", { label = "requests" }],
          [local.metric_namespace, "Http4xxCount", { label = "4xx" }],
          [local.metric_namespace, "Http5xxCount", { label = "5xx" }],
          [local.metric_namespace, "AuthFailureCount", { label = "auth failures" }],
          [local.metric_namespace, "Neo4jErrorCount", { label = "Neo4j errors" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 0, width = 12, height = 6
      properties = {
        title  = "Gateway latency (latency_us)"
        region = var.region
        period = 60
        metrics = [
          [local.metric_namespace, "LatencyMicros", { stat = "p50", label = "p50" }],
          [local.metric_namespace, "LatencyMicros", { stat = "p90", label = "p90" }],
          [local.metric_namespace, "LatencyMicros", { stat = "p99", label = "p99" }],
        ]
        annotations = {
          horizontal = [{ label = "p99 alarm", value = var.alarm_p99_latency_ms * 1000 }]
        }
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 8, height = 6
      properties = {
        title  = "Tasks"
        region = var.region
        stat   = "Average"
        period = 60
        metrics = [
          concat(["ECS/ContainerInsights", "DesiredTaskCount"], local.ecs_dimensions, [{ label = "desired" }]),
          concat(["ECS/ContainerInsights", "RunningTaskCount"], local.ecs_dimensions, [{ label = "running" }]),
          concat(["ECS/ContainerInsights", "PendingTaskCount"], local.ecs_dimensions, [{ label = "pending" }]),
        ]
      }
    },
    {
      type = "metric", x = 8, y = 6, width = 8, height = 6
      properties = {
        title  = "Task CPU and memory (% of reservation)"
        region = var.region
        stat   = "Average"
        period = 60
        metrics = [
          concat(["AWS/ECS", "CPUUtilization"], local.ecs_dimensions, [{ label = "CPU" }]),
          concat(["AWS/ECS", "MemoryUtilization"], local.ecs_dimensions, [{ label = "memory" }]),
        ]
      }
    },
    {
      type = "metric", x = 16, y = 6, width = 8, height = 6
      properties = {
        title  = "ALB targets"
        region = var.region
        period = 60
        metrics = [
          concat(["AWS/ApplicationELB", "HealthyHostCount"], local.alb_dimensions, [{ stat = "Minimum", label = "healthy" }]),
          concat(["AWS/ApplicationELB", "UnHealthyHostCount"], local.alb_dimensions, [{ stat = "Maximum", label = "unhealthy" }]),
          concat(["AWS/ApplicationELB", "RequestCountPerTarget"], local.alb_dimensions, [{ stat = "Sum", label = "requests per target", yAxis = "right" }]),
        ]
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 12, height = 6
      properties = {
        title  = "API Gateway"
        region = var.region
        period = 60
        metrics = [
          concat(["AWS/ApiGateway", "Count"], local.api_dimensions, [{ stat = "Sum", label = "requests" }]),
          concat(["AWS/ApiGateway", "4xx"], local.api_dimensions, [{ stat = "Sum", label = "4xx" }]),
          concat(["AWS/ApiGateway", "5xx"], local.api_dimensions, [{ stat = "Sum", label = "5xx" }]),
          concat(["AWS/ApiGateway", "Latency"], local.api_dimensions, [{ stat = "p99", label = "p99 latency (ms)", yAxis = "right" }]),
        ]
      }
    },
    {
      type = "alarm", x = 12, y = 12, width = 12, height = 6
      properties = {
        title = "Alarms"
        alarms = [
          aws_cloudwatch_metric_alarm.gateway_5xx_rate.arn,
          aws_cloudwatch_metric_alarm.gateway_p99_latency.arn,
          aws_cloudwatch_metric_alarm.gateway_auth_failures.arn,
          aws_cloudwatch_metric_alarm.alb_unhealthy_hosts.arn,
          aws_cloudwatch_metric_alarm.running_tasks_below_desired.arn,
          aws_cloudwatch_metric_alarm.api_5xx_rate.arn,
        ]
      }
    },
    {
      type = "log", x = 0, y = 18, width = 24, height = 6
      properties = {
        title  = "Latest gateway errors"
        region = var.region
        view   = "table"
        query  = "SOURCE '${aws_cloudwatch_log_group.gateway.name}' | fields @timestamp, request_id, route, status, code, client, latency_us | filter level = 'error' or status >= 500 or ispresent(code) | sort @timestamp desc | limit 50"
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.dashboard_name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
