"""Structural tests of terraform/*.tf, parsed with python-hcl2.

These read the configuration as written, without a provider or AWS
credentials, so they run anywhere that python-hcl2 installs. Values that only
exist after evaluation (counts, jsonencode output) are covered by
terraform/tests/gateway.tftest.hcl, which needs the terraform binary.
"""

import re
from pathlib import Path

import hcl2
import pytest
from hcl2.utils import SerializationOptions

TERRAFORM_DIR = Path(__file__).resolve().parents[2] / "terraform"

# Actions that AWS authorizes only on "*": no resource-level permissions exist.
NON_RESOURCE_ACTIONS = {"ecr:GetAuthorizationToken"}

CLIENT_ROUTES = {"POST /token", "POST /query", "POST /db/{database}/query/v2"}
# Unauthenticated routes that may be public besides the client routes.
PROBE_ROUTES = {"GET /health", "GET /ready"}

# The daemon's minimum HS256 key length (GW_JWT_MIN_KEY_BYTES in include/gw_jwt.h).
JWT_MIN_KEY_BYTES = 32

# Environment variables whose names contain a secret-looking word but whose
# values are plain settings.
NON_SECRET_ENVIRONMENT = {"TOKEN_FAILURES_PER_ADDRESS"}

# Values CloudWatch Logs accepts for retention_in_days.
CLOUDWATCH_RETENTION_DAYS = {
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
    1827, 2192, 2557, 2922, 3288, 3653,
}


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _load_file(path):
    options = SerializationOptions(
        with_comments=True,
        explicit_blocks=False,
        strip_string_quotes=True,
        preserve_heredocs=False,
    )
    with path.open(encoding="utf-8") as stream:
        return hcl2.load(stream, serialization_options=options)


class Config:
    """Merged view of every top-level .tf file: blocks by type and name."""

    def __init__(self, directory):
        self.files = sorted(directory.glob("*.tf"))
        self.resources = {}
        self.data = {}
        self.variables = {}
        self.locals = {}
        for path in self.files:
            parsed = _load_file(path)
            for block in parsed.get("resource", []):
                self._add_typed(self.resources, block)
            for block in parsed.get("data", []):
                self._add_typed(self.data, block)
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    self.variables[name] = body
            for block in parsed.get("locals", []):
                self.locals.update({k: v for k, v in block.items() if not k.startswith("__")})

    @staticmethod
    def _add_typed(target, block):
        for type_name, by_name in block.items():
            for name, body in by_name.items():
                target.setdefault(type_name, {})[name] = body

    def resources_of(self, type_name):
        return self.resources.get(type_name, {})

    def data_of(self, type_name):
        return self.data.get(type_name, {})


@pytest.fixture(scope="module")
def config():
    assert TERRAFORM_DIR.is_dir(), f"{TERRAFORM_DIR} not found"
    loaded = Config(TERRAFORM_DIR)
    assert loaded.files, f"no .tf files in {TERRAFORM_DIR}"
    return loaded


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _first(block_list):
    """Return the first block of a nested block list, or {} when absent."""
    if isinstance(block_list, list) and block_list:
        return block_list[0]
    return {}


def _comments(body):
    return [comment["value"] for comment in body.get("__comments__", [])]


def _policy_statements(document):
    """Yield every statement of an aws_iam_policy_document, dynamic ones included."""
    yield from document.get("statement", [])
    for dynamic in document.get("dynamic", []):
        for label, body in dynamic.items():
            if label == "statement":
                yield from body.get("content", [])


def _condition_values(statement, variable):
    values = []
    for condition in statement.get("condition", []):
        if condition.get("variable") == variable:
            values.extend(condition.get("values", []))
    return values


def _key_policy_documents(config):
    """Return names of policy documents attached to KMS keys as key policies."""
    names = set()
    for key in config.resources_of("aws_kms_key").values():
        match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", key.get("policy", ""))
        if match:
            names.add(match.group(1))
    return names


def _alarm_metrics(alarm):
    """Return (namespace, metric_name) pairs an alarm reads, metric math included."""
    pairs = []
    if "metric_name" in alarm:
        pairs.append((alarm.get("namespace"), alarm["metric_name"]))
    for query in alarm.get("metric_query", []):
        metric = _first(query.get("metric"))
        if metric:
            pairs.append((metric.get("namespace"), metric.get("metric_name")))
    return pairs


