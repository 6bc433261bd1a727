import { describeVia, IssueCollector } from './issues';
import { Candidate, show, TemplateContext } from './values';
import { RuleId } from '../rules';

const OMITTED_HOP =
  'so the hop limit is left to the AMI and account defaults (2 for AMIs registered with ImdsSupport v2.0, ' +
  'Amazon Linux 2023 among them)';
const OMITTED_TOKENS = 'so whether IMDSv1 is allowed depends on the AMI and account defaults';

/** A hop limit as EC2 reads it: a number or a numeric string. */
export function numericHopLimit(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** Judges one hop limit number against the contract (1..64 integer, not above 1). */
export function judgeHopNumber(n: number | undefined): 'ok' | 'above' | 'invalid' {
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 64) {
    return 'invalid';
  }
  return n > 1 ? 'above' : 'ok';
}

/**
 * Judges EC2 `MetadataOptions` (launch template data, launch configuration, instance): every
 * candidate object, and inside each, every candidate hop limit and tokens value.
 *
 * @param basePath dotted path of the MetadataOptions property inside the resource
 */
export function judgeEc2MetadataOptions(ctx: TemplateContext, options: Candidate[], basePath: string, issues: IssueCollector): void {
  const hopPath = `${basePath}.HttpPutResponseHopLimit`;
  const tokensPath = `${basePath}.HttpTokens`;
  for (const opt of options) {
    switch (opt.kind) {
      case 'absent': {
        const how = opt.via ? `is AWS::NoValue${describeVia(opt)}` : 'is omitted';
        issues.add(RuleId.HOP_LIMIT_NOT_PINNED, basePath, 'MetadataOptions', `${how}, ${OMITTED_HOP}`);
        issues.add(RuleId.TOKENS_NOT_PINNED, basePath, 'MetadataOptions', `${how}, ${OMITTED_TOKENS}`);
        continue;
      }
      case 'unknown':
      case 'ref':
        issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, basePath, 'MetadataOptions', `is only known at deploy time: ${reasonOf(opt)}`);
        continue;
      case 'known':
        break;
    }
    const endpoint = ctx.field([opt], 'HttpEndpoint');
    if (endpoint.every((e) => e.kind === 'known' && e.value === 'disabled')) {
      // IMDS is off for this candidate: neither the hop limit nor the tokens matter.
      continue;
    }
    for (const hop of ctx.field([opt], 'HttpPutResponseHopLimit')) {
      judgeHopCandidate(hop, hopPath, issues);
    }
    for (const tokens of ctx.field([opt], 'HttpTokens')) {
      judgeTokensCandidate(tokens, tokensPath, issues);
    }
  }
}

export function judgeHopCandidate(hop: Candidate, path: string, issues: IssueCollector): void {
  const subject = 'HttpPutResponseHopLimit';
  switch (hop.kind) {
    case 'absent': {
      const how = hop.via ? `is AWS::NoValue${describeVia(hop)}` : 'is omitted';
      issues.add(RuleId.HOP_LIMIT_NOT_PINNED, path, subject, `${how}, ${OMITTED_HOP}`);
      return;
    }
    case 'unknown':
    case 'ref':
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `is only known at deploy time: ${reasonOf(hop)}`);
      return;
    case 'known': {
      const verdict = judgeHopNumber(numericHopLimit(hop.value));
      if (verdict === 'above') {
        issues.add(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `is ${show(hop.value)}${describeVia(hop)}: a pod one hop away can get an IMDSv2 token`);
      } else if (verdict === 'invalid') {
        issues.add(RuleId.INVALID_HOP_LIMIT, path, subject, `is ${show(hop.value)}${describeVia(hop)}, not an integer from 1 to 64`);
      }
      return;
    }
  }
}

function judgeTokensCandidate(tokens: Candidate, path: string, issues: IssueCollector): void {
  if (tokens.kind === 'absent') {
    const how = tokens.via ? `is AWS::NoValue${describeVia(tokens)}` : 'is omitted';
    issues.add(RuleId.TOKENS_NOT_PINNED, path, 'HttpTokens', `${how}, ${OMITTED_TOKENS}`);
    return;
  }
  judgeTokensValue(tokens, path, 'HttpTokens', issues);
}

/**
 * Judges a tokens setting that is there (EC2 `HttpTokens`, Karpenter `httpTokens`; what an
 * omitted one means differs, and is the caller's): "required" passes, "optional" allows IMDSv1,
 * anything else or a deploy-time value is unverifiable.
 */
export function judgeTokensValue(tokens: Exclude<Candidate, { kind: 'absent' }>, path: string, subject: string, issues: IssueCollector): void {
  if (tokens.kind !== 'known') {
    issues.unknown(RuleId.IMDS_V1_ALLOWED, path, subject, `is only known at deploy time: ${reasonOf(tokens)}`);
  } else if (tokens.value === 'optional') {
    issues.add(RuleId.IMDS_V1_ALLOWED, path, subject, `is "optional"${describeVia(tokens)}: token-less IMDSv1 GETs are allowed and not hop-limited`);
  } else if (tokens.value !== 'required') {
    issues.unknown(RuleId.IMDS_V1_ALLOWED, path, subject, `is ${show(tokens.value)}${describeVia(tokens)}, which is neither "required" nor "optional"`);
  }
}

export function reasonOf(c: Candidate): string {
  switch (c.kind) {
    case 'unknown':
      return `${c.reason}${describeVia(c)}`;
    case 'ref':
      return `a reference to ${c.logicalId}${c.attribute ? `.${c.attribute}` : ''}${describeVia(c)}`;
    default:
      return `${c.kind}${describeVia(c)}`;
  }
}
