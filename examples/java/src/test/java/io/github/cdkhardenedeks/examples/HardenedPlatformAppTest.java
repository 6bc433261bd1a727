package io.github.cdkhardenedeks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.github.cdkhardenedeks.Finding;
import io.github.cdkhardenedeks.ImdsAudit;
import io.github.cdkhardenedeks.ImdsAuditOptions;
import io.github.cdkhardenedeks.RuleId;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.CfnLaunchTemplate;

class HardenedPlatformAppTest {

    private static final ImdsAuditOptions UNACKNOWLEDGED =
            ImdsAuditOptions.builder().includeAcknowledged(false).build();

    private static String describe(List<Finding> findings) {
        return findings.stream()
                .map(f -> "[" + f.getRuleId() + "] " + f.getSeverity() + " "
                        + (f.getConstructPath() != null ? f.getConstructPath() : f.getResource())
                        + (f.getProperty() != null ? " " + f.getProperty() : "")
                        + ": " + f.getMessage())
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    @Test
    void referenceJobHasNoImdsFinding() {
        App app = HardenedPlatformApp.newApp();
        HardenedPlatformApp.Platform platform = HardenedPlatformApp.build(app);

        List<Finding> findings = ImdsAudit.ofStage(app, UNACKNOWLEDGED);
        assertTrue(findings.isEmpty(), () -> findings.size() + " IMDS finding(s):" + describe(findings));

        Template template = Template.fromStack(platform.stack());
        template.hasResourceProperties("AWS::EKS::PodIdentityAssociation", Match.objectLike(Map.of(
                "Namespace", "orders",
                "ServiceAccount", "orders-api")));
        template.hasResourceProperties("AWS::EC2::LaunchTemplate", Match.objectLike(Map.of(
                "LaunchTemplateData", Match.objectLike(Map.of(
                        "MetadataOptions", Match.objectLike(Map.of(
                                "HttpTokens", "required",
                                "HttpPutResponseHopLimit", 1)))))));
        // The checker aspect reported nothing either.
        Annotations.fromStack(platform.stack()).hasNoError("*", Match.anyValue());
    }

    /** The reference job with hop limit 3 on the system node group's launch template, through the escape hatch. */
    private static HardenedPlatformApp.Platform withHopLimitThree(App app, boolean withChecker) {
        HardenedPlatformApp.Platform platform = HardenedPlatformApp.build(app, withChecker);
        CfnLaunchTemplate lt = (CfnLaunchTemplate) platform.cluster().getSystemNodeGroup()
                .getLaunchTemplate().getNode().getDefaultChild();
        lt.addPropertyOverride("LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit", 3);
        return platform;
    }

    @Test
    void hopLimitThreeThroughTheEscapeHatchIsFound() {
        App app = HardenedPlatformApp.newApp();
        withHopLimitThree(app, false);

        List<Finding> findings = ImdsAudit.ofStage(app, UNACKNOWLEDGED);
        assertTrue(findings.stream().anyMatch(f -> RuleId.HOP_LIMIT_ABOVE_ONE.equals(f.getRuleId())),
                () -> "no " + RuleId.HOP_LIMIT_ABOVE_ONE + " finding among " + findings.size() + ":" + describe(findings));
        assertEquals("HopLimitAboveOne", RuleId.HOP_LIMIT_ABOVE_ONE);
    }

    @Test
    void theCheckerAspectReportsTheEscapeHatchAsAnError() {
        App app = HardenedPlatformApp.newApp();
        HardenedPlatformApp.Platform platform = withHopLimitThree(app, true);

        // Annotations.fromStack synthesizes the app, so the aspect runs.
        Annotations.fromStack(platform.stack()).hasError("*",
                Match.stringLikeRegexp(".*" + RuleId.HOP_LIMIT_ABOVE_ONE + ".*"));
        List<Finding> findings = ImdsAudit.ofStage(app, UNACKNOWLEDGED);
        assertTrue(findings.stream().anyMatch(f -> RuleId.HOP_LIMIT_ABOVE_ONE.equals(f.getRuleId())),
                () -> "no " + RuleId.HOP_LIMIT_ABOVE_ONE + " finding among " + findings.size() + ":" + describe(findings));
    }

    /** The entry points typed `any` in TypeScript take plain Java maps and lists. */
    @Test
    void templatesAndKubernetesObjectsAsJavaMaps() {
        App app = HardenedPlatformApp.newApp();
        HardenedPlatformApp.Platform platform = HardenedPlatformApp.build(app, false);

        Map<String, Object> template = Template.fromStack(platform.stack()).toJSON();
        List<Finding> ofTemplate = ImdsAudit.ofTemplate(template, UNACKNOWLEDGED);
        assertTrue(ofTemplate.isEmpty(), () -> ofTemplate.size() + " IMDS finding(s):" + describe(ofTemplate));
        // The map reaches the engine: a launch template at hop limit 2, written as Java maps, is found.
        Map<String, Object> loose = Map.of("Resources", Map.of("Loose", Map.of(
                "Type", "AWS::EC2::LaunchTemplate",
                "Properties", Map.of("LaunchTemplateData", Map.of("MetadataOptions", Map.of(
                        "HttpTokens", "required", "HttpPutResponseHopLimit", 2))))));
        List<Finding> ofLoose = ImdsAudit.ofTemplate(loose, UNACKNOWLEDGED);
        assertTrue(ofLoose.stream().anyMatch(f -> RuleId.HOP_LIMIT_ABOVE_ONE.equals(f.getRuleId()) && "Loose".equals(f.getResource())),
                () -> "no " + RuleId.HOP_LIMIT_ABOVE_ONE + " finding on Loose among " + ofLoose.size() + ":" + describe(ofLoose));

        Map<String, Object> nodeClass = Map.of(
                "apiVersion", "karpenter.k8s.aws/v1",
                "kind", "EC2NodeClass",
                "metadata", Map.of("name", "loose"),
                "spec", Map.of(
                        "amiSelectorTerms", List.of(Map.of("alias", "al2023@v20251117")),
                        "metadataOptions", Map.of("httpTokens", "required", "httpPutResponseHopLimit", 2)));
        List<Finding> ofObjects = ImdsAudit.ofKubernetesObjects(List.of(nodeClass));
        assertTrue(ofObjects.stream().anyMatch(f -> RuleId.HOP_LIMIT_ABOVE_ONE.equals(f.getRuleId())),
                () -> "no " + RuleId.HOP_LIMIT_ABOVE_ONE + " finding among " + ofObjects.size() + ":" + describe(ofObjects));
    }
}