def _find_alarms(config, metric_name, namespace=None):
    found = {}
    for name, alarm in config.resources_of("aws_cloudwatch_metric_alarm").items():
        for alarm_namespace, alarm_metric in _alarm_metrics(alarm):
            if alarm_metric == metric_name and (namespace is None or alarm_namespace == namespace):
                found[name] = alarm
    return found


def _container_definitions(config):
    task = config.resources_of("aws_ecs_task_definition")["gateway"]
    return task["container_definitions"]


# ---------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------


def test_policies_use_policy_documents(config):
    for type_name in ("aws_iam_role_policy", "aws_iam_policy", "aws_sns_topic_policy", "aws_kms_key"):
        for name, resource in config.resources_of(type_name).items():
            policy = resource.get("policy")
            if policy is None:
                continue
            assert re.fullmatch(r"\$\{data\.aws_iam_policy_document\.[\w\[\]0-9]+\.json\}", policy), (
                f"{type_name}.{name}: policy must come from an aws_iam_policy_document "
                f"so that these tests can read its statements, got {policy!r}"
            )


def test_no_wildcard_resource_outside_key_policies(config):
    key_policies = _key_policy_documents(config)
    assert key_policies, "expected KMS keys with policies from aws_iam_policy_document"

    for name, document in config.data_of("aws_iam_policy_document").items():
        for statement in _policy_statements(document):
            if "*" not in statement.get("resources", []):
                continue
            sid = statement.get("sid", "<no sid>")

            if name in key_policies:
                # In a key policy "*" means the key itself, so it cannot be narrowed.
                continue

            actions = set(statement.get("actions", []))
            assert actions <= NON_RESOURCE_ACTIONS, (
                f"data.aws_iam_policy_document.{name} statement {sid}: Resource \"*\" with "
                f"{sorted(actions - NON_RESOURCE_ACTIONS)}, which support resource-level permissions"
            )
            assert any("resource-level" in comment for comment in _comments(document)), (
                f"data.aws_iam_policy_document.{name}: the \"*\" for {sorted(actions)} needs a "
                "comment that explains why it cannot be narrowed"
            )


def test_key_policy_admin_is_root(config):
    for name in _key_policy_documents(config):
        document = config.data_of("aws_iam_policy_document")[name]
        for statement in _policy_statements(document):
            if "kms:*" not in statement.get("actions", []):
                continue
            principal = _first(statement.get("principals"))
            assert principal.get("type") == "AWS", f"{name} {statement.get('sid')}: kms:* must go to an AWS principal"
            assert principal.get("identifiers") == ["arn:${local.partition}:iam::${local.account_id}:root"], (
                f"{name} {statement.get('sid')}: kms:* must go only to this account's root"
            )


def test_get_parameters_scoped_to_parameter_arns(config):
    statements = [
        statement
        for document in config.data_of("aws_iam_policy_document").values()
        for statement in _policy_statements(document)
        if "ssm:GetParameters" in statement.get("actions", [])
    ]
    assert len(statements) == 1, f"expected one statement granting ssm:GetParameters, found {len(statements)}"
    statement = statements[0]

    assert statement["actions"] == ["ssm:GetParameters"], "the SSM statement must grant only ssm:GetParameters"
    assert statement["resources"] == "${local.ssm_parameter_arns}", (
        f"ssm:GetParameters must be scoped to local.ssm_parameter_arns, got {statement['resources']!r}"
    )

    arns = config.locals["ssm_parameter_arns"]
    assert ":ssm:${var.region}:${local.account_id}:parameter${name}" in arns, (
        f"local.ssm_parameter_arns must build full parameter ARNs from the names, got {arns!r}"
    )
    assert "*" not in arns, "parameter ARNs must not contain wildcards"


def test_no_ssm_wildcard_actions(config):
    for name, document in config.data_of("aws_iam_policy_document").items():
        for statement in _policy_statements(document):
            for action in statement.get("actions", []):
                assert not (action.startswith("ssm:") and "*" in action), (
                    f"data.aws_iam_policy_document.{name}: wildcard SSM action {action}"
                )


