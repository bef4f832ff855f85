# Traffic paths, and nothing else:
#   API Gateway VPC link -> ALB on 80 (or 443 with a certificate)
#   ALB                  -> tasks on 8080
#   tasks                -> Neo4j on neo4j_port, AWS APIs on 443
# Rules are separate resources so that the groups can reference each other.

resource "aws_security_group" "vpc_link" {
  name        = "${local.prefix}-vpc-link"
  description = "API Gateway VPC link ENIs of ${local.prefix}"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.prefix}-vpc-link" }
}

resource "aws_security_group" "alb" {
  name        = "${local.prefix}-alb"
  description = "Internal ALB of ${local.prefix}"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.prefix}-alb" }
}

resource "aws_security_group" "tasks" {
  name        = "${local.prefix}-tasks"
  description = "Fargate tasks of ${local.prefix}"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.prefix}-tasks" }
}

resource "aws_vpc_security_group_egress_rule" "vpc_link_to_alb" {
  security_group_id            = aws_security_group.vpc_link.id
  description                  = "API Gateway to the ALB listener"
  ip_protocol                  = "tcp"
  from_port                    = local.alb_listener_port
  to_port                      = local.alb_listener_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_vpc_link" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Listener traffic from the API Gateway VPC link"
  ip_protocol                  = "tcp"
  from_port                    = local.alb_listener_port
  to_port                      = local.alb_listener_port
  referenced_security_group_id = aws_security_group.vpc_link.id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Requests and health checks to the gateway tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Gateway port from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

locals {
  # Without VPC endpoints, tasks_to_aws_apis already allows 443 to 0.0.0.0/0.
  # A Neo4j rule for the same port and block (Aura: neo4j_port = 443,
  # neo4j_cidr_blocks = ["0.0.0.0/0"]) would duplicate it, which AWS rejects,
  # so that block is left out here and the AWS API rule covers Neo4j too.
  neo4j_egress_covered_by_aws_apis = !local.create_endpoints && var.neo4j_port == 443
  neo4j_egress_cidr_blocks = toset([
    for cidr in var.neo4j_cidr_blocks : cidr
    if !(local.neo4j_egress_covered_by_aws_apis && cidr == "0.0.0.0/0")
  ])
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_neo4j" {
  for_each = local.neo4j_egress_cidr_blocks

  security_group_id = aws_security_group.tasks.id
  description       = "Neo4j HTTP API"
  ip_protocol       = "tcp"
  from_port         = var.neo4j_port
  to_port           = var.neo4j_port
  cidr_ipv4         = each.value
}

# With VPC endpoints, AWS API traffic (SSM, CloudWatch Logs, ECR) stays on the
# endpoint ENIs and the S3 prefix list (image layers).
resource "aws_vpc_security_group_egress_rule" "tasks_to_endpoints" {
  count = local.create_endpoints ? 1 : 0

  security_group_id            = aws_security_group.tasks.id
  description                  = "HTTPS to the VPC interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_s3" {
  count = local.create_endpoints ? 1 : 0

  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to S3 through the gateway endpoint (ECR image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
}

# Without endpoints the subnets reach the public AWS API endpoints through a
# NAT gateway, whose addresses are not known in advance. With neo4j_port = 443
# this rule also carries the traffic to a Neo4j on the internet (Aura).
resource "aws_vpc_security_group_egress_rule" "tasks_to_aws_apis" {
  count = local.create_endpoints ? 0 : 1

  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to public AWS API endpoints through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
