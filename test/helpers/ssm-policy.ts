/** moto has no AWS managed policies: a customer-managed stand-in for AmazonSSMManagedInstanceCore. */
import { CreatePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";

/** Creates the stand-in (same name, the agent's core permission) and returns its ARN. */
export async function ssmManagedInstanceCoreStandIn(iam: IAMClient): Promise<string> {
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: "AmazonSSMManagedInstanceCore",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["ssm:UpdateInstanceInformation"], Resource: "*" }],
      }),
    }),
  );
  return created.Policy!.Arn!;
}