def test_kms_decrypt_requires_via_ssm(config):
    document = config.data_of("aws_iam_policy_document")["task"]
    decrypt = [s for s in _policy_statements(document) if "kms:Decrypt" in s.get("actions", [])]
    assert len(decrypt) == 1, "the task role must have exactly one kms:Decrypt statement"

    via_service = _condition_values(decrypt[0], "kms:ViaService")
    assert via_service == ["ssm.${var.region}.amazonaws.com"], (
        f"kms:Decrypt must be conditioned on kms:ViaService = ssm.<region>.amazonaws.com, got {via_service!r}"
    )
    assert decrypt[0]["resources"] == ["${local.ssm_kms_key_arn}"], "kms:Decrypt must name only the parameters' key"


def test_task_and_execution_roles_differ(config):
    task = config.resources_of("aws_ecs_task_definition")["gateway"]
    assert task["task_role_arn"] == "${aws_iam_role.task.arn}"
    assert task["execution_role_arn"] == "${aws_iam_role.execution.arn}"


# ---------------------------------------------------------------------------
# Secrets and encryption
# ---------------------------------------------------------------------------


def test_ssm_parameters_are_secure_strings(config):
    parameters = config.resources_of("aws_ssm_parameter")
    assert parameters, "expected aws_ssm_parameter resources"
    for name, parameter in parameters.items():
        assert parameter.get("type") == "SecureString", f"aws_ssm_parameter.{name} must be a SecureString"
        assert parameter.get("key_id", "").startswith("${aws_kms_key."), (
            f"aws_ssm_parameter.{name} must be encrypted with a customer-managed key"
        )


def test_ssm_parameters_ignore_value_changes(config):
    for name, parameter in config.resources_of("aws_ssm_parameter").items():
        lifecycle = _first(parameter.get("lifecycle"))
        assert "value" in lifecycle.get("ignore_changes", []), (
            f"aws_ssm_parameter.{name} must ignore changes to value, which is set outside Terraform"
        )


def test_ssm_parameters_keep_values_out_of_state(config):
    for name, parameter in config.resources_of("aws_ssm_parameter").items():
        assert "value" not in parameter, f"aws_ssm_parameter.{name} must use value_wo, not value"
        assert "value_wo" in parameter, f"aws_ssm_parameter.{name} must set a placeholder through value_wo"


def test_ssm_placeholder_fails_daemon_startup(config):
    # A task must fail at startup while a placeholder is still in place. The
    # daemon rejects a jwt.signing_key shorter than 32 bytes
    # (GW_JWT_MIN_KEY_BYTES) and a client secret hash not of the form
    # sha256$SALT$HASH or pbkdf2-sha256$ITERATIONS$SALT$HASH.
    for name, parameter in config.resources_of("aws_ssm_parameter").items():
        placeholder = parameter["value_wo"]
        assert "${" not in placeholder, f"aws_ssm_parameter.{name} value_wo must be a literal placeholder"
        assert len(placeholder.encode()) < JWT_MIN_KEY_BYTES, (
            f"aws_ssm_parameter.{name} placeholder {placeholder!r} is {len(placeholder.encode())} bytes; "
            f"at {JWT_MIN_KEY_BYTES} or more the daemon would accept it as the JWT signing key"
        )
        assert "$" not in placeholder, (
            f"aws_ssm_parameter.{name} placeholder {placeholder!r} must not look like a client secret hash"
        )


def test_ssm_parameter_names(config):
    names = config.locals["ssm_parameter_names"]
    assert names["neo4j_password"].endswith("/neo4j-password")
    assert names["jwt_signing_key"].endswith("/jwt-signing-key")
    assert names["client_secret_hash"].endswith("/client-${var.client_id}-secret-hash")
    for name in names.values():
        assert name.startswith("${local.ssm_prefix}/"), f"parameter {name} must live under local.ssm_prefix"


def test_kms_keys_rotate(config):
    keys = config.resources_of("aws_kms_key")
    assert keys, "expected customer-managed KMS keys"
    for name, key in keys.items():
        assert key.get("enable_key_rotation") is True, f"aws_kms_key.{name} must have rotation enabled"
        assert "policy" in key, f"aws_kms_key.{name} must have an explicit key policy"


