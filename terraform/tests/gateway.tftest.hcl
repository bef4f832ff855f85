# Offline plan/apply tests: `terraform test` with a mocked AWS provider. No
# request reaches AWS, and resources get fake ids and ARNs, so these runs check
# the configuration's own logic (counts, conditions, container definition,
# routes, validations), not what AWS would accept.
#
# Needs the hashicorp/aws provider binary for its schema (terraform init).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }

  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.1.0.0/16" }
  }

  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  # The provider validates ARN arguments even with mocks, so every ARN that
  # feeds another resource gets a well-formed fake.
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:cypher-gateway-prod-alarms" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/cypher-gateway/prod/mock" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/cypher-gateway-prod-mock" }
  }

  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/cypher-gateway-prod/0123456789abcdef"
      arn_suffix = "app/cypher-gateway-prod/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/cypher-gateway-prod/0123456789abcdef"
      arn_suffix = "targetgroup/cypher-gateway-prod/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/cypher-gateway-prod/0123456789abcdef/0123456789abcdef" }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/cypher-gateway-prod" }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/cypher-gateway-prod-task-stopped" }
  }

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cypher-gateway-prod-mock" }
  }
}

variables {
  region            = "us-east-1"
  neo4j_url         = "https://neo4j.internal.example.com:7473"
  neo4j_cidr_blocks = ["10.2.0.0/24"]
  image_uri         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/cypher-gateway:1.0.0"
}

run "new_vpc_defaults" {
  command = apply

  assert {
    condition     = length(aws_vpc.this) == 1 && length(aws_subnet.private) == 2
    error_message = "A VPC with two private subnets must be created when vpc_id is null."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ssm", "logs", "ecr.api", "ecr.dkr"])
    error_message = "A new VPC has no NAT, so it needs the ssm, logs, ecr.api and ecr.dkr interface endpoints."
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3) == 1 && length(aws_vpc_security_group_egress_rule.tasks_to_aws_apis) == 0
    error_message = "With endpoints, tasks must not get 443 egress to 0.0.0.0/0."
  }

  assert {
    condition     = length(aws_lb_listener.http) == 1 && length(aws_lb_listener.https) == 0
    error_message = "Without alb_certificate_arn the ALB must have only the HTTP listener."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].user == "10001"
    error_message = "The container must run as uid 10001."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The container root filesystem must be read-only."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].stopTimeout == 30
    error_message = "stopTimeout must be drain_timeout_s (25) + 5 = 30."
  }

  assert {
    condition     = aws_lb_target_group.gateway.deregistration_delay == "25"
    error_message = "The ALB deregistration delay must equal drain_timeout_s."
  }

  assert {
    condition     = !contains([for variable in jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].environment : variable.name], "NEO4J_PASSWORD")
    error_message = "The task definition environment must not carry the Neo4j password."
  }

  assert {
    condition     = toset(keys(aws_apigatewayv2_route.gateway)) == toset(["POST /token", "POST /query", "POST /db/{database}/query/v2", "GET /health", "GET /ready"])
    error_message = "By default the API must route the three client routes and the two probes, and nothing else."
  }

  assert {
    condition = alltrue([
      for variable in jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].environment :
      startswith(variable.value, "ssm:/cypher-gateway/prod/") if endswith(variable.name, "_REF")
    ])
    error_message = "Every secret reference in the environment must point at an SSM parameter under the prefix."
  }

  assert {
    condition     = aws_ecs_service.gateway.deployment_circuit_breaker[0].enable && aws_ecs_service.gateway.deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must be on, with rollback."
  }

  assert {
    condition     = output.ssm_parameter_names["client_secret_hash"] == "/cypher-gateway/prod/client-app-secret-hash"
    error_message = "The client secret hash parameter must be <prefix>/client-<id>-secret-hash."
  }

  assert {
    condition     = alltrue([for parameter in aws_ssm_parameter.secret : parameter.type == "SecureString"])
    error_message = "Every parameter must be a SecureString."
  }

  assert {
    condition     = length(aws_ssm_parameter.secret) == 3
    error_message = "Expected neo4j-password, jwt-signing-key and one client hash parameter."
  }

  assert {
    condition = contains([
      for variable in jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].environment :
      variable.value if variable.name == "CLIENT_DATABASES"
    ], "neo4j")
    error_message = "CLIENT_DATABASES must be the one name in client_databases."
  }

  assert {
    condition = contains([
      for variable in jsondecode(aws_ecs_task_definition.gateway.container_definitions)[0].environment :
      variable.value if variable.name == "TOKEN_FAILURES_PER_ADDRESS"
    ], "100000")
    error_message = "TOKEN_FAILURES_PER_ADDRESS must carry token_failures_per_address (default 100000)."
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.tasks_to_neo4j)) == toset(["10.2.0.0/24"])
    error_message = "The tasks need one Neo4j egress rule per block in neo4j_cidr_blocks."
  }

  assert {
    condition     = output.vpc_cidr == "10.40.0.0/16" && length(output.private_route_table_ids) == 1
    error_message = "The outputs must give the created VPC's CIDR block and its one private route table."
  }
}

