"""The reference job, synthesized through the Python binding and checked with ImdsAudit."""
import json
import os
import sys

import pytest
from aws_cdk import assertions
from aws_cdk import aws_ec2 as ec2
from cdk_hardened_eks import ImdsAudit, Severity

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from reference_job import build, new_app  # noqa: E402


def describe(findings):
    return [f"{f.rule_id} {f.resource or ''} {f.kubernetes_object or ''}: {f.message}" for f in findings]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    app = new_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    job = build(app)
    return app, job


def test_no_imds_findings(job):
    app, _ = job
    findings = ImdsAudit.of_stage(app, include_acknowledged=False)
    assert describe(findings) == []


def test_every_launch_template_requires_tokens_at_hop_limit_one(job):
    _, j = job
    template = assertions.Template.from_stack(j.stack)
    templates = template.find_resources("AWS::EC2::LaunchTemplate")
    assert len(templates) >= 1
    for logical_id, resource in templates.items():
        options = resource["Properties"]["LaunchTemplateData"]["MetadataOptions"]
        assert (logical_id, options["HttpTokens"], options["HttpPutResponseHopLimit"]) == (logical_id, "required", 1)


def test_workload_is_on_pod_identity_with_access_to_its_bucket_only(job):
    _, j = job
    template = assertions.Template.from_stack(j.stack)
    template.has_resource_properties(
        "AWS::EKS::PodIdentityAssociation",
        {"Namespace": "orders", "ServiceAccount": "orders-api"},
    )
    # The role's policy names the bucket, never "*".
    policies = template.find_resources("AWS::IAM::Policy")
    orders = [p for p in policies.values() if "OrdersApi" in json.dumps(p["Properties"].get("Roles", []))]
    assert len(orders) == 1
    resources = [r for s in orders[0]["Properties"]["PolicyDocument"]["Statement"] for r in _as_list(s["Resource"])]
    assert resources and "*" not in resources


def test_karpenter_node_class_is_hardened(job):
    _, j = job
    assert j.cluster.karpenter is not None
    assert j.cluster.karpenter.controller_namespace == "kube-system"
    assert j.cluster.default_node_class.node_class_name == "default"
    # The EC2NodeClass object, as the kubectl handler will apply it (its literal text: tokens aside).
    manifests = assertions.Template.from_stack(j.stack).find_resources("Custom::AWSCDK-EKS-KubernetesResource")
    texts = [_literal_text(m["Properties"]["Manifest"]) for m in manifests.values()]
    node_classes = [t for t in texts if '"kind":"EC2NodeClass","metadata":{"name":"default"' in t]
    assert len(node_classes) == 1
    assert '"httpTokens":"required"' in node_classes[0]
    assert '"httpPutResponseHopLimit":1,' in node_classes[0] or '"httpPutResponseHopLimit":1}' in node_classes[0]


def test_escape_hatch_to_hop_limit_3_is_flagged(tmp_path):
    app = new_app(outdir=str(tmp_path))
    j = build(app, checker=False)
    launch_template = j.cluster.system_node_group.launch_template.node.default_child
    assert isinstance(launch_template, ec2.CfnLaunchTemplate)
    launch_template.add_property_override("LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit", 3)

    findings = ImdsAudit.of_stack(j.stack)
    assert [f.rule_id for f in findings if f.rule_id == "HopLimitAboveOne"] == ["HopLimitAboveOne"], describe(findings)
    flagged = next(f for f in findings if f.rule_id == "HopLimitAboveOne")
    assert "3" in flagged.message
    assert flagged.severity == Severity.ERROR
    # The same through the cloud assembly, as the zero-findings test reads it.
    from_assembly = ImdsAudit.of_stage(app, include_acknowledged=False)
    assert [(f.rule_id, f.resource) for f in from_assembly] == [("HopLimitAboveOne", flagged.resource)], describe(from_assembly)


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _literal_text(value):
    """A manifest property's text: a string, or the string parts of an Fn::Join (tokens dropped)."""
    if isinstance(value, str):
        return value
    parts = value.get("Fn::Join", ["", []])[1] if isinstance(value, dict) else []
    return "".join(p if isinstance(p, str) else "<token>" for p in parts)
