package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-hardened-eks/cdk-hardened-eks-go/cdkhardenedeks"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// noPanic runs f and turns a jsii error (a failed CDK assertion panics) into a test failure.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: %v", what, r)
		}
	}()
	f()
}

func TestReferenceAppHasNoImdsFindings(t *testing.T) {
	ref := NewReferenceApp()

	findings := ref.Findings()
	if len(findings) != 0 {
		lines := make([]string, 0, len(findings))
		for _, f := range findings {
			lines = append(lines, FormatFinding(f))
		}
		t.Fatalf("expected no IMDS findings, got %d:\n%s", len(findings), strings.Join(lines, "\n"))
	}

	template := assertions.Template_FromStack(ref.Stack, nil)
	noPanic(t, "pod identity association", func() {
		template.HasResourceProperties(jsii.String("AWS::EKS::PodIdentityAssociation"), assertions.Match_ObjectLike(&map[string]interface{}{
			"Namespace":      "orders",
			"ServiceAccount": "orders-api",
		}))
	})
	noPanic(t, "launch template on IMDSv2 with hop limit 1", func() {
		template.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), assertions.Match_ObjectLike(&map[string]interface{}{
			"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]interface{}{
				"MetadataOptions": assertions.Match_ObjectLike(&map[string]interface{}{
					"HttpTokens":              "required",
					"HttpPutResponseHopLimit": 1,
				}),
			}),
		}))
	})
}

func TestHopLimitOverrideIsFound(t *testing.T) {
	ref := NewReferenceApp()

	// The escape hatch a user might reach for: hop limit 3 on the system node group's launch template.
	lt, ok := ref.Cluster.SystemNodeGroup().LaunchTemplate().Node().DefaultChild().(awsec2.CfnLaunchTemplate)
	if !ok {
		t.Fatal("the system node group's launch template has no CfnLaunchTemplate default child")
	}
	lt.AddPropertyOverride(jsii.String("LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit"), jsii.Number(3))

	if got := *cdkhardenedeks.RuleId_HOP_LIMIT_ABOVE_ONE(); got != "HopLimitAboveOne" {
		t.Fatalf("RuleId_HOP_LIMIT_ABOVE_ONE() is %q", got)
	}
	findings := ref.Findings()
	var summary []string
	hopLimit := 0
	for _, f := range findings {
		summary = append(summary, FormatFinding(f))
		if f.RuleId != nil && *f.RuleId == "HopLimitAboveOne" {
			hopLimit++
		}
	}
	if hopLimit == 0 {
		t.Fatalf("expected a HopLimitAboveOne finding, got %d finding(s):\n%s", len(findings), strings.Join(summary, "\n"))
	}
	fmt.Printf("hop limit 3 override: %d finding(s):\n  %s\n", len(findings), strings.Join(summary, "\n  "))
}
