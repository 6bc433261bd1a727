"""The reference job in Python: a hardened EKS cluster whose pods cannot read the node role.

- ``HardenedCluster`` (aws-eks-v2) with its system node group on an IMDSv2 / hop-limit-1 launch
  template, Karpenter with its controller on EKS Pod Identity, and a hardened default
  ``EC2NodeClass`` and ``NodePool``; one more pool, on Spot.
- One workload identity: the ``orders/orders-api`` service account on EKS Pod Identity, with
  read/write on one bucket and nothing else.
- The IMDS checker as an aspect: synth reports any hop limit that can be above 1.

``app.py`` synthesizes it; ``tests/test_reference_job.py`` asserts on it with pytest.
"""
from dataclasses import dataclass

from aws_cdk import App, AspectPriority, Aspects, Environment, Stack
from aws_cdk import aws_s3 as s3
from cdk_hardened_eks import (
    AmiAlias,
    AmiFamily,
    AmiSelectorTerm,
    CapacityType,
    HardenedCluster,
    HardenedEc2NodeClassOptions,
    ImdsHopLimitChecker,
    PodIdentity,
)

# An env-specific stack, as production stacks are. The zones a first `cdk synth` with credentials
# would look up and cache in cdk.context.json, given here so the example synthesizes offline.
ENV = Environment(account="111111111111", region="eu-west-1")
ZONES_CONTEXT = {
    "availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
}


@dataclass
class ReferenceJob:
    """What the tests look at."""

    stack: Stack
    cluster: HardenedCluster
    orders: PodIdentity
    bucket: s3.Bucket


def build(app: App, checker: bool = True) -> ReferenceJob:
    """Adds the reference job to ``app`` (and the IMDS checker aspect, unless ``checker`` is False)."""
    stack = Stack(app, "HardenedPlatform", env=ENV)

    # Pin the AMI in production: `@latest` drifts (and replaces nodes) on every AMI release.
    cluster = HardenedCluster(
        stack,
        "Cluster",
        default_node_class_options=HardenedEc2NodeClassOptions(
            ami_selector_terms=[AmiSelectorTerm.from_alias(AmiAlias.of(AmiFamily.AL2023, "v20251117"))],
        ),
    )
    cluster.add_node_pool(
        "spot", node_class=cluster.default_node_class, capacity_types=[CapacityType.SPOT], weight=10
    )

    # One workload, one least-privilege role: read/write on this bucket and nothing else.
    bucket = s3.Bucket(stack, "Orders", enforce_ssl=True)
    orders = cluster.add_pod_identity(
        "OrdersApi", service_account_namespace="orders", service_account="orders-api", create_namespace=True
    )
    bucket.grant_read_write(orders)

    if checker:
        Aspects.of(app).add(ImdsHopLimitChecker(), priority=AspectPriority.READONLY)
    return ReferenceJob(stack=stack, cluster=cluster, orders=orders, bucket=bucket)


def new_app(**kwargs) -> App:
    """An app with the zones context, so an env-specific stack synthesizes without credentials."""
    return App(context=dict(ZONES_CONTEXT), **kwargs)
