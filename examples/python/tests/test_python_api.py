"""The library's API as a Python team uses it beyond the reference job."""
import os
import sys

import jsii
import pytest
from aws_cdk import assertions
from cdk_hardened_eks import IEc2NodeClassRef, NodePoolRequirement, RequirementOperator

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from reference_job import build, new_app  # noqa: E402


@jsii.implements(IEc2NodeClassRef)
class TeamNodeClass:
    """A node class another tool applies, named by a Python object that implements the interface."""

    @property
    def node_class_name(self) -> str:
        return "gpu-team"


def _manifest_texts(stack):
    manifests = assertions.Template.from_stack(stack).find_resources("Custom::AWSCDK-EKS-KubernetesResource")
    texts = []
    for m in manifests.values():
        value = m["Properties"]["Manifest"]
        parts = value["Fn::Join"][1] if isinstance(value, dict) else [value]
        texts.append("".join(p if isinstance(p, str) else "<token>" for p in parts))
    return texts


def test_a_python_class_implements_the_node_class_reference(tmp_path):
    app = new_app(outdir=str(tmp_path))
    job = build(app, checker=False)
    pool = job.cluster.add_node_pool("gpu", node_class=TeamNodeClass(), weight=5)
    # A struct as the last parameter is keyword arguments in Python.
    pool.add_requirement(key="karpenter.k8s.aws/instance-family", requirement_operator=RequirementOperator.IN, values=["g6"])
    # Elsewhere it is the struct class.
    spot = job.cluster.add_node_pool("spot-arm", node_class=job.cluster.default_node_class, requirements=[
        NodePoolRequirement(key="kubernetes.io/arch", requirement_operator=RequirementOperator.IN, values=["arm64"]),
    ])
    assert spot.node_pool_name == "spot-arm"
    texts = [t for t in _manifest_texts(job.stack) if '"kind":"NodePool","metadata":{"name":"gpu"' in t]
    assert len(texts) == 1
    assert '"nodeClassRef":{"group":"karpenter.k8s.aws","kind":"EC2NodeClass","name":"gpu-team"}' in texts[0]
    assert '{"key":"karpenter.k8s.aws/instance-family","operator":"In","values":["g6"]}' in texts[0]
    arm = [t for t in _manifest_texts(job.stack) if '"kind":"NodePool","metadata":{"name":"spot-arm"' in t]
    assert len(arm) == 1 and '{"key":"kubernetes.io/arch","operator":"In","values":["arm64"]}' in arm[0]


def test_bad_input_raises_a_python_error_naming_the_prop(tmp_path):
    app = new_app(outdir=str(tmp_path))
    job = build(app, checker=False)
    with pytest.raises(RuntimeError, match=r"serviceAccountNamespace \"Orders_Team\" is not a Kubernetes namespace name"):
        job.cluster.add_pod_identity("Bad", service_account_namespace="Orders_Team", service_account="api")
