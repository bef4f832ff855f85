output "api_url" {
  description = "Base URL of the gateway; POST /token, /query and /db/{database}/query/v2 below it."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "log_group_name" {
  description = "CloudWatch log group with the daemon's JSON log lines."
  value       = aws_cloudwatch_log_group.gateway.name
}

output "api_access_log_group_name" {
  description = "CloudWatch log group with the API Gateway access log."
  value       = aws_cloudwatch_log_group.api_access.name
}

output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console link to the dashboard."
  value       = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "alarm_topic_arn" {
  description = "SNS topic that receives alarms and unexpected task stops."
  value       = aws_sns_topic.alarms.arn
}

output "ssm_parameter_names" {
  description = "Parameters to fill with aws ssm put-parameter --type SecureString --overwrite."
  value       = local.ssm_parameter_names
}

output "ssm_kms_key_arn" {
  description = "KMS key to pass as --key-id when putting the parameters."
  value       = local.ssm_kms_key_arn
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "ecs_service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.gateway.name
}

# Network values for connecting the VPC to Neo4j (docs/deploy.md, "Connect
# the VPC to Neo4j"): routes to neo4j_cidr_blocks go into these route tables,
# and Neo4j's firewall must accept vpc_cidr on neo4j_port.

output "vpc_id" {
  description = "VPC of the tasks: the one created here, or var.vpc_id."
  value       = local.vpc_id
}

output "vpc_cidr" {
  description = "Primary CIDR block of that VPC, the source address range of the tasks' connections to Neo4j."
  value       = local.vpc_cidr
}

output "private_route_table_ids" {
  description = "Route tables of the tasks' subnets: the one created here, or var.private_route_table_ids for an existing VPC (empty when that variable was not set)."
  value       = local.route_table_ids
}
