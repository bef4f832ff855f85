# Internal ALB behind the API Gateway VPC link. See docs/deploy.md for why an
# ALB rather than an NLB or Cloud Map. Only the VPC link security group can
# reach the listener, and TLS from clients terminates at API Gateway. With
# alb_certificate_arn set, the hop from API Gateway to the ALB is HTTPS too.

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:Internal ALB reachable only from the VPC link security group; clients use HTTPS at API Gateway, and alb_certificate_arn switches the listener to HTTPS.
  #checkov:skip=CKV_AWS_91:API Gateway's access log and the daemon's access log already record each request's id, status and latency; ALB logs would need their own S3 bucket.
  name                       = local.prefix
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = local.private_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection
  idle_timeout               = 60
}

resource "aws_lb_target_group" "gateway" {
  #checkov:skip=CKV_AWS_378:The daemon serves plain HTTP on 8080; the ALB-to-task hop stays inside the VPC between two security groups that allow only it.
  name        = local.prefix
  port        = local.container_port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = local.vpc_id

  # The ALB stops routing new requests to a deregistering task at once and
  # waits this long for in-flight ones, the same budget the daemon drains for.
  deregistration_delay = var.drain_timeout_s

  # /health, not /ready: /ready fails while Neo4j is unreachable, and ECS
  # would then replace every task at once although none of them is broken.
  health_check {
    path                = "/health"
    matcher             = "200"
    interval            = 10
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_103:Plain HTTP listener has no TLS policy; the HTTPS listener below uses ELBSecurityPolicy-TLS13-1-2-2021-06.
  count = local.alb_https ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

resource "aws_lb_listener" "https" {
  count = local.alb_https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.alb_certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

locals {
  alb_listener_arn = local.alb_https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
}
