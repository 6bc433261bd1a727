module github.com/cdk-hardened-eks/cdk-hardened-eks/examples/go

go 1.26.0

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.276.0
	github.com/aws/jsii-runtime-go v1.142.0
	github.com/cdk-hardened-eks/cdk-hardened-eks-go/cdkhardenedeks v0.0.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/aws/constructs-go/constructs/v10 v10.8.1 // indirect
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0 // indirect
	github.com/cdklabs/awscdk-asset-awscli-go/awscliv1/v2 v2.2.292 // indirect
	github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2 v2.1.3 // indirect
	github.com/cdklabs/awscdk-kubectl-go/kubectlv36/v2 v2.0.1 // indirect
	github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v55 v55.6.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/yuin/goldmark v1.7.16 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/telemetry v0.0.0-20261009151841-97e8ea77aa2a // indirect
	golang.org/x/tools v0.52.0 // indirect
	golang.org/x/tools/cmd/godoc v0.1.0-deprecated // indirect
	golang.org/x/tools/godoc v0.1.0-deprecated // indirect
)

// The library's Go module as jsii-pacmak generates it (npx projen package:go, or scripts/test-go.sh).
replace github.com/cdk-hardened-eks/cdk-hardened-eks-go/cdkhardenedeks => ../../dist/go/cdkhardenedeks

// Two of the library's jsii dependencies have no Go module on the Go module proxy this build uses
// (cdk8s-core-go v2.70.0 and awscdk-kubectl-go/kubectlv36 v2.0.1 answer 403), so
// scripts/test-go.sh generates both with jsii-pacmak from the npm packages in node_modules.
replace (
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => ../../dist/go/cdk8s
	github.com/cdklabs/awscdk-kubectl-go/kubectlv36/v2 => ../../dist/go/kubectlv36
)
