// One naming of stacks: a finding in a nested stack names the same stack (its construct path) and
// the same construct whether it comes from the construct tree (ImdsAudit.ofStack, the aspect) or
// from the cloud assembly (ImdsAudit.ofStage, the CLI, the validation plugin).
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ImdsAudit } from '../../src';

function hop2(scope: Stack, id: string): void {
  new ec2.CfnLaunchTemplate(scope, id, { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
}

const where = (findings: ReturnType<typeof ImdsAudit.ofStage>) =>
  findings.filter((f) => f.ruleId === 'HopLimitAboveOne').map((f) => ({ stack: f.stack, resource: f.resource, constructPath: f.constructPath }))
    .sort((a, b) => String(a.constructPath).localeCompare(String(b.constructPath)));

test('nested stacks (two levels, in a stage) are named by construct path on every surface', () => {
  const app = new App();
  const stage = new Stage(app, 'Prod');
  const parent = new Stack(stage, 'Platform');
  hop2(parent, 'Lt');
  const nested = new NestedStack(parent, 'Nodes');
  hop2(nested, 'Lt'); // the same logical id as the parent's: the paths must not mix them up
  const inner = new NestedStack(nested, 'Inner');
  hop2(inner, 'Lt');

  const fromTree = [parent, nested, inner].flatMap((s) => where(ImdsAudit.ofStack(s)));
  const fromAssembly = where(ImdsAudit.ofStage(app));
  expect(fromAssembly).toEqual([
    { stack: 'Prod/Platform', resource: 'Lt', constructPath: 'Prod/Platform/Lt' },
    { stack: 'Prod/Platform/Nodes/Inner', resource: 'Lt', constructPath: 'Prod/Platform/Nodes/Inner/Lt' },
    { stack: 'Prod/Platform/Nodes', resource: 'Lt', constructPath: 'Prod/Platform/Nodes/Lt' },
  ]);
  expect(fromTree.sort((a, b) => String(a.constructPath).localeCompare(String(b.constructPath)))).toEqual(fromAssembly);
});
