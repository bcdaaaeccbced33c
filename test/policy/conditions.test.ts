import { expect } from "chai";
import { restrictsPrincipals } from "../../policy/lib/conditions";

describe("policy pack: condition semantics (policy/lib/conditions.ts)", () => {
  it("a positive match on a caller-identifying key restricts", () => {
    for (const c of [
      { StringEquals: { "aws:SourceAccount": "111122223333" } },
      { stringequals: { "AWS:PrincipalOrgID": ["o-abc"] } },
      { StringLike: { "aws:SourceVpce": "vpce-1234*" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/*" } },
      { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::logs-bucket" } },
      { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] } },
      { "ForAnyValue:StringEquals": { "aws:PrincipalOrgPaths": "o-a/r-b/ou-c/" } },
      { Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:SourceVpc": "vpc-1" } },
    ])
      expect(restrictsPrincipals(c), JSON.stringify(c)).to.equal(true);
  });

  it("conditions that admit everyone, negated, IfExists, ForAllValues and unrelated ones do not", () => {
    for (const c of [
      undefined,
      {},
      { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
      { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "::0/0"] } },
      { NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
      { StringNotEquals: { "aws:SourceAccount": "111122223333" } },
      { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/x" } },
      { StringEqualsIfExists: { "aws:SourceAccount": "111122223333" } },
      { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-abc" } },
      { StringLike: { "aws:PrincipalOrgID": "*" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:sns:us-east-1:*:topic" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:*" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" } },
      { Bool: { "aws:SecureTransport": "true" }, Null: { "aws:SourceVpce": "false" } },
      { StringEquals: { "s3:ExistingObjectTag/public": "yes" } },
    ])
      expect(restrictsPrincipals(c), JSON.stringify(c)).to.equal(false);
  });
});
