resource "aws_ecs_cluster" "this" {
  name = local.prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "gateway" {
  family                   = local.prefix
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # No secrets here. The *_REF variables are ssm: references that
  # config/gateway.container.yaml expands into its secret fields, and the
  # daemon resolves them with GetParameters under the task role at startup.
  container_definitions = jsonencode([
    {
      name      = local.container_name
      image     = var.image_uri
      essential = true

      # uid 10001 is the image's "gateway" user. The daemon writes no files,
      # so the root filesystem can be read-only.
      user                   = "10001"
      readonlyRootFilesystem = true
      privileged             = false
      linuxParameters = {
        capabilities = { drop = ["ALL"] }
      }

      portMappings = [
        { containerPort = local.container_port, protocol = "tcp" }
      ]

      environment = [
        { name = "AWS_REGION", value = var.region },
        { name = "NEO4J_URL", value = var.neo4j_url },
        { name = "NEO4J_USER", value = var.neo4j_user },
        { name = "NEO4J_DATABASE", value = var.neo4j_database },
        { name = "NEO4J_PASSWORD_REF", value = "ssm:${local.ssm_parameter_names.neo4j_password}" },
        { name = "JWT_SIGNING_KEY_REF", value = "ssm:${local.ssm_parameter_names.jwt_signing_key}" },
        { name = "CLIENT_ID", value = var.client_id },
        { name = "CLIENT_SECRET_HASH_REF", value = "ssm:${local.ssm_parameter_names.client_secret_hash}" },
        # config/gateway.container.yaml puts this value into one list item,
        # so it names exactly one database, as client_databases validates.
        { name = "CLIENT_DATABASES", value = var.client_databases[0] },
        { name = "CLIENT_MODE", value = var.client_mode },
        { name = "GATEWAY_DRAIN_TIMEOUT_S", value = tostring(var.drain_timeout_s) },
        { name = "TOKEN_FAILURES_PER_ADDRESS", value = tostring(var.token_failures_per_address) },
        { name = "LOG_LEVEL", value = var.log_level },
      ]

      # SIGTERM starts the drain, and SIGKILL follows after stopTimeout, which
      # leaves 5 s beyond the daemon's drain budget.
      stopTimeout = local.stop_timeout_s

      healthCheck = {
        command     = ["CMD", "/usr/local/bin/cypher-gateway", "--healthcheck", "http://127.0.0.1:${local.container_port}/health"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.gateway.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "gateway"
          # A full buffer drops log lines instead of blocking the daemon's stdout.
          mode              = "non-blocking"
          "max-buffer-size" = "4m"
        }
      }

      ulimits = [
        { name = "nofile", softLimit = 65536, hardLimit = 65536 }
      ]
    }
  ])
}

resource "aws_ecs_service" "gateway" {
  name             = local.prefix
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.gateway.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"

  # A deployment whose tasks keep failing is stopped and the previous task
  # definition is restored.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.gateway.arn
    container_name   = local.container_name
    container_port   = local.container_port
  }

  lifecycle {
    # Autoscaling owns the task count after the first deployment.
    ignore_changes = [desired_count]
  }

  # ECS rejects a target group that no listener uses yet, and tasks that start
  # before their role policies exist fail to pull the image or read SSM.
  depends_on = [
    aws_lb_listener.http,
    aws_lb_listener.https,
    aws_iam_role_policy.execution,
    aws_iam_role_policy.task,
  ]
}

# ---------------------------------------------------------------------------
# Autoscaling: whichever target asks for more tasks wins.
# ---------------------------------------------------------------------------

resource "aws_appautoscaling_target" "gateway" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.gateway.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${local.prefix}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.gateway.service_namespace
  resource_id        = aws_appautoscaling_target.gateway.resource_id
  scalable_dimension = aws_appautoscaling_target.gateway.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${local.prefix}-requests-per-target"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.gateway.service_namespace
  resource_id        = aws_appautoscaling_target.gateway.resource_id
  scalable_dimension = aws_appautoscaling_target.gateway.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.gateway.arn_suffix}"
    }
  }
}
