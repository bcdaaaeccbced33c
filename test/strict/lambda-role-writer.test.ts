/**
 * The role writer (components/role-writer.ts, automation/role-writer/handler.ts) in the strict world:
 * the responder cannot write a role's policies itself (IAM refuses), and through the writer it can put
 * and lift only the fixed revoke denies, on instance roles, never the deny of an instance still
 * quarantined. The writer's own calls are authorised against its execution role's policy (rule
 * lambda-role-writer): without that policy it can write nothing.
 */
import {
  DescribeIamInstanceProfileAssociationsCommand,
  ReplaceIamInstanceProfileAssociationCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { FunctionRoleWriter } from "../../automation/aws/role-writer";
import type { RoleWrite } from "../../automation/aws/role-writes";
import { roleWriterPolicy } from "../../components/role-writer-policy";
import { DENY_ALL_PROFILE_NAME, RESPONDER_ROLE_NAME, ROLE_WRITER_FUNCTION_NAME } from "../../facts/names";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

const cutOff = (ms = Date.now()) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const arnOf = (id: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/${id}`;

describe("strict rule lambda-role-writer: role policies are written by the role writer only", function () {
  this.timeout(120_000);
  let a: Account;
  let writer: FunctionRoleWriter;
  const failure = (w: RoleWrite) =>
    writer.write(w).then(
      () => {
        throw new Error("expected the role writer to refuse, and it wrote");
      },
      (e: Error) => e,
    );
  const policies = async (role: string) =>
    (await a.clients.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];

  before(async () => {
    a = await setupAccount();
    writer = new FunctionRoleWriter(a.responder.lambda, ROLE_WRITER_FUNCTION_NAME);
  });

  it("IAM refuses the responder's own PutRolePolicy and DeleteRolePolicy on a workload role", async () => {
    for (const call of [
      new PutRolePolicyCommand({
        RoleName: a.world.roleName,
        PolicyName: "backdoor",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        }),
      }),
      new DeleteRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: "ir-revoke-c-other" }),
    ]) {
      const err = await a.responder.iam.send(call as PutRolePolicyCommand).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name, call.constructor.name).to.equal("AccessDenied");
      expect(err?.message).to.contain(`role/${a.world.roleName}`);
    }
  });

  it("puts a case deny built from the instance ARN and the cut-off, nothing else", async () => {
    const at = cutOff();
    await writer.write({
      op: "put-case-deny",
      roleName: a.world.roleName,
      policyName: "ir-revoke-c-writer-1",
      instanceArn: arnOf(a.world.solo),
      issuedBefore: at,
      wholeRole: false,
    });
    const doc = JSON.parse(
      decodeURIComponent(
        (
          await a.clients.iam.send(
            new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: "ir-revoke-c-writer-1" }),
          )
        ).PolicyDocument!,
      ),
    );
    expect(doc.Statement).to.deep.equal([
      {
        Sid: "IrRevokeInstanceSessions",
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: {
          DateLessThan: { "aws:TokenIssueTime": at },
          ArnEquals: { "ec2:SourceInstanceARN": arnOf(a.world.solo) },
        },
      },
    ]);
  });

  it("refuses what is not a revoke of this account's instance: a foreign ARN, a future cut-off, another policy name, an unknown operation", async () => {
    const base = {
      op: "put-case-deny" as const,
      roleName: a.world.roleName,
      policyName: "ir-revoke-c-writer-2",
      instanceArn: arnOf(a.world.solo),
      issuedBefore: cutOff(),
      wholeRole: false,
    };
    const cases: [RoleWrite, RegExp][] = [
      [
        { ...base, instanceArn: "arn:aws:ec2:us-east-1:999999999999:instance/i-0123456789abcdef0" },
        /not an instance of account/,
      ],
      [{ ...base, issuedBefore: cutOff(Date.now() + 3600_000) }, /is in the future/],
      [{ ...base, policyName: "AdministratorAccess" }, /not a case's revoke policy/],
      [
        { op: "attach-policy", roleName: a.world.roleName } as unknown as RoleWrite,
        /not one the role writer performs/,
      ],
      [
        { op: "delete-revoke", roleName: a.world.roleName, policyName: "some-other-policy" },
        /only those are deleted/,
      ],
    ];
    for (const [w, why] of cases) {
      const err = await failure(w);
      expect(err.name, JSON.stringify(w)).to.equal("RoleWriteRefused");
      expect(err.message).to.match(why);
    }
    expect(await policies(a.world.roleName)).to.not.include("ir-revoke-c-writer-2");
  });

  it("puts denies on instance roles only, never on the responder's own role", async () => {
    await a.clients.iam.send(
      new CreateRoleCommand({
        RoleName: "break-glass-admin",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const deny = (roleName: string): RoleWrite => ({
      op: "put-case-deny",
      roleName,
      policyName: "ir-revoke-c-writer-3",
      instanceArn: arnOf(a.world.solo),
      issuedBefore: cutOff(),
      wholeRole: true,
    });
    expect((await failure(deny("break-glass-admin"))).message).to.match(/in no instance profile/);
    expect((await failure(deny(RESPONDER_ROLE_NAME))).message).to.match(/never given a revoke deny/);
  });

  it("never lifts the deny of an instance still quarantined; does once its profile is restored", async () => {
    const id = a.world.solo;
    const assoc = (
      await a.clients.ec2.send(
        new DescribeIamInstanceProfileAssociationsCommand({
          Filters: [{ Name: "instance-id", Values: [id] }],
        }),
      )
    ).IamInstanceProfileAssociations![0]!;
    const quarantine = (
      await a.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: DENY_ALL_PROFILE_NAME }))
    ).InstanceProfile!.Arn!;
    const swapped = await a.clients.ec2.send(
      new ReplaceIamInstanceProfileAssociationCommand({
        AssociationId: assoc.AssociationId!,
        IamInstanceProfile: { Arn: quarantine },
      }),
    );
    const lift: RoleWrite = {
      op: "delete-revoke",
      roleName: a.world.roleName,
      policyName: "ir-revoke-c-writer-1",
    };
    const err = await failure(lift);
    expect(err.message).to.match(/would lift the deny of .*still holding the quarantine profile/);
    // Folding it away without the instance is the same lift.
    const fold = await failure({
      op: "put-folded",
      roleName: a.world.roleName,
      denies: [{ instanceArns: [arnOf(a.world.asgInstances[0]!)], issuedBefore: cutOff() }],
      replacing: ["ir-revoke-c-writer-1"],
    });
    expect(fold.message).to.match(/would lift the deny/);
    expect(await policies(a.world.roleName)).to.include("ir-revoke-c-writer-1");
    await a.clients.ec2.send(
      new ReplaceIamInstanceProfileAssociationCommand({
        AssociationId: swapped.IamInstanceProfileAssociation!.AssociationId!,
        IamInstanceProfile: { Arn: a.world.profileArn },
      }),
    );
    await writer.write(lift);
    expect(await policies(a.world.roleName)).to.not.include("ir-revoke-c-writer-1");
  });

  it("runs as its execution role: without the role's policy, IAM refuses the writer's own write", async () => {
    await a.clients.iam.send(
      new DeleteRolePolicyCommand({
        RoleName: ROLE_WRITER_FUNCTION_NAME,
        PolicyName: ROLE_WRITER_FUNCTION_NAME,
      }),
    );
    try {
      const err = await failure({
        op: "put-case-deny",
        roleName: a.world.roleName,
        policyName: "ir-revoke-c-writer-4",
        instanceArn: arnOf(a.world.solo),
        issuedBefore: cutOff(),
        wholeRole: false,
      });
      expect(err.name).to.equal("AccessDenied");
      expect(err.message).to.contain(`assumed-role/${ROLE_WRITER_FUNCTION_NAME}/`);
    } finally {
      await a.clients.iam.send(
        new PutRolePolicyCommand({
          RoleName: ROLE_WRITER_FUNCTION_NAME,
          PolicyName: ROLE_WRITER_FUNCTION_NAME,
          PolicyDocument: roleWriterPolicy({
            partition: "aws",
            accountId: TEST_ACCOUNT,
            logGroupArn: `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:/aws/lambda/${ROLE_WRITER_FUNCTION_NAME}`,
          }),
        }),
      );
    }
  });
});
