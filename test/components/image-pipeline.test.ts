import { expect } from "chai";
import { ImagePipeline, type ImagePipelineArgs } from "../../components/image-pipeline";
import { knownGoodAmiParameter } from "../../facts";
import { ACCOUNT_ID, installMocks, ofType, type RecordedResource, settle } from "../helpers/pulumi-mocks";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DOC = "name: web\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n";
const args = (extra: Partial<ImagePipelineArgs> = {}): ImagePipelineArgs => ({
  components: [{ name: "web", document: DOC }],
  kmsKeyArn: KEY,
  subnetId: "subnet-0123456789abcdef0",
  securityGroupIds: ["sg-0123456789abcdef0"],
  ssmParameterName: knownGoodAmiParameter("web"),
  ...extra,
});
const one = (rs: RecordedResource[], type: string) => {
  const found = ofType(rs, type);
  expect(found, type).to.have.length(1);
  return found[0]!;
};

describe("ImagePipeline (golden AMI of a workload)", () => {
  let resources: RecordedResource[];
  before(async () => {
    resources = await installMocks();
    new ImagePipeline("web-golden", args());
    await settle(resources);
  });

  it("builds with IMDSv2 required, hop limit 1, and terminates failed build instances", () => {
    const infra = one(resources, "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration");
    expect(infra.inputs.instanceMetadataOptions).to.deep.equal({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    expect(infra.inputs.terminateInstanceOnFailure).to.equal(true);
    expect(infra.inputs.subnetId).to.equal("subnet-0123456789abcdef0");
    expect(infra.inputs.securityGroupIds).to.deep.equal(["sg-0123456789abcdef0"]);
  });

  it("encrypts the recipe's volumes with the CMK on a current Amazon Linux 2023 base", () => {
    const recipe = one(resources, "aws:imagebuilder/imageRecipe:ImageRecipe");
    expect(recipe.inputs.parentImage).to.equal(
      "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
    );
    for (const bdm of recipe.inputs.blockDeviceMappings) {
      expect(bdm.ebs.encrypted).to.equal("true");
      expect(bdm.ebs.kmsKeyId).to.equal(KEY);
    }
  });

  it("distributes a private, CMK-encrypted AMI and publishes its id to the SSM parameter", () => {
    const dist = one(resources, "aws:imagebuilder/distributionConfiguration:DistributionConfiguration");
    const d = dist.inputs.distributions[0];
    expect(d.region).to.equal("us-east-1");
    expect(d.amiDistributionConfiguration.kmsKeyId).to.equal(KEY);
    expect(d.amiDistributionConfiguration.launchPermission).to.equal(undefined);
    expect(d.ssmParameterConfigurations).to.deep.equal([
      { parameterName: "/ir/known-good-ami/web", dataType: "aws:ec2:image" },
    ]);
  });

  it("runs tests, on a weekly UTC schedule by default", () => {
    const pipe = one(resources, "aws:imagebuilder/imagePipeline:ImagePipeline");
    expect(pipe.inputs.imageTestsConfiguration.imageTestsEnabled).to.equal(true);
    expect(pipe.inputs.schedule).to.deep.equal({
      scheduleExpression: "cron(0 4 ? * MON *)",
      pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
      timezone: "Etc/UTC",
    });
    expect(pipe.inputs.status).to.equal("ENABLED");
  });

  it("keeps the 10 newest images and deletes older AMIs with their snapshots", () => {
    const lc = one(resources, "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy");
    expect(lc.inputs.resourceType).to.equal("AMI_IMAGE");
    expect(lc.inputs.policyDetails[0]).to.deep.equal({
      action: { type: "DELETE", includeResources: { amis: true, snapshots: true } },
      filter: { type: "COUNT", value: 10 },
    });
  });

  it("names immutable components after their content, so a changed document gets a new component", async () => {
    const first = one(resources, "aws:imagebuilder/component:Component").inputs.name;
    const again = await installMocks();
    new ImagePipeline("web-golden", args({ components: [{ name: "web", document: `${DOC}# changed\n` }] }));
    await settle(again);
    const second = one(again, "aws:imagebuilder/component:Component").inputs.name;
    expect(first).to.match(/^web-golden-web-[0-9a-f]{8}$/);
    expect(second).to.match(/^web-golden-web-[0-9a-f]{8}$/);
    expect(second).to.not.equal(first);
  });

  it("shares the AMI only with the accounts given", async () => {
    const rs = await installMocks();
    new ImagePipeline("web-golden", args({ launchPermissionAccountIds: ["444455556666"] }));
    await settle(rs);
    const dist = one(rs, "aws:imagebuilder/distributionConfiguration:DistributionConfiguration");
    expect(dist.inputs.distributions[0].amiDistributionConfiguration.launchPermission).to.deep.equal({
      userIds: ["444455556666"],
    });
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a malformed schedule", () => {
      expect(() => new ImagePipeline("bad", args({ schedule: "weekly" }))).to.throw(
        'image pipeline schedule "weekly" is not valid: expected cron(',
      );
    });
    it("refuses a recipe version that is not semantic", () => {
      expect(() => new ImagePipeline("bad", args({ recipeVersion: "1.0" }))).to.throw(
        'image recipe version "1.0" is not valid: expected a semantic version such as 1.0.0',
      );
    });
    it("refuses a pipeline without components", () => {
      expect(() => new ImagePipeline("bad", args({ components: [] }))).to.throw(
        'image pipeline "bad" has no component',
      );
    });
  });
});
