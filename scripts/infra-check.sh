#!/usr/bin/env bash
# Check the deployment files offline. Runs checkov on terraform/ and the
# Dockerfile, and the python-hcl2 structural tests in tests/infra. When a
# terraform binary and the hashicorp/aws provider are available locally, it
# also runs terraform fmt, validate and the mocked `terraform test` runs.
#
# Usage: scripts/infra-check.sh
#
# Environment:
#   TERRAFORM                 terraform binary (default: terraform on PATH)
#   TF_PROVIDER_MIRROR        filesystem mirror holding
#                             registry.terraform.io/hashicorp/aws/<version>/<os_arch>/
#                             (default: /opt/tf-plugins when it exists)
#   INFRA_CHECK_REQUIRE_TERRAFORM=1
#                             fail instead of skipping when terraform or the
#                             provider is missing
#
# Python packages come from PyPI into two virtualenvs under .cache/venv-infra,
# because checkov depends on bc-python-hcl2, which installs the same `hcl2`
# module as python-hcl2 and would shadow it.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

checkov_version=3.3.30
python_hcl2_version=8.1.4
pytest_version=9.2.0

venv_root=.cache/venv-infra
checkov_venv=$venv_root/checkov
tests_venv=$venv_root/tests
validate_dir=.cache/terraform-validate

# Terraform's update check calls a HashiCorp host; never make that call.
export CHECKPOINT_DISABLE=1

failures=()
skipped=()

log() { printf 'infra-check: %s\n' "$*" >&2; }
record_failure() {
    log "FAILED: $1"
    failures+=("$1")
}
record_skip() {
    log "SKIPPED: $1"
    skipped+=("$1")
}

# Runs a command without network access where this user may create a
# network namespace (root), so that no check can reach an outside host.
# Elsewhere it runs the command as is.
offline() {
    if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare --net true 2>/dev/null; then
        unshare --net "$@"
    else
        "$@"
    fi
}

# Creates or reuses a virtualenv whose stamp file records the pinned packages.
ensure_venv() {
    local venv=$1
    shift
    local stamp=$venv/.pinned
    local wanted="$*"

    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    log "creating $venv with $wanted"
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" || return 1
    printf '%s' "$wanted" >"$stamp"
}

# ---------------------------------------------------------------------------
# checkov
# ---------------------------------------------------------------------------

if ensure_venv "$checkov_venv" "checkov==$checkov_version"; then
    log "checkov $checkov_version: terraform/"
    if ! offline env BC_SKIP_MAPPING=TRUE "$checkov_venv/bin/checkov" \
        -d terraform --config-file terraform/.checkov.yaml --quiet --compact; then
        record_failure "checkov found issues in terraform/"
    fi

    log "checkov $checkov_version: Dockerfile"
    if ! offline env BC_SKIP_MAPPING=TRUE "$checkov_venv/bin/checkov" \
        -f Dockerfile --framework dockerfile --skip-download --quiet --compact; then
        record_failure "checkov found issues in Dockerfile"
    fi
else
    record_failure "pip install checkov==$checkov_version failed"
fi

# ---------------------------------------------------------------------------
# Structural tests
# ---------------------------------------------------------------------------

if ensure_venv "$tests_venv" "python-hcl2==$python_hcl2_version" "pytest==$pytest_version"; then
    log "pytest tests/infra"
    # No bytecode or cache files land in the work tree.
    if ! offline env PYTHONDONTWRITEBYTECODE=1 "$tests_venv/bin/python" -m pytest -q -p no:cacheprovider tests/infra; then
        record_failure "pytest tests/infra"
    fi
else
    record_failure "pip install python-hcl2==$python_hcl2_version pytest==$pytest_version failed"
fi

# ---------------------------------------------------------------------------
# terraform fmt, validate and test
# ---------------------------------------------------------------------------

# registry.terraform.io and releases.hashicorp.com may be unreachable, so the
# provider is installed only from a local filesystem mirror, and init,
# validate and test run without network access where offline() can do that.
run_terraform_checks() {
    local terraform_bin=$1
    local mirror=$2
    local have_provider=0
    if [ -n "$mirror" ] && [ -d "$mirror/registry.terraform.io/hashicorp/aws" ]; then
        have_provider=1
    fi

    # A scratch copy keeps .terraform/ and a lock file with mirror-only hashes
    # out of terraform/. Its CLI config replaces any TF_CLI_CONFIG_FILE or
    # ~/.terraformrc of the caller.
    rm -rf "$validate_dir"
    mkdir -p "$validate_dir"
    cp terraform/*.tf "$validate_dir/"
    cp -r terraform/tests "$validate_dir/tests"
    if [ "$have_provider" -eq 1 ]; then
        cat >"$validate_dir/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$(cd "$mirror" && pwd)"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
EOF
    else
        : >"$validate_dir/cli.tfrc"
    fi
    export TF_CLI_CONFIG_FILE=$repo_root/$validate_dir/cli.tfrc

    log "$("$terraform_bin" version | head -n 1): fmt -check -recursive terraform"
    if ! "$terraform_bin" fmt -check -recursive -diff terraform; then
        record_failure "terraform fmt -check (run 'terraform fmt -recursive terraform')"
    fi

    if [ "$have_provider" -eq 0 ]; then
        local message="terraform validate and test: provider hashicorp/aws not found in a local mirror (set TF_PROVIDER_MIRROR); terraform init cannot download it without registry.terraform.io"
        if [ "${INFRA_CHECK_REQUIRE_TERRAFORM:-0}" = 1 ]; then
            record_failure "$message"
        else
            record_skip "$message"
        fi
        return 0
    fi

    log "terraform init -backend=false (provider from $mirror)"
    if ! (cd "$validate_dir" && offline "$terraform_bin" init -backend=false -input=false -no-color >init.log 2>&1); then
        cat "$validate_dir/init.log" >&2
        record_failure "terraform init with the provider mirror $mirror"
        return 0
    fi

    log "terraform validate"
    if ! (cd "$validate_dir" && offline "$terraform_bin" validate -no-color); then
        record_failure "terraform validate"
    fi

    log "terraform test (mocked AWS provider, no AWS calls)"
    if ! (cd "$validate_dir" && offline "$terraform_bin" test -no-color); then
        record_failure "terraform test"
    fi
}

terraform_bin=${TERRAFORM:-$(command -v terraform || true)}
provider_mirror=${TF_PROVIDER_MIRROR:-}
if [ -z "$provider_mirror" ] && [ -d /opt/tf-plugins ]; then
    provider_mirror=/opt/tf-plugins
fi

if [ -n "$terraform_bin" ] && [ -x "$terraform_bin" ]; then
    run_terraform_checks "$terraform_bin" "$provider_mirror"
elif [ "${INFRA_CHECK_REQUIRE_TERRAFORM:-0}" = 1 ]; then
    record_failure "terraform binary not found (set TERRAFORM)"
else
    record_skip "terraform fmt, validate and test: no terraform binary on PATH (set TERRAFORM)"
fi

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------

for message in "${skipped[@]}"; do
    log "skipped: $message"
done
if [ "${#failures[@]}" -gt 0 ]; then
    for message in "${failures[@]}"; do
        log "failed: $message"
    done
    exit 1
fi
log "PASSED"