def test_log_groups_have_retention_and_kms(config):
    groups = config.resources_of("aws_cloudwatch_log_group")
    assert groups, "expected CloudWatch log groups"
    for name, group in groups.items():
        assert "retention_in_days" in group, f"aws_cloudwatch_log_group.{name} has no retention"
        assert group.get("kms_key_id", "").startswith("${aws_kms_key."), (
            f"aws_cloudwatch_log_group.{name} must be encrypted with a customer-managed key"
        )


def test_log_retention_default_is_valid(config):
    default = config.variables["log_retention_days"]["default"]
    assert default in CLOUDWATCH_RETENTION_DAYS, f"log_retention_days default {default} is not a CloudWatch value"


def test_alarm_topic_is_encrypted(config):
    for name, topic in config.resources_of("aws_sns_topic").items():
        assert topic.get("kms_master_key_id", "").startswith("${aws_kms_key."), (
            f"aws_sns_topic.{name} must be encrypted with a customer-managed key"
        )


# ---------------------------------------------------------------------------
# ECS
# ---------------------------------------------------------------------------


def test_task_runs_as_non_root(config):
    match = re.search(r'\buser\s*=\s*"([^"]*)"', _container_definitions(config))
    assert match, "container definition sets no user"
    user = match.group(1).split(":")[0]
    assert user == "10001", f"container user must be uid 10001, got {user!r}"


def test_task_root_filesystem_read_only(config):
    assert re.search(r"\breadonlyRootFilesystem\s*=\s*true\b", _container_definitions(config)), (
        "container definition must set readonlyRootFilesystem = true"
    )


def test_task_stop_timeout_is_30s_by_default(config):
    assert re.search(r"\bstopTimeout\s*=\s*local\.stop_timeout_s\b", _container_definitions(config)), (
        "stopTimeout must come from local.stop_timeout_s"
    )
    assert config.locals["stop_timeout_s"] == "${var.drain_timeout_s + 5}"
    assert config.variables["drain_timeout_s"]["default"] + 5 == 30, "default stopTimeout must be 30 s"


def test_task_health_check_uses_daemon(config):
    assert '"--healthcheck"' in _container_definitions(config), (
        "the container health check must call cypher-gateway --healthcheck"
    )


def test_task_environment_has_no_secrets(config):
    definitions = _container_definitions(config)
    assert "secrets" not in definitions, "the daemon reads SSM itself: no ECS secrets block"
    environment = re.findall(r'\{name = "([A-Z0-9_]+)", value = ([^}]*)\}', definitions)
    assert environment, "container definition has no environment entries"
    for name, value in environment:
        if name in NON_SECRET_ENVIRONMENT:
            continue
        if re.search(r"PASSWORD|SECRET|SIGNING_KEY|TOKEN", name):
            assert name.endswith("_REF"), f"environment variable {name} looks like a secret value"
            assert value.startswith('"ssm:'), f"{name} must be an ssm: reference, got {value}"


def test_task_environment_sets_token_failures_per_address(config):
    definitions = _container_definitions(config)
    assert re.search(
        r'\{name = "TOKEN_FAILURES_PER_ADDRESS", value = tostring\(var\.token_failures_per_address\)\}',
        definitions,
    ), "the environment must pass var.token_failures_per_address as TOKEN_FAILURES_PER_ADDRESS"


def test_token_failures_per_address_default_is_high(config):
    # Behind the ALB every client shares an ALB node's source address, so the
    # daemon's own default of 30 would let anyone lock out all clients.
    default = config.variables["token_failures_per_address"]["default"]
    assert default >= 10000, f"token_failures_per_address default {default} would let a few clients lock out all"


def test_client_databases_limited_to_one(config):
    validations = config.variables["client_databases"].get("validation", [])
    conditions = [validation["condition"] for validation in validations]
    assert "${length(var.client_databases) == 1}" in conditions, (
        f"client_databases needs a validation length(var.client_databases) == 1, got {conditions!r}"
    )


def test_task_logs_to_awslogs(config):
    assert re.search(r'logDriver\s*=\s*"awslogs"', _container_definitions(config))


def test_service_circuit_breaker_rolls_back(config):
    service = config.resources_of("aws_ecs_service")["gateway"]
    breaker = _first(service.get("deployment_circuit_breaker"))
    assert breaker.get("enable") is True, "deployment circuit breaker must be enabled"
    assert breaker.get("rollback") is True, "deployment circuit breaker must roll back"


