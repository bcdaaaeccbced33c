/**
 * A baseline-like account for `ir doctor`: the responder's world and bootstrap (test/helpers/responder.ts),
 * then what the baseline adds and bootstrap does not: a customer key with rotation encrypting the
 * evidence bucket and the journal (the responder's policy naming it), point-in-time recovery and deletion
 * protection on the journal, SSM interface endpoints in the VPC, the workload role allowed what the SSM
 * agent needs, and one Xen instance beside the Nitro ones.
 */
import { UpdateContinuousBackupsCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from "@aws-sdk/client-kms";
import { PutBucketEncryptionCommand } from "@aws-sdk/client-s3";
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { provisionResponderRole } from "../../automation/emulator/responder-role";
import { evidenceBucketName } from "../../facts/names";
import { TEST_ACCOUNT, TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { SSM_CORE } from "../helpers/ssm-agent";

export interface DoctorAccount extends Account {
  kms: KMSClient;
  keyArn: string;
  /** The key's id (moto's DisableKey and EnableKey take no ARN). */
  keyId: string;
  bucket: string;
  xen: string;
  /** Every running instance. */
  instances: string[];
}

export async function baselineLikeAccount(): Promise<DoctorAccount> {
  const a = await setupAccount({ groups: true });
  const c = a.clients;
  const kms = new KMSClient({
    endpoint: a.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  const key = (await kms.send(new CreateKeyCommand({ Description: "ir evidence" }))).KeyMetadata!;
  await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));
  const bucket = evidenceBucketName(TEST_ACCOUNT, TEST_REGION);
  await c.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.Arn },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
  const table = a.settings.journalTable;
  await c.dynamodb.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  await c.dynamodb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: true }));
  // The baseline's responder policy names the project's key.
  await provisionResponderRole(c, {
    accountId: TEST_ACCOUNT,
    region: TEST_REGION,
    kmsKeyArns: [key.Arn!],
    workloadRoleArns: [`arn:aws:iam::${TEST_ACCOUNT}:role/${a.world.roleName}`],
  });
  await c.iam.send(
    new PutRolePolicyCommand({
      RoleName: a.world.roleName,
      PolicyName: "ssm-core",
      PolicyDocument: JSON.stringify(SSM_CORE),
    }),
  );
  const endpointGroup = (
    await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "ssm-endpoints",
        Description: "endpoints",
        VpcId: a.world.vpcId,
      }),
    )
  ).GroupId!;
  for (const service of ["ssm", "ssmmessages", "ec2messages"])
    await c.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: a.world.vpcId,
        ServiceName: `com.amazonaws.${TEST_REGION}.${service}`,
        VpcEndpointType: "Interface",
        SubnetIds: [a.world.subnets[0]!],
        SecurityGroupIds: [endpointGroup],
        PrivateDnsEnabled: true,
      }),
    );
  const xen = (
    await c.ec2.send(
      new RunInstancesCommand({
        ImageId: a.world.imageId,
        InstanceType: "t2.micro",
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Arn: a.world.profileArn },
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: a.world.subnets[0], Groups: [a.world.webGroup] }],
      }),
    )
  ).Instances![0]!.InstanceId!;
  const reservations = (
    await c.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["running"] }] }),
    )
  ).Reservations!;
  const instances = reservations.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)).sort();
  // Agents register at their first poll (the simulated agent's registration delay is 0 in tests).
  await c.ssm.send(new DescribeInstanceInformationCommand({}));
  return { ...a, kms, keyArn: key.Arn!, keyId: key.KeyId!, bucket, xen, instances };
}
