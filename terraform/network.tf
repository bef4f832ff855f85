# A VPC is created only when var.vpc_id is null. It has private subnets and no
# internet or NAT gateway: the tasks reach AWS APIs through VPC endpoints and
# Neo4j through whatever connects the VPC to it (peering, Transit Gateway).

locals {
  create_vpc       = var.vpc_id == null
  create_endpoints = local.create_vpc || var.create_vpc_endpoints

  vpc_id             = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  vpc_cidr           = local.create_vpc ? aws_vpc.this[0].cidr_block : data.aws_vpc.existing[0].cidr_block
  private_subnet_ids = local.create_vpc ? aws_subnet.private[*].id : var.private_subnet_ids
  route_table_ids    = local.create_vpc ? [aws_route_table.private[0].id] : var.private_route_table_ids

  # Interface endpoints that a Fargate task without NAT needs: image pull
  # (ecr.api, ecr.dkr, plus S3 for layers), awslogs (logs) and the daemon's
  # GetParameters call (ssm).
  interface_endpoint_services = ["ssm", "logs", "ecr.api", "ecr.dkr"]
}

data "aws_vpc" "existing" {
  count = local.create_vpc ? 0 : 1
  id    = var.vpc_id

  lifecycle {
    postcondition {
      condition     = length(var.private_subnet_ids) >= 2
      error_message = "private_subnet_ids must list at least two subnets (in different availability zones) when vpc_id is set."
    }
    postcondition {
      condition     = !var.create_vpc_endpoints || length(var.private_route_table_ids) > 0
      error_message = "private_route_table_ids is required when create_vpc_endpoints is true, for the S3 gateway endpoint."
    }
  }
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first az_count names are used, so a zone that AWS adds later creates no subnet.
  state = "available"
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block = var.vpc_cidr
  # Both are needed for private DNS names of the interface endpoints.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = local.prefix }
}

# Removes all rules from the default security group so that nothing uses it by accident.
resource "aws_default_security_group" "this" {
  count  = local.create_vpc ? 1 : 0
  vpc_id = aws_vpc.this[0].id
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? var.az_count : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false

  tags = { Name = "${local.prefix}-private-${data.aws_availability_zones.available.names[count.index]}" }
}

resource "aws_route_table" "private" {
  count  = local.create_vpc ? 1 : 0
  vpc_id = aws_vpc.this[0].id

  tags = { Name = "${local.prefix}-private" }
}

resource "aws_route_table_association" "private" {
  count = local.create_vpc ? var.az_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

resource "aws_flow_log" "this" {
  count = local.create_vpc && var.enable_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = "REJECT"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 600
}

# ---------------------------------------------------------------------------
# VPC endpoints
# ---------------------------------------------------------------------------

resource "aws_security_group" "endpoints" {
  count = local.create_endpoints ? 1 : 0

  name        = "${local.prefix}-endpoints"
  description = "VPC interface endpoints used by ${local.prefix} tasks"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.prefix}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_tasks" {
  count = local.create_endpoints ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from gateway tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.create_endpoints ? toset(local.interface_endpoint_services) : toset([])

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.private_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = { Name = "${local.prefix}-${each.key}" }
}

resource "aws_vpc_endpoint" "s3" {
  count = local.create_endpoints ? 1 : 0

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_table_ids

  tags = { Name = "${local.prefix}-s3" }
}