def test_service_has_no_public_ip(config):
    service = config.resources_of("aws_ecs_service")["gateway"]
    assert _first(service.get("network_configuration")).get("assign_public_ip") is False


def test_cluster_container_insights(config):
    cluster = config.resources_of("aws_ecs_cluster")["this"]
    settings = {s["name"]: s["value"] for s in cluster.get("setting", [])}
    assert settings.get("containerInsights") in ("enabled", "enhanced")


def test_autoscaling_on_cpu_and_requests(config):
    metric_types = set()
    for policy in config.resources_of("aws_appautoscaling_policy").values():
        tracking = _first(policy.get("target_tracking_scaling_policy_configuration"))
        metric_types.add(_first(tracking.get("predefined_metric_specification")).get("predefined_metric_type"))
    assert "ECSServiceAverageCPUUtilization" in metric_types
    assert "ALBRequestCountPerTarget" in metric_types


# ---------------------------------------------------------------------------
# API Gateway, ALB and security groups
# ---------------------------------------------------------------------------


def test_api_routes(config):
    routes = config.resources_of("aws_apigatewayv2_route")["gateway"]
    assert routes["for_each"] == "${local.api_routes}"
    assert set(config.locals["client_routes"]) == CLIENT_ROUTES, (
        f"local.client_routes must be exactly {sorted(CLIENT_ROUTES)}"
    )
    assert set(config.locals["probe_routes"]) <= PROBE_ROUTES, "only GET /health and GET /ready may be probe routes"
    assert config.locals["api_routes"] == (
        "${toset(concat(local.client_routes, var.public_probe_routes ? local.probe_routes : []))}"
    ), "local.api_routes must be the client routes plus, optionally, the probes"


def test_api_integration_uses_vpc_link(config):
    integration = config.resources_of("aws_apigatewayv2_integration")["alb"]
    assert integration["connection_type"] == "VPC_LINK"
    assert integration["integration_type"] == "HTTP_PROXY"


def test_api_stage_access_logging(config):
    stage = config.resources_of("aws_apigatewayv2_stage")["default"]
    settings = _first(stage.get("access_log_settings"))
    assert settings.get("destination_arn") == "${aws_cloudwatch_log_group.api_access.arn}"
    assert "$context.requestId" in settings.get("format", "")


def test_alb_is_internal(config):
    alb = config.resources_of("aws_lb")["this"]
    assert alb.get("internal") is True
    assert alb.get("drop_invalid_header_fields") is True


def test_no_ingress_from_anywhere(config):
    for name, rule in config.resources_of("aws_vpc_security_group_ingress_rule").items():
        assert rule.get("cidr_ipv4") != "0.0.0.0/0", f"ingress rule {name} is open to the internet"
        assert "cidr_ipv6" not in rule, f"ingress rule {name} uses an IPv6 CIDR"
        assert "referenced_security_group_id" in rule, f"ingress rule {name} must name a source security group"