run "client_routes_only" {
  command = plan

  variables {
    public_probe_routes = false
  }

  assert {
    condition     = toset(keys(aws_apigatewayv2_route.gateway)) == toset(["POST /token", "POST /query", "POST /db/{database}/query/v2"])
    error_message = "public_probe_routes = false must leave exactly the three client routes."
  }
}

run "existing_vpc_with_nat" {
  command = plan

  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-0000000000000000a", "subnet-0000000000000000b"]
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.private) == 0
    error_message = "No VPC or subnet may be created when vpc_id is given."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_endpoint.s3) == 0
    error_message = "No endpoints are created in an existing VPC unless create_vpc_endpoints is true."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.tasks_to_aws_apis) == 1
    error_message = "Without endpoints the tasks need 443 egress through NAT."
  }

  assert {
    condition     = length(aws_flow_log.this) == 0
    error_message = "Flow logs are only managed for a VPC created here."
  }

  assert {
    condition     = output.vpc_id == "vpc-0123456789abcdef0" && output.vpc_cidr == "10.1.0.0/16"
    error_message = "The outputs must give the existing VPC's id and CIDR block."
  }
}

# Aura listens on 443 on the internet, which the NAT rule for AWS APIs
# (443 to 0.0.0.0/0) already allows. A second, identical rule would make AWS
# reject the apply, so no Neo4j rule may be planned for that block.
run "aura_through_nat" {
  command = plan

  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-0000000000000000a", "subnet-0000000000000000b"]
    neo4j_url          = "https://0123abcd.databases.neo4j.io"
    neo4j_port         = 443
    neo4j_cidr_blocks  = ["0.0.0.0/0"]
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.tasks_to_neo4j) == 0
    error_message = "443 to 0.0.0.0/0 for Neo4j duplicates the AWS API rule and must be left out."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.tasks_to_aws_apis) == 1
    error_message = "The AWS API rule (443 to 0.0.0.0/0) must remain, and it carries the Aura traffic."
  }
}

run "aura_with_private_block_through_nat" {
  command = plan

  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-0000000000000000a", "subnet-0000000000000000b"]
    neo4j_port         = 443
    neo4j_cidr_blocks  = ["0.0.0.0/0", "10.2.0.0/24"]
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.tasks_to_neo4j)) == toset(["10.2.0.0/24"])
    error_message = "Only the 0.0.0.0/0 block may be left out; other Neo4j blocks keep their rule."
  }
}

run "internet_neo4j_on_other_port_through_nat" {
  command = plan

  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-0000000000000000a", "subnet-0000000000000000b"]
    neo4j_port         = 7473
    neo4j_cidr_blocks  = ["0.0.0.0/0"]
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.tasks_to_neo4j)) == toset(["0.0.0.0/0"])
    error_message = "On a port other than 443, 0.0.0.0/0 duplicates nothing and needs its own Neo4j rule."
  }
}

run "existing_vpc_without_nat" {
  command = plan

  variables {
    vpc_id                  = "vpc-0123456789abcdef0"
    private_subnet_ids      = ["subnet-0000000000000000a", "subnet-0000000000000000b"]
    private_route_table_ids = ["rtb-0000000000000000a"]
    create_vpc_endpoints    = true
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 4 && length(aws_vpc_endpoint.s3) == 1
    error_message = "create_vpc_endpoints must create the four interface endpoints and the S3 gateway endpoint."
  }
}

run "existing_vpc_needs_two_subnets" {
  command = plan

  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-0000000000000000a"]
  }

  expect_failures = [data.aws_vpc.existing]
}

run "https_listener" {
  command = plan

  variables {
    alb_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    alb_certificate_domain = "gateway.internal.example.com"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && length(aws_lb_listener.http) == 0
    error_message = "alb_certificate_arn must switch the ALB to an HTTPS listener only."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.alb_from_vpc_link.from_port == 443
    error_message = "With HTTPS the VPC link must reach the ALB on 443."
  }
}

run "https_listener_needs_domain" {
  command = plan

  variables {
    alb_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [aws_apigatewayv2_integration.alb]
}

run "existing_parameters" {
  command = plan

  variables {
    create_ssm_parameters           = false
    existing_parameters_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  }

  assert {
    condition     = length(aws_ssm_parameter.secret) == 0
    error_message = "create_ssm_parameters = false must not create parameters."
  }

  assert {
    condition     = output.ssm_kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    error_message = "The task must be allowed to decrypt with the existing parameters' key."
  }
}

run "drain_timeout_over_fargate_limit" {
  command = plan

  variables {
    drain_timeout_s = 120
  }

  expect_failures = [var.drain_timeout_s]
}

run "client_databases_more_than_one" {
  command = plan

  variables {
    client_databases = ["neo4j", "movies"]
  }

  expect_failures = [var.client_databases]
}

run "token_failures_per_address_zero" {
  command = plan

  variables {
    token_failures_per_address = 0
  }

  expect_failures = [var.token_failures_per_address]
}
