# Public HTTPS entry point. API Gateway terminates TLS and forwards the client
# routes through a VPC link to the internal ALB. GET /health and GET /ready
# are routed too unless public_probe_routes is false. Every other path gets
# API Gateway's own 404 and never reaches the tasks.

resource "aws_apigatewayv2_api" "this" {
  name          = local.prefix
  protocol_type = "HTTP"
  description   = "cypher-gateway: Cypher over HTTPS without database credentials"
}

resource "aws_apigatewayv2_vpc_link" "this" {
  name               = local.prefix
  subnet_ids         = local.private_subnet_ids
  security_group_ids = [aws_security_group.vpc_link.id]
}

resource "aws_apigatewayv2_integration" "alb" {
  api_id             = aws_apigatewayv2_api.this.id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  integration_uri    = local.alb_listener_arn
  connection_type    = "VPC_LINK"
  connection_id      = aws_apigatewayv2_vpc_link.this.id
  # 29 s is the HTTP API maximum. The daemon returns neo4j_timeout (504) sooner.
  timeout_milliseconds   = 29000
  payload_format_version = "1.0"

  dynamic "tls_config" {
    for_each = local.alb_https ? [1] : []
    content {
      server_name_to_verify = var.alb_certificate_domain
    }
  }

  lifecycle {
    precondition {
      condition     = !local.alb_https || var.alb_certificate_domain != null
      error_message = "alb_certificate_domain is required with alb_certificate_arn, so that API Gateway can verify the ALB certificate."
    }
  }
}

locals {
  # The daemon authenticates the client routes itself: /token checks the
  # client secret, the query routes check the bearer JWT (HS256, which an API
  # Gateway JWT authorizer cannot verify because it needs a JWKS URL). The
  # probes answer without credentials and return no data.
  client_routes = [
    "POST /token",
    "POST /query",
    "POST /db/{database}/query/v2",
  ]
  probe_routes = ["GET /health", "GET /ready"]
  api_routes   = toset(concat(local.client_routes, var.public_probe_routes ? local.probe_routes : []))
}

resource "aws_apigatewayv2_route" "gateway" {
  #checkov:skip=CKV_AWS_309:The daemon authenticates /token (client secret) and the query routes (HS256 bearer JWT, which a JWT authorizer cannot verify without a JWKS URL); the probes return no data.
  for_each = local.api_routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.alb.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
    # Per-route metrics would bill as custom metrics (several per route), and
    # the gateway's own log already records the route of every request.
    detailed_metrics_enabled = false
  }

  # One JSON line per request. requestId is also sent to the client in the
  # apigw-requestid response header. No request headers are logged, so no tokens.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }

  depends_on = [aws_cloudwatch_log_group.api_access]
}