def test_tasks_accept_only_alb_on_8080(config):
    rules = [
        rule for rule in config.resources_of("aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == "${aws_security_group.tasks.id}"
    ]
    assert len(rules) == 1, "tasks must have exactly one ingress rule"
    assert rules[0]["referenced_security_group_id"] == "${aws_security_group.alb.id}"
    assert rules[0]["from_port"] == "${local.container_port}"
    assert config.locals["container_port"] == 8080


def test_alb_accepts_only_vpc_link(config):
    rules = [
        rule for rule in config.resources_of("aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == "${aws_security_group.alb.id}"
    ]
    assert len(rules) == 1, "the ALB must have exactly one ingress rule"
    assert rules[0]["referenced_security_group_id"] == "${aws_security_group.vpc_link.id}"


def test_no_egress_on_all_ports(config):
    for name, rule in config.resources_of("aws_vpc_security_group_egress_rule").items():
        assert rule.get("ip_protocol") == "tcp", f"egress rule {name} must be TCP only"
        assert "from_port" in rule, f"egress rule {name} must name its port"
        assert rule["from_port"] == rule.get("to_port"), f"egress rule {name} must open a single port"


# ---------------------------------------------------------------------------
# Metrics and alarms
# ---------------------------------------------------------------------------


def test_metric_filters_cover_access_log(config):
    metrics = config.locals["access_log_metrics"]
    for metric in ("RequestCount", "Http4xxCount", "Http5xxCount", "AuthFailureCount", "Neo4jErrorCount", "LatencyMicros"):
        assert metric in metrics, f"no metric filter for {metric}"
    assert metrics["LatencyMicros"]["value"] == "$.latency_us"
    assert "invalid_token" in metrics["AuthFailureCount"]["pattern"]
    assert "invalid_client" in metrics["AuthFailureCount"]["pattern"]
    assert "Neo.*" in metrics["Neo4jErrorCount"]["pattern"]
    assert "neo4j_*" in metrics["Neo4jErrorCount"]["pattern"]


@pytest.mark.parametrize(
    ("condition", "metric_name", "namespace"),
    [
        ("gateway 5xx rate", "Http5xxCount", "${local.metric_namespace}"),
        ("auth failure spike", "AuthFailureCount", "${local.metric_namespace}"),
        ("ALB unhealthy hosts", "UnHealthyHostCount", "AWS/ApplicationELB"),
        ("running tasks below desired", "RunningTaskCount", "ECS/ContainerInsights"),
        ("API Gateway 5xx", "5xx", "AWS/ApiGateway"),
    ],
)
def test_alarm_exists(config, condition, metric_name, namespace):
    alarms = _find_alarms(config, metric_name, namespace)
    assert alarms, f"no alarm for {condition} ({namespace} {metric_name})"
    for name, alarm in alarms.items():
        assert alarm.get("alarm_actions"), f"alarm {name} ({condition}) notifies nobody"


def test_p99_latency_alarm(config):
    alarms = _find_alarms(config, "LatencyMicros", "${local.metric_namespace}")
    assert alarms, "no alarm on LatencyMicros"
    assert any(alarm.get("extended_statistic") == "p99" for alarm in alarms.values()), (
        "the latency alarm must use the p99 extended statistic"
    )


def test_running_tasks_alarm_compares_with_desired(config):
    alarms = _find_alarms(config, "DesiredTaskCount", "ECS/ContainerInsights")
    assert set(alarms) & set(_find_alarms(config, "RunningTaskCount", "ECS/ContainerInsights")), (
        "one alarm must compare RunningTaskCount with DesiredTaskCount"
    )


def test_task_restart_notification(config):
    rules = config.resources_of("aws_cloudwatch_event_rule")
    rule = rules.get("task_stopped")
    assert rule, "no EventBridge rule for stopped tasks"
    pattern = rule["event_pattern"]
    assert "ECS Task State Change" in pattern
    assert "STOPPED" in pattern
    target = config.resources_of("aws_cloudwatch_event_target")["task_stopped"]
    assert target["arn"] == "${aws_sns_topic.alarms.arn}"


def test_alarm_names_match_kms_grant(config):
    assert config.locals["alarm_name_prefix"] == "${local.prefix}-"
    for name, alarm in config.resources_of("aws_cloudwatch_metric_alarm").items():
        assert alarm["alarm_name"].startswith("${local.alarm_name_prefix}"), (
            f"alarm {name} must be named with local.alarm_name_prefix, or the KMS and topic grants "
            "for CloudWatch will not cover it"
        )


# ---------------------------------------------------------------------------
# Outputs and checkov suppressions
# ---------------------------------------------------------------------------


def test_outputs(config):
    outputs = {}
    for path in config.files:
        for block in _load_file(path).get("output", []):
            outputs.update(block)
    expected = (
        "api_url", "log_group_name", "dashboard_name", "ecs_cluster_name", "ecs_service_name",
        "vpc_id", "vpc_cidr", "private_route_table_ids",
    )
    for name in expected:
        assert name in outputs, f"output {name} missing"


def test_checkov_skips_have_reasons():
    skips = []
    for path in sorted(TERRAFORM_DIR.glob("*.tf")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.search(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", line)
            if match:
                skips.append((f"{path.name}:{number}", match.group(1), (match.group(2) or "").strip()))
    assert skips, "expected the documented checkov skips"
    for location, check_id, reason in skips:
        assert len(reason) >= 40, f"{location}: checkov skip {check_id} needs a reason"
