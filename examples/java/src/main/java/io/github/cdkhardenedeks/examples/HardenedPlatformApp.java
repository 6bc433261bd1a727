package io.github.cdkhardenedeks.examples;

import java.util.List;
import java.util.Map;

import io.github.cdkhardenedeks.AmiAlias;
import io.github.cdkhardenedeks.AmiFamily;
import io.github.cdkhardenedeks.AmiSelectorTerm;
import io.github.cdkhardenedeks.CapacityType;
import io.github.cdkhardenedeks.HardenedCluster;
import io.github.cdkhardenedeks.HardenedEc2NodeClass;
import io.github.cdkhardenedeks.HardenedEc2NodeClassOptions;
import io.github.cdkhardenedeks.ImdsHopLimitChecker;
import io.github.cdkhardenedeks.NodePoolOptions;
import io.github.cdkhardenedeks.PodIdentity;
import io.github.cdkhardenedeks.PodIdentityOptions;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.AspectOptions;
import software.amazon.awscdk.AspectPriority;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketProps;

/**
 * The reference job: a HardenedCluster (Karpenter with its controller on Pod Identity, a default
 * EC2NodeClass and NodePool), a spot NodePool, and a workload on Pod Identity that may read and write
 * an S3 bucket; the IMDS hop-limit checker runs as a read-only aspect over the whole app.
 */
public final class HardenedPlatformApp {
    public static final String ACCOUNT = "111111111111";
    public static final String REGION = "eu-west-1";

    /** What {@link #build} made, for the tests. */
    public record Platform(App app, Stack stack, HardenedCluster cluster, PodIdentity orders, Bucket bucket) {}

    private HardenedPlatformApp() {}

    /**
     * An app whose context holds the zones of the stack's explicit env, so that synth does not look them
     * up (there is no AWS account here).
     */
    public static App newApp() {
        return new App(AppProps.builder()
                .context(Map.of(
                        "availability-zones:account=" + ACCOUNT + ":region=" + REGION,
                        List.of(REGION + "a", REGION + "b", REGION + "c")))
                .build());
    }

    /** The reference job with the IMDS hop-limit checker added to the app. */
    public static Platform build(App app) {
        return build(app, true);
    }

    /** The reference job; {@code withChecker} adds the IMDS hop-limit checker as a read-only aspect. */
    public static Platform build(App app, boolean withChecker) {
        Stack stack = new Stack(app, "HardenedPlatform", StackProps.builder()
                .env(Environment.builder().account(ACCOUNT).region(REGION).build())
                .build());

        HardenedCluster cluster = HardenedCluster.Builder.create(stack, "Cluster")
                .defaultNodeClassOptions(HardenedEc2NodeClassOptions.builder()
                        .amiSelectorTerms(List.of(
                                AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, "v20251117"))))
                        .build())
                .build();

        // The zones come from context (explicit env), so the VPC's subnets name them: that is intended.
        Validations.of(cluster.getVpc()).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("The stack has an explicit env; its availability zones are pinned in the app's context.")
                .build());

        HardenedEc2NodeClass defaultNodeClass = cluster.getDefaultNodeClass();
        if (defaultNodeClass == null) {
            throw new IllegalStateException("HardenedCluster made no default EC2NodeClass (is Karpenter off?)");
        }
        cluster.addNodePool("spot", NodePoolOptions.builder()
                .nodeClass(defaultNodeClass)
                .capacityTypes(List.of(CapacityType.SPOT))
                .weight(10)
                .build());

        Bucket bucket = new Bucket(stack, "Orders", BucketProps.builder().enforceSsl(true).build());
        PodIdentity orders = cluster.addPodIdentity("OrdersApi", PodIdentityOptions.builder()
                .serviceAccountNamespace("orders")
                .serviceAccount("orders-api")
                .createNamespace(true)
                .build());
        bucket.grantReadWrite(orders);

        if (withChecker) {
            Aspects.of(app).add(new ImdsHopLimitChecker(),
                    AspectOptions.builder().priority(AspectPriority.READONLY).build());
        }
        return new Platform(app, stack, cluster, orders, bucket);
    }

    public static void main(final String[] args) {
        App app = newApp();
        build(app);
        String dir = app.synth().getDirectory();
        System.out.println("Synthesized the cloud assembly to " + dir);
    }
}
