// Command reference synthesizes the cdk-hardened-eks "reference job" from Go: a HardenedCluster
// (Karpenter with its controller on EKS Pod Identity, a default EC2NodeClass pinned to an AL2023
// AMI release and a default NodePool), a spot NodePool, an S3 bucket and a workload identity on
// EKS Pod Identity with read/write on it, and the IMDS hop-limit checker as a read-only aspect.
//
// It prints the number of synthesized stacks and IMDS findings, and exits 1 on any finding.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-hardened-eks/cdk-hardened-eks-go/cdkhardenedeks"
)

// ReferenceApp is the reference job's app with the constructs the tests look into.
type ReferenceApp struct {
	App     awscdk.App
	Stack   awscdk.Stack
	Cluster cdkhardenedeks.HardenedCluster
	Orders  cdkhardenedeks.PodIdentity
}

// NewReferenceApp builds (does not synthesize) the reference job.
func NewReferenceApp() *ReferenceApp {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("HardenedPlatform"), nil)

	// HardenedCluster brings Karpenter (controller on Pod Identity), a default EC2NodeClass and a
	// default NodePool; pin the AMI release (an @latest alias replaces nodes on every release).
	cluster := cdkhardenedeks.NewHardenedCluster(stack, jsii.String("Cluster"), &cdkhardenedeks.HardenedClusterProps{
		DefaultNodeClassOptions: &cdkhardenedeks.HardenedEc2NodeClassOptions{
			AmiSelectorTerms: &[]cdkhardenedeks.AmiSelectorTerm{
				cdkhardenedeks.AmiSelectorTerm_FromAlias(
					cdkhardenedeks.AmiAlias_Of(cdkhardenedeks.AmiFamily_AL2023(), jsii.String("v20251117"))),
			},
		},
	})
	cluster.AddNodePool(jsii.String("spot"), &cdkhardenedeks.NodePoolOptions{
		NodeClass:     cluster.DefaultNodeClass(),
		CapacityTypes: &[]cdkhardenedeks.CapacityType{cdkhardenedeks.CapacityType_SPOT()},
		Weight:        jsii.Number(10),
	})

	bucket := awss3.NewBucket(stack, jsii.String("Orders"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})
	orders := cluster.AddPodIdentity(jsii.String("OrdersApi"), &cdkhardenedeks.PodIdentityOptions{
		ServiceAccountNamespace: jsii.String("orders"),
		ServiceAccount:          jsii.String("orders-api"),
		CreateNamespace:         jsii.Bool(true),
	})
	bucket.GrantReadWrite(orders, nil)

	awscdk.Aspects_Of(app).Add(cdkhardenedeks.NewImdsHopLimitChecker(nil), &awscdk.AspectOptions{
		Priority: awscdk.AspectPriority_READONLY(),
	})

	return &ReferenceApp{App: app, Stack: stack, Cluster: cluster, Orders: orders}
}

// Findings synthesizes the app and returns its IMDS findings (acknowledged ones left out).
func (r *ReferenceApp) Findings() []*cdkhardenedeks.Finding {
	found := cdkhardenedeks.ImdsAudit_OfStage(r.App, &cdkhardenedeks.ImdsAuditOptions{
		IncludeAcknowledged: jsii.Bool(false),
	})
	if found == nil {
		return nil
	}
	return *found
}

// FormatFinding renders one finding on one line.
func FormatFinding(f *cdkhardenedeks.Finding) string {
	return fmt.Sprintf("%s [%s] %s: %s (fix: %s)",
		deref(f.RuleId), f.Severity, firstOf(f.ConstructPath, f.Resource, f.KubernetesObject), deref(f.Message), deref(f.Fix))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func firstOf(ss ...*string) string {
	for _, s := range ss {
		if s != nil && *s != "" {
			return *s
		}
	}
	return "?"
}

func run() int {
	ref := NewReferenceApp()
	assembly := ref.App.Synth(nil)
	findings := ref.Findings()
	fmt.Printf("synthesized %d stacks to %s; IMDS findings: %d\n", len(*assembly.Stacks()), *assembly.Directory(), len(findings))
	for _, f := range findings {
		fmt.Fprintln(os.Stderr, FormatFinding(f))
	}
	if len(findings) > 0 {
		return 1
	}
	return 0
}

func main() {
	code := run()
	jsii.Close() // os.Exit skips deferred calls: stop the jsii kernel (node) first.
	os.Exit(code)
}
